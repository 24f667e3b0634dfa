//! `stratos run STRATEGY [INPUT|-]`: one batch run over a file or stdin.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use stratos_core::{Frame, FrameGroup, Registry, ReportError, ResultType, StrategyResult};
use stratos_ingest::arrow::Table as TypedTable;
use stratos_ingest::{Format, ReadOptions};
use stratos_strategies::anomaly::AnomalyReport;
use stratos_strategies::arima::ArimaReport;
use stratos_strategies::auto_analysis::{AnalysisOutcome, AutoAnalysisReport};

use super::{apply_field, parse_config};
use crate::cli::{InputFormat, RunArgs, RunFormat};
use crate::exit::{CliError, write_err};
use crate::output::rows::RowView;
use crate::output::table::{Table, write_pairs};
use crate::output::{self, float_cell};

pub(crate) fn input_options(format: Option<InputFormat>) -> ReadOptions {
    let options = ReadOptions::default();
    match format {
        Some(InputFormat::Csv) => options.with_format(Format::Csv),
        Some(InputFormat::Tsv) => options.with_format(Format::Tsv),
        Some(InputFormat::Ndjson) => options.with_format(Format::Ndjson),
        Some(InputFormat::Json) => options.with_format(Format::Json),
        Some(InputFormat::Text) => options.with_format(Format::Text),
        Some(InputFormat::Xlsx) => options.with_format(Format::Spreadsheet),
        Some(InputFormat::Pdf) => options.with_format(Format::Pdf),
        Some(InputFormat::Parquet) => options.with_format(Format::Parquet),
        Some(InputFormat::Arrow) => options.with_format(Format::Arrow),
        None => options,
    }
}

/// Reads a path, or stdin for `-` / no path; PDFs in a child process.
pub(crate) fn read_input(input: Option<&Path>, options: ReadOptions) -> Result<Frame, CliError> {
    super::pdf_child::read_input(input, options)
}

pub(crate) fn run(args: &RunArgs, registry: &Registry) -> Result<(), CliError> {
    let config = apply_field(
        parse_config(args.config.as_deref())?,
        args.field.as_deref(),
        false,
    )?;
    let mut out = open_output(args)?;
    let strategy = registry.build(&args.strategy, config)?;
    for warning in strategy.cost_warnings() {
        eprintln!("warning: {}: {warning}", args.strategy);
    }
    let mut options = args
        .read
        .apply(input_options(args.input_format).with_limits(args.limits.limits()))?;
    if let Some(sheet) = &args.sheet {
        options = options.with_sheet(sheet.clone());
    }
    let period = stratos_eval::backtest::Period::parse(args.start.as_deref(), args.end.as_deref())?;
    // The library's input rules: the period cut, time order (one note), one series on request.
    let prepare = |frame: stratos_core::Frame| -> Result<stratos_core::Frame, CliError> {
        let frame = period.select(&frame)?;
        let (frame, note) = stratos_core::prepare::into_time_order(frame)
            .map_err(|e| CliError::Usage(format!("input: {e}")))?;
        if let Some(note) = note {
            eprintln!("stratos: note: {note}");
        }
        if args.no_streams {
            stratos_core::prepare::as_one_series(frame)
                .map_err(|e| CliError::Usage(format!("input: {e}")))
        } else {
            Ok(frame)
        }
    };
    let files = input_files(args)?;
    if files.len() > 1 {
        let mut runs = Vec::with_capacity(files.len());
        for path in &files {
            let name = path.display().to_string();
            let frame = prepare(read_input(Some(path), options.clone())?)?;
            match split_streams(args, &frame)? {
                None => match strategy.execute(&frame) {
                    Ok(result) => runs.push((name, frame, result)),
                    Err(e) => return Err(in_stream(name, CliError::Strategy(e))),
                },
                Some(groups) => {
                    for g in groups {
                        let tag = format!("{name}#{}", g.key.unwrap_or_default());
                        match strategy.execute(&g.frame) {
                            Ok(result) => runs.push((tag, g.frame, result)),
                            Err(e) => return Err(in_stream(tag, CliError::Strategy(e))),
                        }
                    }
                }
            }
        }
        write_streams(&mut out, args, &runs, SOURCE_TAG)?;
        return out.flush().map_err(write_err);
    }
    let frame = prepare(read_input(files.first().map(PathBuf::as_path), options)?)?;
    match split_streams(args, &frame)? {
        None => {
            let result = strategy.execute(&frame)?;
            write_one(&mut out, args, &frame, &result)?;
        }
        Some(groups) => {
            let mut runs = Vec::with_capacity(groups.len());
            for g in groups {
                let stream = g.key.unwrap_or_default();
                match strategy.execute(&g.frame) {
                    Ok(result) => runs.push((stream, g.frame, result)),
                    Err(e) => return Err(in_stream(stream, CliError::Strategy(e))),
                }
            }
            write_streams(&mut out, args, &runs, STREAM_TAG)?;
        }
    }
    out.flush().map_err(write_err)
}

/// Where `run` writes: `--output FILE`, else stdout. The binary formats need `--output`
/// and refuse a terminal (`--output -` on one).
fn open_output(args: &RunArgs) -> Result<Box<dyn Write>, CliError> {
    let binary = match args.format {
        RunFormat::Parquet => Some("parquet"),
        RunFormat::Arrow => Some("arrow"),
        _ => None,
    };
    match (&args.output, binary) {
        (None, Some(f)) => Err(CliError::Usage(format!(
            "--format {f} writes a binary file: name it with --output FILE"
        ))),
        (Some(p), Some(f)) if p.as_os_str() == "-" && std::io::stdout().is_terminal() => {
            Err(CliError::Usage(format!(
                "--format {f} writes binary data, not for a terminal: redirect stdout or give \
                 --output FILE"
            )))
        }
        (Some(p), _) if p.as_os_str() != "-" => Ok(Box::new(OutputFile {
            path: p.clone(),
            file: None,
        })),
        _ => Ok(Box::new(output::stdout())),
    }
}

/// `--output FILE`, created at the first write or flush: a run that fails before writing
/// leaves an existing file as it was.
struct OutputFile {
    path: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl OutputFile {
    fn file(&mut self) -> std::io::Result<&mut std::io::BufWriter<std::fs::File>> {
        if self.file.is_none() {
            let file = std::fs::File::create(&self.path).map_err(|e| {
                std::io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))
            })?;
            self.file = Some(std::io::BufWriter::with_capacity(64 * 1024, file));
        }
        self.file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("output file not open"))
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file()?.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file()?.flush()
    }
}

/// Writes a typed table as `--format parquet` or `arrow` (built in memory, then copied out).
fn write_binary<W: Write>(
    out: &mut W,
    format: RunFormat,
    table: &TypedTable,
) -> Result<(), CliError> {
    let mut bytes = Vec::new();
    let written = match format {
        RunFormat::Arrow => table.write_ipc(&mut bytes),
        _ => table.write_parquet(&mut bytes),
    };
    written.map_err(|e| write_err(std::io::Error::other(e)))?;
    out.write_all(&bytes).map_err(write_err)
}

/// The name every result and row of a multi-stream run is tagged with.
const STREAM_TAG: &str = "stream_id";

/// The name every result and row of a multi-file run is tagged with: the file's path, and
/// `PATH#STREAM` for each stream of a file holding several.
const SOURCE_TAG: &str = "source";

/// The input files: `input` then `more_inputs`, each pattern with `*`, `?` or `[` that names
/// no file expanded as a glob (sorted); URLs (`http://`, `https://`) as given, since their
/// `?` starts a query. Empty for stdin.
fn input_files(args: &RunArgs) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for p in args.input.iter().chain(&args.more_inputs) {
        let text = p.to_string_lossy();
        let url = text.starts_with("http://") || text.starts_with("https://");
        if url || p.exists() || !text.contains(['*', '?', '[']) {
            files.push(p.clone());
            continue;
        }
        let matches = glob::glob(&text)
            .map_err(|e| CliError::Usage(format!("input pattern `{text}`: {e}")))?;
        let before = files.len();
        files.extend(matches.filter_map(Result::ok).filter(|m| m.is_file()));
        if files.len() == before {
            return Err(CliError::Ingest(stratos_ingest::IngestError::Io {
                location: Box::new(stratos_ingest::Location::default().with_path(text)),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the pattern matches no file",
                ),
            }));
        }
    }
    if files.len() > 1 && files.iter().any(|f| f.as_os_str() == "-") {
        return Err(CliError::Usage(
            "`-` (stdin) cannot be one of several inputs of `run`".to_owned(),
        ));
    }
    Ok(files)
}

fn in_stream(stream: String, source: CliError) -> CliError {
    CliError::InStream {
        stream,
        source: Box::new(source),
    }
}

/// The input's streams, or `None` to run it as one series: with `--no-streams`, without a
/// stream column, or when a stream column found by name (not by `--stream-field`) holds a
/// single stream, so single-stream output is what it always was.
fn split_streams(args: &RunArgs, frame: &Frame) -> Result<Option<Vec<FrameGroup>>, CliError> {
    if args.no_streams {
        return Ok(None);
    }
    stratos_core::prepare::stream_groups(frame, args.stream_field.as_deref())
        .map_err(|e| CliError::Usage(format!("--stream-field: {e}")))
}

/// One result, as `run` has always printed it.
fn write_one<W: Write>(
    out: &mut W,
    args: &RunArgs,
    frame: &Frame,
    result: &StrategyResult,
) -> Result<(), CliError> {
    let view = RowView::new(frame, result);
    match args.format {
        RunFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, result).map_err(write_err)?;
            writeln!(out).map_err(write_err)
        }
        RunFormat::Ndjson => view.write_ndjson(out),
        RunFormat::Csv => view.write_csv(out),
        RunFormat::Table => write_table(out, args, frame, result, &view, None).map_err(write_err),
        RunFormat::Summary => write_summary(out, result),
        RunFormat::Parquet | RunFormat::Arrow => {
            let table = view.table().map_err(|e| CliError::Usage(e.to_string()))?;
            write_binary(out, args.format, &table)
        }
    }
}

/// `--format summary`: statsmodels' `results.summary()` table from the result's `summary`
/// (the ARIMA strategy's OPG standard errors and residual diagnostics).
fn write_summary<W: Write>(out: &mut W, result: &StrategyResult) -> Result<(), CliError> {
    let none = || {
        CliError::Usage(format!(
            "--format summary: `{}` has no model summary (it is for arima_prediction)",
            result.strategy_id
        ))
    };
    let report = match result.report::<ArimaReport>() {
        Ok(report) => report,
        Err(ReportError::OtherStrategy { .. }) => return Err(none()),
        Err(e) => return Err(CliError::Usage(format!("--format summary: {e}"))),
    };
    let summary = report.summary.ok_or_else(none)?;
    writeln!(out, "{summary}").map_err(write_err)
}

/// One result per stream, in order of first appearance, each tagged with its stream.
fn write_streams<W: Write>(
    out: &mut W,
    args: &RunArgs,
    runs: &[(String, Frame, StrategyResult)],
    tag: &str,
) -> Result<(), CliError> {
    match args.format {
        RunFormat::Json => {
            let all = runs
                .iter()
                .map(|(stream, frame, result)| {
                    Ok(serde_json::json!({
                        tag: stream,
                        "rows": frame.len(),
                        "result": serde_json::to_value(result)?,
                    }))
                })
                .collect::<Result<Vec<_>, serde_json::Error>>()
                .map_err(write_err)?;
            serde_json::to_writer_pretty(&mut *out, &all).map_err(write_err)?;
            writeln!(out).map_err(write_err)
        }
        RunFormat::Ndjson => runs.iter().try_for_each(|(stream, frame, result)| {
            RowView::new(frame, result)
                .with_tag(tag, stream)
                .write_ndjson(out)
        }),
        RunFormat::Csv => {
            let mut first: Option<(&str, Vec<String>)> = None;
            for (i, (stream, frame, result)) in runs.iter().enumerate() {
                let view = RowView::new(frame, result).with_tag(tag, stream);
                let headers = view.headers();
                match &first {
                    None => first = Some((stream, headers)),
                    Some((s, h)) if *h != headers => {
                        return Err(in_stream(
                            stream.clone(),
                            CliError::Usage(format!(
                                "output columns {} differ from stream `{s}`'s {}; \
                                 use --format json or ndjson, or --no-streams",
                                headers.join(","),
                                h.join(",")
                            )),
                        ));
                    }
                    Some(_) => {}
                }
                view.write_csv_rows(out, i == 0)?;
            }
            Ok(())
        }
        RunFormat::Parquet | RunFormat::Arrow => {
            let mut all = TypedTable::new();
            let mut first: Option<&str> = None;
            for (stream, frame, result) in runs {
                let table = RowView::new(frame, result)
                    .with_tag(tag, stream)
                    .table()
                    .map_err(|e| in_stream(stream.clone(), CliError::Usage(e.to_string())))?;
                all.append(table).map_err(|e| {
                    in_stream(
                        stream.clone(),
                        CliError::Usage(format!(
                            "{e} (stream `{}`); use --format json or ndjson, or --no-streams",
                            first.unwrap_or_default()
                        )),
                    )
                })?;
                first.get_or_insert(stream);
            }
            write_binary(out, args.format, &all)
        }
        RunFormat::Summary => {
            for (i, (stream, _, result)) in runs.iter().enumerate() {
                if i > 0 {
                    writeln!(out).map_err(write_err)?;
                }
                writeln!(out, "{STREAM_TAG}: {stream}").map_err(write_err)?;
                write_summary(out, result)?;
            }
            Ok(())
        }
        RunFormat::Table => {
            for (i, (stream, frame, result)) in runs.iter().enumerate() {
                if i > 0 {
                    writeln!(out).map_err(write_err)?;
                }
                let view = RowView::new(frame, result);
                write_table(out, args, frame, result, &view, Some(stream)).map_err(write_err)?;
            }
            Ok(())
        }
    }
}

fn write_table<W: Write>(
    out: &mut W,
    args: &RunArgs,
    frame: &Frame,
    result: &StrategyResult,
    view: &RowView<'_>,
    stream: Option<&str>,
) -> std::io::Result<()> {
    let source = args
        .input
        .as_deref()
        .filter(|p| p.as_os_str() != "-")
        .map_or("<stdin>".into(), |p| p.display().to_string());
    let field = result.outputs.field.as_deref().unwrap_or("-");
    // The typed reports the table reads (`None` for any other strategy); declared before the
    // pairs, which borrow from them.
    let arima = result.report::<ArimaReport>().ok();
    let analysis = result.report::<AutoAnalysisReport>().ok();
    let mut pairs = vec![(
        "strategy",
        format!("{} ({})", result.strategy_id, result.kind),
    )];
    if let Some(stream) = stream {
        let shown = if stream.is_empty() { "\"\"" } else { stream };
        pairs.push(("stream", shown.to_owned()));
    }
    pairs.extend([(
        "input",
        format!("{source}: {} rows, field `{field}`", frame.len()),
    )]);
    if let Some(s) = &result.signal {
        pairs.push((
            "signal",
            format!(
                "{} (strength {}): {}",
                s.action,
                round(s.strength),
                s.reason
            ),
        ));
    }
    if let Some(a) = &arima {
        let m = a.model_params;
        let how = if a.order_search.is_some() {
            " (chosen by the order search)"
        } else {
            ""
        };
        pairs.push(("model", format!("ARIMA({}, {}, {}){how}", m.p, m.d, m.q)));
    }
    pairs.push(("confidence", round(result.confidence)));
    if let Some(report) = &analysis {
        analysis_pairs(report, &mut pairs);
    }
    let metrics: Vec<String> = result
        .metrics
        .iter()
        .map(|(k, v)| format!("{k} {}", round(*v)))
        .collect();
    pairs.push(("metrics", metrics.join(", ")));
    write_pairs(out, &pairs)?;

    if result.kind == ResultType::Prediction
        && let Some(a) = &arima
    {
        writeln!(out, "\nforecast")?;
        return forecast_table(a).write(out);
    }
    let n = view.len();
    let (rows, what): (Vec<usize>, String) = if result.kind == ResultType::Anomaly {
        let flagged: Vec<usize> = match result.outputs.get("is_anomaly") {
            Some(stratos_core::OutputValues::Flag(f)) => f
                .iter()
                .enumerate()
                .filter(|(_, b)| **b)
                .map(|(i, _)| i)
                .collect(),
            _ => Vec::new(),
        };
        let shown = if args.rows == 0 {
            flagged.len()
        } else {
            args.rows.min(flagged.len())
        };
        (
            flagged[..shown].to_vec(),
            format!("anomalous rows: {shown} of {} shown", flagged.len()),
        )
    } else {
        let shown = if args.rows == 0 { n } else { args.rows.min(n) };
        (
            (n - shown..n).collect(),
            format!("last {shown} of {n} rows"),
        )
    };
    if view.headers().is_empty() || n == 0 {
        return Ok(());
    }
    writeln!(out, "\n{what} (--rows N for more, --format csv for all)")?;
    let mut t = Table::new(view.headers());
    for i in rows {
        t.row(view.cells(i).into_iter().map(|c| shorten(&c)).collect());
    }
    t.write(out)
}

/// The forecast of a PREDICTION result (`predictions`, `confidenceInterval`, optional
/// `forecastTimestamps`) as a table.
/// `auto_analysis`: what was detected, and one line per strategy run: its result type and
/// confidence with its signal or anomaly count, or why it could not run.
fn analysis_pairs<'a>(report: &'a AutoAnalysisReport, pairs: &mut Vec<(&'a str, String)>) {
    pairs.push((
        "detected",
        format!(
            "{} (suggests {})",
            report.detected_type,
            if report.suggested_strategies.is_empty() {
                "nothing".to_owned()
            } else {
                report.suggested_strategies.join(", ")
            }
        ),
    ));
    for entry in &report.results {
        let line = match &entry.outcome {
            AnalysisOutcome::Failed(e) => format!("not run: {e}"),
            AnalysisOutcome::Ran(r) => {
                let mut line = format!("{}, confidence {}", r.kind, round(r.confidence));
                if let Some(signal) = &r.signal {
                    line.push_str(&format!(": {}", signal.reason));
                } else if let Ok(a) = r.report::<AnomalyReport>() {
                    line.push_str(&format!(": {} anomalies", a.anomalies.len()));
                } else if let Ok(a) = r.report::<ArimaReport>() {
                    line.push_str(&format!(": {} predictions", a.predictions.len()));
                }
                line
            }
        };
        pairs.push((&entry.strategy_id, line));
    }
}

/// The forecast of an ARIMA result (predictions, intervals, and the forecast times when the
/// input has a calendar) as a table.
fn forecast_table(a: &ArimaReport) -> Table {
    let ci = &a.confidence_interval;
    let level = format!(" {}%", round(ci.level * 100.0));
    let times = a.forecast_timestamps.as_deref();
    let mut headers = vec!["step".to_owned()];
    if times.is_some() {
        headers.push("timestamp".into());
    }
    headers.extend([
        "prediction".to_owned(),
        format!("lower{level}"),
        format!("upper{level}"),
    ]);
    // An undefined number (written as null) is an empty cell.
    let cell = |v: Option<&f64>| {
        v.copied()
            .filter(|x| x.is_finite())
            .map_or(String::new(), round)
    };
    let mut t = Table::new(headers);
    for (i, m) in a.predictions.iter().enumerate() {
        let mut row = vec![(i + 1).to_string()];
        if let Some(ts) = times {
            row.push(ts.get(i).map(ToString::to_string).unwrap_or_default());
        }
        row.push(cell(Some(m)));
        row.push(cell(ci.lower.get(i)));
        row.push(cell(ci.upper.get(i)));
        t.row(row);
    }
    t
}

fn round(v: f64) -> String {
    if v.is_nan() {
        return "-".into();
    }
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Floats in tables get at most 6 decimals.
fn shorten(cell: &str) -> String {
    match cell.parse::<f64>() {
        Ok(v) if cell.contains('.') && !cell.contains('T') => {
            let s = format!("{v:.6}");
            let t = s.trim_end_matches('0').trim_end_matches('.');
            if t.len() < cell.len() {
                t.to_owned()
            } else {
                float_cell(v)
            }
        }
        _ => cell.to_owned(),
    }
}
