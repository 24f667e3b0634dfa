//! Command-line arguments (clap derive): raw arguments only; `cmd::*` validates and builds.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use stratos_ingest::SheetSelector;

mod backtest;
pub(crate) use backtest::*;

/// Time-series analytics on files and streams: moving averages, anomaly detection, signals
/// and alerts.
#[derive(Debug, Parser)]
#[command(
    name = "stratos",
    version,
    about,
    // No wrapping: the examples at the end of every help must stay one command a line, to be
    // copied as they are (the terminal wraps long lines for display).
    term_width = 0,
    after_help = crate::help::MAIN
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a strategy over a file (or stdin) and print its result.
    #[command(after_help = crate::help::RUN)]
    Run(RunArgs),
    /// Stream records from stdin through online strategies; NDJSON events on stdout.
    #[command(after_help = crate::help::STREAM)]
    Stream(StreamArgs),
    /// List the built-in strategies with their config keys, defaults and ranges.
    #[command(after_help = crate::help::STRATEGIES)]
    Strategies(StrategiesArgs),
    /// Detect a file's schema and kind of data offline; suggest strategies.
    #[command(after_help = crate::help::INSPECT)]
    Inspect(InspectArgs),
    /// Unit-root / stationarity test on one column (statsmodels' adfuller or kpss).
    #[command(after_help = "Examples:
  stratos stationarity examples/data/ohlcv_daily.csv --field close
  stratos stationarity examples/data/ohlcv_daily.csv --field close --test kpss --regression ct --format json
  stratos stationarity examples/data/ohlcv_daily.csv --field close --autolag none --maxlag 4

Fields (statsmodels' names): statistic, pvalue, usedlag (ADF) or lags (KPSS), nobs, the critical
values, icbest (ADF with autolag). Missing values inside the series are interpolated linearly;
leading and trailing ones are dropped (both reported).")]
    Stationarity(StationarityArgs),
    /// Internal: read a PDF from stdin, print its frame as JSON (see `cmd::pdf_child`).
    #[command(name = "__extract-pdf", hide = true)]
    ExtractPdf(crate::cmd::pdf_child::ExtractPdfArgs),
    /// Backtest a strategy over OHLC(V) bars: statistics, trades, equity; sweeps, walk-forward,
    /// rolling-origin evaluation of forecasts; an SVG chart.
    #[command(after_help = crate::help::BACKTEST)]
    Backtest(BacktestArgs),
    /// Run an anomaly detector over a labelled corpus (NAB layout) and score it with NAB's rules.
    #[command(
        after_help = crate::help::EVALUATE
    )]
    Evaluate(EvaluateArgs),
    /// SQL over CSV, Parquet, NDJSON and Arrow files (DataFusion), Stratos functions included.
    #[cfg(feature = "sql")]
    #[command(after_help = crate::cmd::sql::HELP)]
    Sql(crate::cmd::sql::SqlArgs),
}

/// Output formats of `evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EvaluateFormat {
    /// One row per profile.
    Table,
    /// The full report, with per-file scores.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct EvaluateArgs {
    /// The corpus folder (with `data/` and `labels/`).
    pub(crate) corpus: PathBuf,
    /// The detector's strategy (only `anomaly_detection` produces anomaly scores).
    #[arg(long, default_value = "anomaly_detection")]
    pub(crate) strategy: String,
    /// The detector's config: inline JSON or @FILE.
    #[arg(long)]
    pub(crate) config: Option<String>,
    /// Labels file (default: <corpus>/labels/combined_windows.json).
    #[arg(long)]
    pub(crate) labels: Option<PathBuf>,
    /// Also write NAB's results layout under this folder.
    #[arg(long)]
    pub(crate) results_dir: Option<PathBuf>,
    /// Score existing results instead of running a detector: read NAB's results layout
    /// (`<dir>/<detector>/<category>/<detector>_<file>.csv`, column `anomaly_score`) from here.
    #[arg(long, conflicts_with_all = ["config", "results_dir"])]
    pub(crate) scores: Option<PathBuf>,
    /// Detector name used in the results layout.
    #[arg(long, default_value = "stratos")]
    pub(crate) detector: String,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = EvaluateFormat::Table)]
    pub(crate) format: EvaluateFormat,
    /// Also cross-validate: `category` holds out each category (data/<category>/) in turn,
    /// chooses the threshold (and, when --config is a JSON list, the config) on the others and
    /// scores the held-out files.
    #[arg(long, value_enum)]
    pub(crate) cv: Option<EvaluateCv>,
}

/// Cross-validation schemes of `evaluate --cv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EvaluateCv {
    /// Leave one category out.
    Category,
}

/// Output formats of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RunFormat {
    Table,
    Json,
    Ndjson,
    Csv,
    /// statsmodels' results.summary() table (arima_prediction).
    Summary,
    /// The CSV rows as a typed Parquet file (needs --output).
    Parquet,
    /// The CSV rows as a typed Arrow IPC file (Feather v2; needs --output).
    Arrow,
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
    /// The largest table of a PDF (extracted in a child process).
    Pdf,
    /// An Apache Parquet file.
    Parquet,
    /// An Apache Arrow IPC file or stream (Feather v2).
    #[value(alias = "feather", alias = "ipc")]
    Arrow,
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
    /// More input files (a quoted glob such as 'data/*.csv' is expanded too): the strategy
    /// runs on each file, and every result is tagged `source` with the file's path.
    #[arg(value_name = "MORE")]
    pub(crate) more_inputs: Vec<PathBuf>,
    /// Strategy config: inline JSON, key=value,key=value, or @FILE to read it from a file.
    #[arg(long, short)]
    pub(crate) config: Option<String>,
    /// Input field to analyse (sets the config's `data_field`).
    #[arg(long)]
    pub(crate) field: Option<String>,
    /// First row to analyse: a date or time (RFC 3339, `YYYY-MM-DD`), inclusive.
    #[arg(long, value_name = "DATE")]
    pub(crate) start: Option<String>,
    /// Last row to analyse: a date or time, inclusive (a bare date includes that whole day).
    #[arg(long, value_name = "DATE")]
    pub(crate) end: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = RunFormat::Table)]
    pub(crate) format: RunFormat,
    /// Write the output to FILE instead of stdout (`-`: stdout, refused for parquet and
    /// arrow on a terminal). Required by --format parquet and arrow.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Input format (default: from the file extension, else from the content).
    #[arg(long, value_enum)]
    pub(crate) input_format: Option<InputFormat>,
    /// Spreadsheet sheet to read: a name, or a 0-based index (default: the first sheet with
    /// data).
    #[arg(long, value_name = "NAME|INDEX")]
    pub(crate) sheet: Option<SheetSelector>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
    /// Rows shown by the table format (0: all).
    #[arg(long, default_value_t = 10)]
    pub(crate) rows: usize,
    /// The column naming each row's stream: the strategy runs once per stream, and every
    /// result is tagged with its stream (default: a `stream_id` or `stream` column, any case,
    /// when it holds two or more streams).
    #[arg(long, visible_alias = "group-by", value_name = "FIELD")]
    pub(crate) stream_field: Option<String>,
    /// Treat the whole input as one series even when it has a stream column.
    #[arg(long, conflicts_with = "stream_field")]
    pub(crate) no_streams: bool,
    #[command(flatten)]
    pub(crate) read: ReadArgs,
}

/// How to read text input (CSV/TSV dialect, dates, missing markers), shared by commands.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct ReadArgs {
    /// CSV field delimiter: one character, or `tab` (default: sniffed among , tab ; |).
    #[arg(long, value_name = "CHAR")]
    pub(crate) delimiter: Option<String>,
    /// Decimal mark of CSV numbers: `.` or `,` (default: `.`, or `,` when a `;`-delimited
    /// file's numbers need it).
    #[arg(long, value_name = "MARK")]
    pub(crate) decimal: Option<String>,
    /// Extra cell text read as missing, beside NA, N/A, null, … (repeat or comma-separate).
    #[arg(long, value_name = "TEXT", value_delimiter = ',')]
    pub(crate) na: Vec<String>,
    /// Lines to skip at the top of a CSV before its header.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) skip_rows: usize,
    /// Pattern of text dates, e.g. '%m/%d/%Y' or '%d.%m.%Y %H:%M' (default: day-first or
    /// month-first inferred from the whole column).
    #[arg(long, value_name = "PATTERN")]
    pub(crate) date_format: Option<String>,
}

impl ReadArgs {
    /// Applies the flags to `options`; a bad delimiter or decimal mark is a usage error.
    pub(crate) fn apply(
        &self,
        mut options: stratos_ingest::ReadOptions,
    ) -> Result<stratos_ingest::ReadOptions, crate::exit::CliError> {
        use crate::exit::CliError;
        if let Some(d) = &self.delimiter {
            let byte = match d.as_str() {
                "tab" | "\\t" | "\t" => b'\t',
                one if one.len() == 1 => one.as_bytes()[0],
                _ => {
                    return Err(CliError::Usage(format!(
                        "--delimiter `{d}`: expected one ASCII character or `tab`"
                    )));
                }
            };
            options = options.with_delimiter(byte);
        }
        match self.decimal.as_deref() {
            None => {}
            Some(".") => options = options.with_decimal(b'.'),
            Some(",") => options = options.with_decimal(b','),
            Some(other) => {
                return Err(CliError::Usage(format!(
                    "--decimal `{other}`: expected `.` or `,`"
                )));
            }
        }
        if let Some(p) = &self.date_format {
            stratos_ingest::DatePattern::new(p)
                .map_err(|e| CliError::Usage(format!("--date-format `{p}`: {e}")))?;
            options = options.with_date_format(p.clone());
        }
        Ok(options
            .with_missing_markers(self.na.iter().cloned())
            .with_skip_rows(self.skip_rows))
    }
}

#[derive(Debug, Args)]
pub(crate) struct StreamArgs {
    /// Input files, URLs or `-` for stdin (the default), read one after another; gzip, zstd,
    /// bzip2 and zip are unpacked whatever the name.
    #[arg(value_name = "INPUT")]
    pub(crate) inputs: Vec<String>,
    /// Strategy id; repeat for several strategies.
    #[arg(long, short, required = true)]
    pub(crate) strategy: Vec<String>,
    /// The field naming each record's stream (default: the first of stream_id, streamId,
    /// stream, sensor_id, sensorId, device_id, deviceId, symbol present).
    #[arg(long, value_name = "FIELD")]
    pub(crate) stream_field: Option<String>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
    #[command(flatten)]
    pub(crate) read: ReadArgs,
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
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
    /// Sample rows shown.
    #[arg(long, default_value_t = 5)]
    pub(crate) rows: usize,
    #[command(flatten)]
    pub(crate) read: ReadArgs,
}

/// `stationarity --test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StationarityTest {
    /// Augmented Dickey-Fuller (H0: unit root).
    Adf,
    /// Kwiatkowski-Phillips-Schmidt-Shin (H0: stationary).
    Kpss,
}

/// `stationarity --regression` (statsmodels' strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RegressionChoice {
    /// Constant.
    C,
    /// Constant and linear trend.
    Ct,
    /// Constant, linear and quadratic trend (ADF only).
    Ctt,
    /// No deterministic terms (ADF only).
    N,
}

/// `stationarity --autolag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AutolagChoice {
    /// Smallest AIC.
    Aic,
    /// Smallest BIC.
    Bic,
    /// From maxlag down, the first lag with |t| >= 1.645.
    #[value(name = "t-stat")]
    TStat,
    /// No search: the lag is --maxlag (default 12 (n/100)^(1/4)).
    None,
}

/// Output formats of `stationarity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StationarityFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct StationarityArgs {
    /// Input file, or `-` for stdin (the default).
    pub(crate) input: Option<PathBuf>,
    /// Column to test (default: the strategies' default value field, e.g. close).
    #[arg(long)]
    pub(crate) field: Option<String>,
    /// The test.
    #[arg(long, value_enum, default_value_t = StationarityTest::Adf)]
    pub(crate) test: StationarityTest,
    /// Deterministic terms (KPSS: c or ct).
    #[arg(long, value_enum, default_value_t = RegressionChoice::C)]
    pub(crate) regression: RegressionChoice,
    /// ADF lag selection (default aic).
    #[arg(long, value_enum)]
    pub(crate) autolag: Option<AutolagChoice>,
    /// ADF: the largest lag searched (or used, with --autolag none); KPSS: the lag.
    #[arg(long, value_name = "N")]
    pub(crate) maxlag: Option<usize>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = StationarityFormat::Table)]
    pub(crate) format: StationarityFormat,
    /// Input format (default: from the file extension, else from the content).
    #[arg(long, value_enum)]
    pub(crate) input_format: Option<InputFormat>,
    /// Spreadsheet sheet to read: a name, or a 0-based index.
    #[arg(long, value_name = "NAME|INDEX")]
    pub(crate) sheet: Option<SheetSelector>,
}

#[derive(Debug, Args)]
pub(crate) struct StrategiesArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ListFormat::Table)]
    pub(crate) format: ListFormat,
}

/// The read budgets of an input (`--max-memory`, `--max-cells`, `--max-line-bytes`): a
/// file that would break one is refused with exit code 65 before the allocation.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct LimitArgs {
    /// Most memory reading the input may hold, in bytes (suffixes K, M, G: powers of 1024);
    /// also caps decompressed bytes and a spreadsheet's shared strings [default: 8G].
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub(crate) max_memory: Option<u64>,
    /// Most cells (rows × columns, repeated spreadsheet cells included) in the input
    /// [default: 500000000].
    #[arg(long, value_name = "N")]
    pub(crate) max_cells: Option<u64>,
    /// Longest line (CSV record, NDJSON line, log line, spreadsheet XML token), in bytes
    /// (suffixes K, M, G) [default: 64M].
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub(crate) max_line_bytes: Option<u64>,
}

impl LimitArgs {
    /// The budgets: the defaults with the flags given.
    pub(crate) fn limits(&self) -> stratos_ingest::Limits {
        let mut l = stratos_ingest::Limits::default();
        if let Some(n) = self.max_memory {
            l = l.with_max_memory(n);
        }
        if let Some(n) = self.max_cells {
            l = l.with_max_cells(n);
        }
        if let Some(n) = self.max_line_bytes {
            l = l.with_max_line_bytes(n);
        }
        l
    }
}

/// A count of at least 1 (`--refit-every 0` is a usage error, not a silent 1).
/// A stop-loss or take-profit: `2%` or a price (the library's reading).
fn parse_bracket(s: &str) -> Result<stratos_eval::backtest::Bracket, String> {
    s.parse()
}

fn parse_positive(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{s}` is not a whole number of at least 1")),
    }
}

/// A byte count: digits with an optional K, M or G (powers of 1024; a trailing `B` or
/// `iB` is allowed).
fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let body = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (digits, shift) = match body.char_indices().last() {
        Some((i, 'K')) => (&body[..i], 10),
        Some((i, 'M')) => (&body[..i], 20),
        Some((i, 'G')) => (&body[..i], 30),
        Some((i, 'T')) => (&body[..i], 40),
        _ => (body, 0),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1u64 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{s}` is not a byte count (digits with K, M or G, above 0)"))
}
