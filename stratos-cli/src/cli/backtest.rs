//! The `backtest` command's arguments.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::*;

/// Output formats of `backtest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BacktestFormat {
    /// A readable report: the statistics block and the seed's summary.
    Table,
    /// One JSON object: `stats`, `summary`, `trades`, `equity`.
    Json,
    /// The trades, or the equity curve with `--csv equity`.
    Csv,
}

/// `backtest --signal-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SignalModeArg {
    /// Every BUY buys and every SELL sells short (a new signal first closes the open trade).
    Orders,
    /// BUY goes long unless already long; SELL goes short unless already short.
    Position,
    /// BUY goes long when flat; SELL closes the long.
    LongOnly,
}

/// The table `backtest --format csv` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum CsvTable {
    /// One row per closed trade (the default).
    #[default]
    Trades,
    /// One row per bar: equity, drawdown, drawdown duration.
    Equity,
}

/// The rows of the equity curve `backtest --format json` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum EquityArg {
    /// One row per bar (the default).
    #[default]
    Full,
    /// One row per calendar day (UTC): the day's last bar, with the longest drawdown
    /// episode that closed that day.
    Daily,
    /// No `equity` key.
    None,
}

#[derive(Debug, Args)]
pub(crate) struct BacktestArgs {
    /// Strategy id (see `stratos strategies`).
    pub(crate) strategy: String,
    /// OHLC(V) input file: CSV, TSV, XLSX/XLS/ODS, JSON, NDJSON (columns Open, High, Low,
    /// Close, optional Volume, any case, and a time column).
    pub(crate) input: PathBuf,
    /// Strategy config: inline JSON, key=value,key=value, or @FILE to read it from a file.
    #[arg(long, short)]
    pub(crate) config: Option<String>,
    /// Starting cash.
    #[arg(long, default_value_t = 10_000.0)]
    pub(crate) cash: f64,
    /// Commission as a fraction of traded value, paid at entry and at exit (0.002 = 0.2 %).
    #[arg(long, default_value_t = 0.0)]
    pub(crate) commission: f64,
    /// Spread as a fraction of price: longs fill at price·(1+s), shorts at price·(1−s).
    #[arg(long, default_value_t = 0.0)]
    pub(crate) spread: f64,
    /// Margin requirement in (0, 1]: leverage is 1/margin (0.02 = 50:1). backtesting.py's `margin`.
    #[arg(long, default_value_t = 1.0)]
    pub(crate) margin: f64,
    /// Stop-loss on every new trade: `2%` below (long) or above (short) the signal bar's close,
    /// or a price level such as `95.5`. backtesting.py's `sl`.
    #[arg(long, value_name = "PCT%|PRICE", value_parser = parse_bracket)]
    pub(crate) sl: Option<stratos_eval::backtest::Bracket>,
    /// Take-profit on every new trade: `5%` from the signal bar's close, or a price level.
    /// backtesting.py's `tp`.
    #[arg(long, value_name = "PCT%|PRICE", value_parser = parse_bracket)]
    pub(crate) tp: Option<stratos_eval::backtest::Bracket>,
    /// Keep long and short trades side by side instead of netting them first in, first out.
    /// backtesting.py's `hedging`.
    #[arg(long)]
    pub(crate) hedging: bool,
    /// A new order closes every open trade first (the default, as backtesting.py's README
    /// example); `--exclusive-orders false` lets trades accumulate (backtesting.py's default).
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1,
          default_missing_value = "true", action = clap::ArgAction::Set)]
    pub(crate) exclusive_orders: bool,
    /// First bar to use: a date or time (RFC 3339, `YYYY-MM-DD`), inclusive.
    #[arg(long, value_name = "DATE")]
    pub(crate) start: Option<String>,
    /// Last bar to use: a date or time, inclusive (a bare date includes that whole day).
    #[arg(long, value_name = "DATE")]
    pub(crate) end: Option<String>,
    /// Close trades still open after the last bar (at its open), so they count in every
    /// statistic (backtesting.py's `finalize_trades=True`).
    #[arg(long)]
    pub(crate) close_open_trades: bool,
    /// Fill market orders at the signal bar's close instead of the next bar's open.
    #[arg(long)]
    pub(crate) trade_on_close: bool,
    /// Write the chart (price or candles with the strategy's averages and trades, volume,
    /// per-trade P/L, equity, drawdown) to this SVG or PNG file (by its extension).
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    pub(crate) plot: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = BacktestFormat::Table)]
    pub(crate) format: BacktestFormat,
    /// What `--format csv` writes.
    #[arg(long, value_enum, default_value_t = CsvTable::Trades)]
    pub(crate) csv: CsvTable,
    /// The equity curve in `--format json`: `full` (one row per bar), `daily` (one per
    /// day) or `none` (left out; a million bars make about 150 MB of rows).
    #[arg(long, value_enum, value_name = "ROWS", default_value_t = EquityArg::Full)]
    pub(crate) equity: EquityArg,
    /// How signals become orders (default: `orders` for crossovers and plug-ins, `position`
    /// for price-vs-average and forecasts).
    #[arg(long, value_enum)]
    pub(crate) signal_mode: Option<SignalModeArg>,
    /// ARIMA / hybrid signals: refit the model every N bars on the bars so far.
    #[arg(long, value_name = "N", default_value_t = stratos_eval::backtest::signals::DEFAULT_REFIT_EVERY, value_parser = parse_positive)]
    pub(crate) refit_every: usize,
    /// Run the look-ahead guard: recompute the signals on 20 truncated histories and fail if
    /// any earlier signal changes.
    #[arg(long)]
    pub(crate) check_lookahead: bool,
    /// Parameter sweep: every combination of the config keys given, e.g.
    /// 'fast=5..30:5,slow=20..100:10' (`a..b:step` includes b; `a|b|c` lists values).
    #[arg(long, value_name = "SPEC")]
    pub(crate) grid: Option<String>,
    /// The most combinations `--grid` may have; a bigger grid is refused before anything is
    /// built (at most 1000000).
    #[arg(long, value_name = "N", default_value_t = stratos_eval::backtest::optimise::DEFAULT_MAX_COMBINATIONS, value_parser = parse_positive)]
    pub(crate) max_combinations: usize,
    /// The statistic a sweep ranks by (its backtesting.py name); higher is better, except
    /// for drawdowns and durations.
    #[arg(long, value_name = "STAT", default_value = "Sharpe Ratio")]
    pub(crate) rank_by: String,
    /// Sweep results shown (0: all).
    #[arg(long, default_value_t = 10)]
    pub(crate) top: usize,
    /// Walk-forward optimisation with --grid: optimise on TRAIN bars, trade the next TEST
    /// bars with the winner, roll forward by TEST; reports the out-of-sample statistics.
    #[arg(long, value_name = "TRAIN:TEST", requires = "grid")]
    pub(crate) walk_forward: Option<String>,
    /// Walk-forward training windows all start at the first bar (growing) instead of
    /// sliding.
    #[arg(long, requires = "walk_forward")]
    pub(crate) anchored: bool,
    /// Rolling-origin evaluation of the forecasts (arima_prediction, hybrid_arima_ma) instead
    /// of a backtest; optional JSON:
    /// {"horizon":5,"step":20,"initial":500,"window":{"sliding":250}}.
    #[arg(
        long,
        value_name = "JSON",
        num_args = 0..=1,
        default_missing_value = "{}",
        conflicts_with_all = ["grid", "plot"]
    )]
    pub(crate) evaluate: Option<String>,
    /// Input format (default: from the file extension, else from the content).
    #[arg(long, value_enum)]
    pub(crate) input_format: Option<InputFormat>,
    /// Spreadsheet sheet to read: a name, or a 0-based index (default: the first sheet with
    /// data).
    #[arg(long, value_name = "NAME|INDEX")]
    pub(crate) sheet: Option<SheetSelector>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}
