//! The long help of every command (examples, formats, notes, exit codes), in one place.
//! `cli/` holds the arguments; the CLI's help-examples test runs each example line.

/// `stratos --help`: examples and notes after the options.
pub(crate) const MAIN: &str = "Examples:
  stratos run moving_average examples/data/ohlcv_daily.csv --config '{\"period\":20}'
  stratos run anomaly_detection examples/data/sensor_stream.csv --config '{\"window_size\":50,\"threshold\":3}' --format csv
  stratos stream --strategy anomaly_detection --config '{\"window_size\":50}' < examples/data/sensor_stream.ndjson | head -3
  stratos strategies
  stratos inspect examples/data/ohlcv_daily.csv
  stratos backtest moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --commission 0.002

Exit codes: 0 ok, 2 usage, 65 bad data, 66 missing input, 1 other.";

/// `stratos run --help`: examples and notes after the options.
pub(crate) const RUN: &str = "Examples:
  stratos run moving_average examples/data/ohlcv_daily.csv --config '{\"period\":20}'
  stratos run moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --format csv
  stratos run anomaly_detection examples/data/sensor_stream.ndjson --field vibration --format json
  stratos run anomaly_detection stratos-ingest/tests/data/motors.log --field temperature --config '{\"window_size\":2}'
  cat examples/data/ohlcv_daily.csv | stratos run moving_average - --config '{\"period\":5}'

Output formats:
  table   a summary and the last rows (default)
  json    the StrategyResult, with per-row outputs
  ndjson  one JSON object per input row: timestamp, input value, outputs
  csv     one row per input row, e.g. timestamp,close,sma,signal

Several streams: when the input has a stream column (the NDJSON envelope's `stream_id`, or a
column named `stream_id` or `stream`, any case) holding two or more streams, the strategy runs
once per stream, on that stream's rows in file order, as `stratos stream` keeps one state per
stream. Streams come in order of first appearance: json prints an array of
{\"stream_id\",\"rows\",\"result\"}, ndjson and csv put a `stream_id` first in every row, table
prints one summary per stream. --stream-field FIELD picks the column (and always tags, even one
stream); --no-streams reads the input as one series. Rows with an empty stream cell form the
stream \"\".
  stratos run anomaly_detection examples/data/sensor_stream.ndjson --field temperature --format json";

/// `stratos stream --help`: examples and notes after the options.
pub(crate) const STREAM: &str = "Input: NDJSON records in the seed's envelope
  {\"stream_id\":\"sensor_01\",\"payload\":{\"value\":23.5},\"timestamp\":\"2025-01-15T10:30:00Z\"}
or CSV with a header, e.g. timestamp,stream_id,value (a `stream_id` or `stream` column names the
stream; a `timestamp`, `time`, `ts`, `date`, `datetime` or `epoch` column gives the time).
State is kept per stream_id. Each event is one JSON line, written out before more input is awaited.

Examples:
  stratos stream --strategy anomaly_detection --config '{\"method\":\"z_score\",\"window_size\":50,\"threshold\":3}' < examples/data/sensor_stream.ndjson
  stratos stream --strategy moving_average --config '{\"period\":5}' --input-format csv < examples/data/sensor_stream.csv | head -1

Several strategies: repeat --strategy; the n-th --config belongs to the n-th --strategy.

Tenants: --tenant-field tenant names the field holding each record's tenant; --tenants FILE
enforces limits, e.g. [{\"tenant_id\":\"acme\",\"limits\":{\"rate_limit_per_minute\":120,
\"max_concurrent_streams\":50,\"max_strategies_per_hour\":500},\"allowed_strategies\":[\"anomaly_detection\"]}]
A refused record gives a {\"event\":\"limit_exceeded\",…} line for its tenant (at most one per limit
and minute); the summary on stderr counts refusals per tenant.
  stratos stream --tenant-field tenant --tenants examples/data/tenants.json --strategy anomaly_detection < examples/data/tenant_readings.csv";

/// `stratos strategies --help`: examples and notes after the options.
pub(crate) const STRATEGIES: &str = "Examples:
  stratos strategies
  stratos strategies --format json";

/// `stratos inspect --help`: examples and notes after the options.
pub(crate) const INSPECT: &str = "Examples:
  stratos inspect examples/data/ohlcv_daily.csv
  stratos inspect examples/data/sensor_stream.ndjson --format json
  cat stratos-ingest/tests/data/motors.log | stratos inspect - --input-format text --rows 10

Detected types: financial_data, sensor_data, ecommerce, log, custom. The confidence is
high when several column names agree and at most 0.5 for ambiguous input.";

/// `stratos backtest --help`: examples and notes after the options.
pub(crate) const BACKTEST: &str = "Examples:
  stratos backtest moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --commission 0.002
  stratos backtest moving_average stratos-cli/tests/data/ohlcv_300.xlsx --config '{\"fast\":10,\"slow\":20}' --cash 100000 --plot chart.svg
  stratos backtest moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --format json
  stratos backtest moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --format csv --csv equity
  stratos backtest moving_average examples/data/ohlcv_daily.csv --start 2016-01-01 --end 2017-12-31 --close-open-trades
  stratos backtest moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --sl 5% --tp 10% --margin 0.5 --exclusive-orders false
  stratos backtest moving_average examples/data/ohlcv_daily.csv --grid 'fast=5..30:5,slow=20..100:10' --rank-by 'Return [%]'
  stratos backtest arima_prediction examples/data/ohlcv_daily.csv --config '{\"p\":1,\"d\":1,\"q\":1}' --evaluate '{\"horizon\":5,\"step\":20}'

Input: OHLC(V) bars with columns Open, High, Low, Close (any case), optional Volume, and a
time column; CSV, TSV, XLSX/XLS/ODS, JSON and NDJSON are read.

Fills follow backtesting.py 0.6.6: a signal on bar t fills at bar t+1's open (--trade-on-close:
at bar t's close); orders size to the whole units the cash buys; commission is paid at entry and
exit; a new signal closes the open trade first (exclusive orders; --exclusive-orders false lets
trades accumulate, backtesting.py's default). --sl/--tp attach a stop-loss/take-profit to every
new trade, as a distance from the signal bar's close (5%) or a price level (95.5); --margin
sets leverage (0.02 = 50:1); --hedging keeps long and short trades side by side. Trades still
open at the end stay open (in the equity, not in the trade statistics) unless --close-open-trades.

--grid runs every combination of the given config keys on all cores and ranks them by
--rank-by (a statistic's backtesting.py name); combinations the strategy rejects (e.g. fast >=
slow) are skipped and counted. The best row is exactly what a single run with those keys gives.

--evaluate (arima_prediction, hybrid_arima_ma) runs a rolling-origin evaluation instead of a
backtest: at each origin the model is refitted on the data before it and forecasts `horizon`
steps; MAPE, RMSE, MAE and direction accuracy (the seed's average_accuracy) per step, beside
the naive forecast. Keys: horizon (5), step (1), initial (half the data), window
(\"expanding\" or {\"sliding\": N}).

Exit codes: 0 ok, 2 usage, 65 bad data (e.g. no OHLC columns), 66 missing input, 1 other.";

/// `stratos evaluate --help`: examples and notes after the options.
pub(crate) const EVALUATE: &str = "The corpus folder holds data/<category>/<file>.csv (timestamp,value) and
labels/combined_windows.json, as in the Numenta Anomaly Benchmark (NAB v1.1). Every file the
labels list is run through the detector (one state per file, row by row, causal), and the anomaly
scores are scored with NAB's rules: one threshold per profile optimised over the corpus, raw
score normalised so the null detector scores 0 and a perfect one 100. Also printed: precision,
recall and F1 counted by window at that threshold.

Examples:
  stratos evaluate tests/data/nab/mini --config '{\"method\":\"robust_z\",\"window_size\":50}'
  stratos evaluate tests/data/nab/mini --config '{\"method\":\"ewma\",\"alpha\":0.05}' --format json
  stratos evaluate tests/data/nab/mini --config '{\"method\":\"ewma\",\"alpha\":0.05}' --results-dir target/nab-results --detector mine
  stratos evaluate tests/data/nab/mini --scores target/nab-results --detector mine
  stratos evaluate tests/data/nab/mini --config '{\"method\":\"auto\"}' --cv category
  stratos evaluate tests/data/nab/mini --config '[{\"method\":\"auto\"},{\"method\":\"relative_entropy\"}]' --cv category
(tests/data/nab/mini is a tiny synthetic corpus; point at a copy of NAB for the real benchmark.)

With --cv category, each category (folder under data/) is held out in turn: the threshold (and,
when --config is a JSON list of configs, the config) is chosen by NAB's optimisation on the other
categories and applied unchanged to the held-out files. Printed: the held-out score of each
category and their corpus-level combination (held-out raw scores summed and normalised like NAB's
score), an estimate of how the detector does on data it was not tuned on. The in-sample table
is that of the first config.

With --results-dir, NAB's results layout is written too:
<dir>/<detector>/<category>/<detector>_<file>.csv with timestamp,value,anomaly_score,label.";
