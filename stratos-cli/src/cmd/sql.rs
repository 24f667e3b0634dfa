//! `stratos sql`: a SQL query over CSV, Parquet, NDJSON and Arrow IPC files with DataFusion,
//! the Stratos functions registered (`stratos_sma`, `stratos_zscore`, `stratos_forecast`, …).
//!
//! The query runs on a multi-thread tokio runtime with one worker per core: DataFusion splits
//! scans, sorts and window partitions into `target_partitions` streams (one per core by
//! default) and runs them as tasks, so a current-thread runtime would serialise them. Results
//! are written batch by batch as they come (CSV, NDJSON, Parquet); the table and JSON array
//! formats gather the batches first.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::execution::options::{ArrowReadOptions, JsonReadOptions};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use stratos_ingest::{IngestError, Location};

use crate::exit::CliError;

/// `stratos sql --help`: examples and notes after the options.
pub(crate) const HELP: &str = "Tables: --table NAME=FILE, the format from the extension (.csv, .tsv, .parquet, .ndjson,
.jsonl, .json (one object per line, or one array of objects), .arrow, .ipc, .feather), or given:
--table NAME=FILE:csv|tsv|parquet|ndjson|json|arrow.
FILE may be a folder of files of one format (a partitioned data set).

Stratos functions (window functions take OVER (PARTITION BY stream ORDER BY time)):
  stratos_sma(value, n)  stratos_ema(value, n)  stratos_wma(value, n)
  stratos_zscore(value, window [, ddof])
  stratos_anomaly_score(value, '<anomaly_detection config JSON>')
  stratos_trend([ts,] value, '<trend_analysis config JSON>')
  stratos_forecast(ts, value, '<arima_prediction config JSON>')   aggregate: list of {step, forecast, lower, upper}
  stratos_quantile(value, q [, accuracy])                         aggregate: DDSketch quantile

Examples:
  stratos sql \"SELECT stream_id, timestamp, value, stratos_zscore(value, 5) OVER (PARTITION BY stream_id ORDER BY timestamp) AS z FROM s ORDER BY stream_id, timestamp LIMIT 8\" --table s=examples/data/sensor_stream.csv
  stratos sql \"SELECT stream_id, stratos_quantile(value, 0.95) AS p95, count(*) AS n FROM s GROUP BY stream_id ORDER BY stream_id\" --table s=examples/data/sensor_stream.csv --format json
  stratos sql \"SELECT unnest(stratos_forecast(CAST(date AS TIMESTAMP), close, '{\\\"p\\\":1,\\\"d\\\":1,\\\"q\\\":1,\\\"steps\\\":3}')) AS f FROM bars\" --table bars=examples/data/ohlcv_daily.csv
  stratos sql \"SELECT date, close, stratos_ema(close, 10) OVER (ORDER BY date) AS ema FROM bars\" --table bars=examples/data/ohlcv_daily.csv --format csv
  stratos sql \"SELECT stream_id, max(payload['temperature']) AS peak FROM s GROUP BY stream_id ORDER BY stream_id\" --table s=examples/data/sensor_stream.ndjson
  stratos sql \"SELECT stream_id, stratos_sma(value, 3) OVER (PARTITION BY stream_id ORDER BY timestamp) FROM s WHERE value > 80\" --table s=examples/data/sensor_stream.csv --explain

Output: --format table (default), csv, json (one array), ndjson; parquet and arrow (IPC file)
need --output FILE.
--explain prints the logical and physical plans instead of running the query.
Exit codes: 2 for SQL that does not parse or plan (DataFusion's message), 66 for a missing
table file, 65 for data DataFusion cannot read.";

/// Output formats of `sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SqlFormat {
    /// An aligned text table.
    Table,
    /// CSV with a header.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A Parquet file (with --output).
    Parquet,
    /// An Arrow IPC file (with --output).
    Arrow,
}

/// `stratos sql` arguments.
#[derive(Debug, Args)]
pub(crate) struct SqlArgs {
    /// The SQL query.
    pub(crate) query: String,
    /// A table: NAME=FILE, or NAME=FILE:FORMAT (csv, tsv, parquet, ndjson, arrow). Repeatable.
    #[arg(long = "table", short = 't', value_name = "NAME=FILE[:FORMAT]")]
    pub(crate) tables: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = SqlFormat::Table)]
    pub(crate) format: SqlFormat,
    /// Write the result to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Print the query plan (logical and physical) instead of running it.
    #[arg(long)]
    pub(crate) explain: bool,
    /// Parallel partitions per operator (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub(crate) partitions: Option<usize>,
}

/// Table file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableFormat {
    Csv,
    Tsv,
    Parquet,
    Ndjson,
    Arrow,
}

impl TableFormat {
    fn from_name(name: &str) -> Option<TableFormat> {
        Some(match name.to_ascii_lowercase().as_str() {
            "csv" => TableFormat::Csv,
            "tsv" | "tab" => TableFormat::Tsv,
            "parquet" | "pq" => TableFormat::Parquet,
            "ndjson" | "jsonl" | "json" => TableFormat::Ndjson,
            "arrow" | "ipc" | "feather" | "arrows" => TableFormat::Arrow,
            _ => return None,
        })
    }
}

/// One `--table` argument, read.
#[derive(Debug)]
struct TableArg {
    name: String,
    path: PathBuf,
    format: TableFormat,
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

fn parse_table(arg: &str) -> Result<TableArg, CliError> {
    let Some((name, rest)) = arg.split_once('=') else {
        return Err(usage(format!(
            "--table `{arg}`: expected NAME=FILE or NAME=FILE:FORMAT"
        )));
    };
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(usage(format!(
            "--table `{arg}`: the name must be letters, digits and `_`"
        )));
    }
    // `FILE:FORMAT` only when the suffix is a format name (paths may hold colons).
    let (file, given) = match rest.rsplit_once(':') {
        Some((file, f)) if TableFormat::from_name(f).is_some() => (file, TableFormat::from_name(f)),
        _ => (rest, None),
    };
    let path = PathBuf::from(file);
    let format = match given {
        Some(f) => f,
        None => format_of(&path).ok_or_else(|| {
            usage(format!(
                "--table `{arg}`: cannot tell the format from the extension; add :csv, :tsv, \
                 :parquet, :ndjson or :arrow"
            ))
        })?,
    };
    Ok(TableArg {
        name: name.to_owned(),
        path,
        format,
    })
}

/// The format of a file from its extension, or of a folder from its first file's.
fn format_of(path: &Path) -> Option<TableFormat> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        return entries.iter().find_map(|p| format_of(p));
    }
    TableFormat::from_name(path.extension()?.to_str()?)
}

/// The extension DataFusion should list: the file's own (DataFusion skips other files).
fn extension_of(path: &Path) -> String {
    if path.is_dir() {
        return String::new();
    }
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| format!(".{e}"))
        .unwrap_or_default()
}

/// Whether a JSON file holds one array (`[{…}, …]`) rather than one object per line.
fn starts_with_bracket(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 512];
    let Ok(mut f) = File::open(path) else {
        return false;
    };
    let n = f.read(&mut head).unwrap_or(0);
    head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
        .is_some_and(|&b| b == b'[')
}

fn missing(path: &Path) -> CliError {
    CliError::Ingest(IngestError::Io {
        location: Box::new(Location::default().with_path(path.display().to_string())),
        source: io::Error::new(io::ErrorKind::NotFound, "no such file or directory"),
    })
}

/// A DataFusion error as a CLI error: SQL, planning and schema errors are usage errors (2),
/// a missing file is 66, unreadable data 65, anything else 1. The message is DataFusion's,
/// of the innermost error (the wrapping names only the optimizer pass), on one line.
fn df_error(e: DataFusionError) -> CliError {
    let root = e.find_root();
    let message = root
        .to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match root {
        DataFusionError::SQL(..)
        | DataFusionError::Plan(_)
        | DataFusionError::SchemaError(..)
        | DataFusionError::NotImplemented(_)
        | DataFusionError::Configuration(_) => CliError::Usage(message),
        DataFusionError::IoError(io) if io.kind() == io::ErrorKind::NotFound => {
            CliError::Ingest(IngestError::Io {
                location: Box::new(Location::default().with_path("sql")),
                source: io::Error::new(io.kind(), message),
            })
        }
        DataFusionError::ArrowError(..)
        | DataFusionError::ParquetError(_)
        | DataFusionError::Execution(_)
        | DataFusionError::IoError(_)
        | DataFusionError::External(_) => CliError::Ingest(IngestError::Csv {
            location: Box::new(Location::default().with_path("sql")),
            source: Box::new(io::Error::other(message)),
        }),
        _ => CliError::Io {
            context: "sql",
            source: io::Error::other(message),
        },
    }
}

/// An Arrow error while writing: a closed pipe stays an I/O error (a quiet exit), anything
/// else is reported as DataFusion's.
fn arrow_error(e: datafusion::arrow::error::ArrowError) -> CliError {
    match e {
        datafusion::arrow::error::ArrowError::IoError(_, source) => CliError::Io {
            context: "writing the result",
            source,
        },
        other => df_error(other.into()),
    }
}

/// A Parquet error while writing.
fn parquet_error(e: datafusion::parquet::errors::ParquetError) -> CliError {
    df_error(e.into())
}

async fn register(ctx: &SessionContext, t: &TableArg) -> Result<(), CliError> {
    if !t.path.exists() {
        return Err(missing(&t.path));
    }
    let path = t.path.to_str().ok_or_else(|| {
        usage(format!(
            "--table {}: the path is not UTF-8: {}",
            t.name,
            t.path.display()
        ))
    })?;
    let ext = extension_of(&t.path);
    let done = match t.format {
        TableFormat::Csv | TableFormat::Tsv => {
            let delimiter = if t.format == TableFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            let options = CsvReadOptions::new()
                .has_header(true)
                .delimiter(delimiter)
                .file_extension(&ext);
            ctx.register_csv(&t.name, path, options).await
        }
        TableFormat::Parquet => {
            let options = ParquetReadOptions {
                file_extension: &ext,
                ..ParquetReadOptions::default()
            };
            ctx.register_parquet(&t.name, path, options).await
        }
        TableFormat::Ndjson => {
            let options = JsonReadOptions {
                file_extension: &ext,
                newline_delimited: !starts_with_bracket(&t.path),
                ..JsonReadOptions::default()
            };
            ctx.register_json(&t.name, path, options).await
        }
        TableFormat::Arrow => {
            let options = ArrowReadOptions {
                file_extension: &ext,
                ..ArrowReadOptions::default()
            };
            ctx.register_arrow(&t.name, path, options).await
        }
    };
    done.map_err(|e| match df_error(e) {
        // A file that exists but cannot be read as its format is bad data.
        CliError::Usage(m) => CliError::Ingest(IngestError::Unsupported {
            location: Box::new(Location::default().with_path(t.path.display().to_string())),
            what: m,
        }),
        other => other,
    })
}

/// Runs `stratos sql`.
pub(crate) fn run(args: &SqlArgs) -> Result<(), CliError> {
    let tables = args
        .tables
        .iter()
        .map(|t| parse_table(t))
        .collect::<Result<Vec<_>, _>>()?;
    if matches!(args.format, SqlFormat::Parquet | SqlFormat::Arrow)
        && args.output.is_none()
        && !args.explain
    {
        return Err(usage(
            "--format parquet and --format arrow write a file: add --output FILE",
        ));
    }
    if args.partitions == Some(0) {
        return Err(usage("--partitions must be at least 1"));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the query runtime"))?;
    runtime.block_on(query(args, &tables))
}

async fn query(args: &SqlArgs, tables: &[TableArg]) -> Result<(), CliError> {
    let mut config = SessionConfig::new();
    if let Some(n) = args.partitions {
        config = config.with_target_partitions(n);
    }
    let ctx = SessionContext::new_with_config(config);
    stratos_datafusion::register_all(&ctx).map_err(df_error)?;
    for t in tables {
        register(&ctx, t).await?;
    }
    let df = ctx.sql(&args.query).await.map_err(df_error)?;
    let sink: Box<dyn Write + Send> = match &args.output {
        Some(p) => Box::new(
            File::create(p)
                .map_err(|e| CliError::Usage(format!("--output {}: {e}", p.display())))?,
        ),
        None => Box::new(io::stdout()),
    };
    let mut out = BufWriter::new(sink);
    if args.explain {
        let plan = df.explain(false, false).map_err(df_error)?;
        let batches = plan.collect().await.map_err(df_error)?;
        write_explain(&mut out, &batches)?;
        return out.flush().map_err(CliError::io("writing the plan"));
    }
    let schema = df.schema().inner().clone();
    match args.format {
        SqlFormat::Table | SqlFormat::Json => {
            let batches = df.collect().await.map_err(df_error)?;
            if args.format == SqlFormat::Table {
                let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
                    .map_err(arrow_error)?;
                writeln!(out, "{text}").map_err(CliError::io("writing the result"))?;
            } else {
                let mut w = datafusion::arrow::json::ArrayWriter::new(&mut out);
                for b in &batches {
                    w.write(b).map_err(arrow_error)?;
                }
                w.finish().map_err(arrow_error)?;
                drop(w);
                if batches.iter().all(|b| b.num_rows() == 0) {
                    out.write_all(b"[]")
                        .map_err(CliError::io("writing the result"))?;
                }
                out.write_all(b"\n")
                    .map_err(CliError::io("writing the result"))?;
            }
        }
        SqlFormat::Csv => {
            let mut stream = df.execute_stream().await.map_err(df_error)?;
            let mut w = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            let mut wrote = false;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(df_error)?;
                w.write(&batch).map_err(arrow_error)?;
                wrote = true;
            }
            if !wrote {
                w.write(&RecordBatch::new_empty(schema))
                    .map_err(arrow_error)?;
            }
        }
        SqlFormat::Ndjson => {
            let mut stream = df.execute_stream().await.map_err(df_error)?;
            let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut out);
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(df_error)?;
                w.write(&batch).map_err(arrow_error)?;
            }
            w.finish().map_err(arrow_error)?;
        }
        SqlFormat::Parquet => {
            let mut stream = df.execute_stream().await.map_err(df_error)?;
            let mut w = ArrowWriter::try_new(&mut out, schema, None).map_err(parquet_error)?;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(df_error)?;
                w.write(&batch).map_err(parquet_error)?;
            }
            w.close().map_err(parquet_error)?;
        }
        SqlFormat::Arrow => {
            let mut stream = df.execute_stream().await.map_err(df_error)?;
            let mut w = datafusion::arrow::ipc::writer::FileWriter::try_new(&mut out, &schema)
                .map_err(arrow_error)?;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(df_error)?;
                w.write(&batch).map_err(arrow_error)?;
            }
            w.finish().map_err(arrow_error)?;
        }
    }
    out.flush().map_err(CliError::io("writing the result"))
}

/// The plan rows (`plan_type`, `plan`) as text: each plan under its type.
fn write_explain<W: Write>(out: &mut W, batches: &[RecordBatch]) -> Result<(), CliError> {
    use datafusion::arrow::array::{Array, AsArray};
    for b in batches {
        let (Some(kind), Some(plan)) = (b.column_by_name("plan_type"), b.column_by_name("plan"))
        else {
            continue;
        };
        let (Some(kind), Some(plan)) = (kind.as_string_opt::<i32>(), plan.as_string_opt::<i32>())
        else {
            continue;
        };
        for i in 0..b.num_rows() {
            if kind.is_null(i) || plan.is_null(i) {
                continue;
            }
            writeln!(out, "{}:\n{}\n", kind.value(i), plan.value(i))
                .map_err(CliError::io("writing the plan"))?;
        }
    }
    Ok(())
}
