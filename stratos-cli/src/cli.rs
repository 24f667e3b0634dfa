//! Command-line arguments (clap derive): raw arguments only; `cmd::*` validates and builds.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use stratos_ingest::SheetSelector;

/// Time-series analytics on files and streams: moving averages, anomaly detection, signals
/// and alerts.
#[derive(Debug, Parser)]
#[command(
    name = "stratos",
    version,
    about,
    after_help = "Examples:
  stratos run moving_average examples/data/ohlcv_daily.csv --config '{\"period\":20}'
  stratos run anomaly_detection data.csv --config '{\"window_size\":50,\"threshold\":3}' --format csv
  producer | stratos stream --strategy anomaly_detection --config '{\"window_size\":50}' | consumer
  stratos strategies
  stratos inspect examples/data/ohlcv_daily.csv

Exit codes: 0 ok, 2 usage, 65 bad data, 66 missing input, 1 other."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a strategy over a file (or stdin) and print its result.
    #[command(after_help = "Examples:
  stratos run moving_average examples/data/ohlcv_daily.csv --config '{\"period\":20}'
  stratos run moving_average prices.csv --config '{\"fast\":10,\"slow\":20}' --format csv
  stratos run anomaly_detection sensor.csv --field temperature --format json
  stratos run anomaly_detection machine.log --field temperature
  cat prices.csv | stratos run moving_average - --config @ma.json

Output formats:
  table   a summary and the last rows (default)
  json    the StrategyResult, with per-row outputs
  ndjson  one JSON object per input row: timestamp, input value, outputs
  csv     one row per input row, e.g. timestamp,close,sma,signal")]
    Run(RunArgs),
    /// Stream records from stdin through online strategies; NDJSON events on stdout.
    #[command(after_help = "Input: NDJSON records in the seed's envelope
  {\"stream_id\":\"sensor_01\",\"payload\":{\"value\":23.5},\"timestamp\":\"2025-01-15T10:30:00Z\"}
or CSV with a header, e.g. timestamp,stream_id,value (a `stream_id` or `stream` column names the
stream; a `timestamp`, `time`, `ts`, `date`, `datetime` or `epoch` column gives the time).
State is kept per stream_id. Each event is one JSON line, flushed as it happens.

Examples:
  stratos stream --strategy anomaly_detection --config '{\"method\":\"z_score\",\"window_size\":50,\"threshold\":3}' < records.ndjson
  stratos stream --strategy moving_average --config '{\"period\":5}' --input-format csv < ticks.csv | head -1

Several strategies: repeat --strategy; the n-th --config belongs to the n-th --strategy.

Tenants: --tenant-field tenant names the field holding each record's tenant; --tenants FILE
enforces limits, e.g. [{\"tenant_id\":\"acme\",\"limits\":{\"rate_limit_per_minute\":120,
\"max_concurrent_streams\":50,\"max_strategies_per_hour\":500},\"allowed_strategies\":[\"anomaly_detection\"]}]
A refused record gives a {\"event\":\"limit_exceeded\",…} line for its tenant (at most one per limit
and minute); the summary on stderr counts refusals per tenant.
  stratos stream --tenant-field tenant --tenants tenants.json --strategy trend_analysis < mentions.csv")]
    Stream(StreamArgs),
    /// List the built-in strategies with their config keys, defaults and ranges.
    #[command(after_help = "Examples:
  stratos strategies
  stratos strategies --format json")]
    Strategies(StrategiesArgs),
    /// Detect a file's schema and kind of data offline; suggest strategies.
    #[command(after_help = "Examples:
  stratos inspect examples/data/ohlcv_daily.csv
  stratos inspect examples/data/sensor_stream.ndjson --format json
  cat machine.log | stratos inspect - --input-format text --rows 10

Detected types: financial_data, sensor_data, ecommerce, log, custom. The confidence is
high when several column names agree and at most 0.5 for ambiguous input.")]
    Inspect(InspectArgs),
}

/// Output formats of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RunFormat {
    Table,
    Json,
    Ndjson,
    Csv,
}

/// Output formats of `strategies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    Table,
    Json,
}

/// Input formats for files and stdin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InputFormat {
    Csv,
    Tsv,
    Ndjson,
    Json,
    Text,
    /// A spreadsheet: XLSX, XLSM, XLS, XLSB or ODS.
    #[value(alias = "spreadsheet", alias = "xls", alias = "ods")]
    Xlsx,
}

/// Input formats of `stream`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StreamFormat {
    Ndjson,
    Csv,
}

/// What `stream` does with a malformed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum OnError {
    /// Report it on stderr with its line number, skip it, go on.
    #[default]
    Skip,
    /// Report it and stop with exit code 65.
    Fail,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Strategy id (see `stratos strategies`).
    pub(crate) strategy: String,
    /// Input file, or `-` for stdin (the default).
    pub(crate) input: Option<PathBuf>,
    /// Strategy config: inline JSON, or @FILE to read it from a file.
    #[arg(long, short)]
    pub(crate) config: Option<String>,
    /// Input field to analyse (sets the config's `data_field`).
    #[arg(long)]
    pub(crate) field: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = RunFormat::Table)]
    pub(crate) format: RunFormat,
    /// Input format (default: from the file extension, else from the content).
    #[arg(long, value_enum)]
    pub(crate) input_format: Option<InputFormat>,
    /// Spreadsheet sheet to read: a name, or a 0-based index (default: the first sheet with
    /// data).
    #[arg(long, value_name = "NAME|INDEX")]
    pub(crate) sheet: Option<SheetSelector>,
    /// Rows shown by the table format (0: all).
    #[arg(long, default_value_t = 10)]
    pub(crate) rows: usize,
}

#[derive(Debug, Args)]
pub(crate) struct StreamArgs {
    /// Strategy id; repeat for several strategies.
    #[arg(long, short, required = true)]
    pub(crate) strategy: Vec<String>,
    /// Config of the strategy in the same position: inline JSON or @FILE.
    #[arg(long, short)]
    pub(crate) config: Vec<String>,
    /// Input field for every strategy whose config names none.
    #[arg(long)]
    pub(crate) field: Option<String>,
    /// Input format (default: NDJSON when the first character is `{`, else CSV).
    #[arg(long, value_enum)]
    pub(crate) input_format: Option<StreamFormat>,
    /// What to do with a malformed line.
    #[arg(long, value_enum, default_value_t = OnError::Skip)]
    pub(crate) on_error: OnError,
    /// The field naming each record's tenant: a CSV column, or an NDJSON record's `metadata`
    /// or `payload` key. Streams are kept per (tenant, stream_id).
    #[arg(long, value_name = "NAME")]
    pub(crate) tenant_field: Option<String>,
    /// Tenant policies (JSON): limits and allowed strategies per tenant.
    #[arg(long, value_name = "FILE")]
    pub(crate) tenants: Option<PathBuf>,
    /// Print throughput and per-stream counts to stderr every N input lines (0: never).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) stats_every: u64,
    /// Most streams held at once; beyond, the least recently fed stream is evicted.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub(crate) max_streams: usize,
    /// Evict a stream after this many seconds of event time without a record.
    #[arg(long, value_name = "SECONDS")]
    pub(crate) idle_timeout: Option<i64>,
    /// Records older than their stream's latest record.
    #[arg(long, value_enum, default_value_t = TimeChoice::Drop)]
    pub(crate) late: TimeChoice,
    /// Records with the same time as their stream's latest record.
    #[arg(long, value_enum, default_value_t = TimeChoice::Accept)]
    pub(crate) duplicates: TimeChoice,
    /// Records with a missing (empty, null, NaN) or infinite value: refuse them (reported like
    /// malformed lines), or pass them on as gaps.
    #[arg(long, value_enum, default_value_t = MissingChoice::Reject)]
    pub(crate) missing: MissingChoice,
}

/// `--late` and `--duplicates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimeChoice {
    /// Feed the record to the strategies.
    Accept,
    /// Drop it, counted in the summary.
    Drop,
}

/// `--missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MissingChoice {
    /// Refuse the record.
    Reject,
    /// Pass NaN on; strategies treat it as a gap.
    Accept,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// Input file, or `-` for stdin (the default).
    pub(crate) input: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ListFormat::Table)]
    pub(crate) format: ListFormat,
    /// Input format (default: from the file extension, else from the content).
    #[arg(long, value_enum)]
    pub(crate) input_format: Option<InputFormat>,
    /// Spreadsheet sheet to read: a name, or a 0-based index (default: the first sheet with
    /// data).
    #[arg(long, value_name = "NAME|INDEX")]
    pub(crate) sheet: Option<SheetSelector>,
    /// Sample rows shown.
    #[arg(long, default_value_t = 5)]
    pub(crate) rows: usize,
}

#[derive(Debug, Args)]
pub(crate) struct StrategiesArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ListFormat::Table)]
    pub(crate) format: ListFormat,
}
