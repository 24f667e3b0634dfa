//! `stratos stream [INPUT…|-]`: records from stdin, files or URLs (NDJSON or CSV, any
//! container), routed by (tenant, stream) through the library's [`Engine`], NDJSON events on
//! stdout, one line per event. Rows come from the library's pull readers ([`CsvRows`],
//! [`NdjsonRows`]); this file binds them to the engine and reports.
//!
//! Events are flushed whenever the reader is about to go back to its source for more bytes
//! (the next line is not whole in its buffer: [`NdjsonRows::next_line_buffered`]) and at the
//! end, not after every record: an event leaves before the process can wait for input (a live
//! feed sees each alert at once), while a burst of input costs one write per buffer of input
//! instead of one per record with events. The output is the same.
//!
//! Every input line lands in exactly one count of the summary: a record, a skipped line, a
//! blank line, or a header line (the CSV header and `--skip-rows` lines). A CSV quote left
//! open ends at its line's end. When no line at all could be read as a record, the run
//! exits 65.

use std::io::{self, BufRead, Write};
use std::time::Instant;

use stratos_core::engine::{
    Engine, EngineConfig, EngineError, FlushPolicy, Input, MissingPolicy, NdjsonSink, SinkError,
    TenantPolicies, TimePolicy, bind_schema,
};
use stratos_core::{Record, Registry, Strategy, Value};
use stratos_ingest::stream::{CsvRow, CsvRows, NdjsonRows, Pulled};
use stratos_ingest::{IngestError, ReadOptions};

use super::{apply_field, parse_config};
use crate::cli::{MissingChoice, OnError, StreamArgs, StreamFormat, TimeChoice};
use crate::exit::{CliError, write_err};
use crate::output;

/// Individual skipped-line reports printed before only counting.
const MAX_REPORTS: u64 = 100;
/// Streams listed by `--stats-every`.
const TOP_STREAMS: usize = 10;

type Out = NdjsonSink<io::BufWriter<io::StdoutLock<'static>>>;

/// Skipped and refused lines, for stderr reports and the summary.
#[derive(Debug)]
struct Reporter {
    on_error: OnError,
    skipped: u64,
    first_skipped: Option<u64>,
    reports: u64,
    stats_every: u64,
    lines: u64,
    started: Instant,
    /// Lines given to the engine and not refused as invalid.
    rows: u64,
    blank: u64,
    header: u64,
    /// The input being read, named in reports when it is not stdin.
    source: Option<String>,
}

impl Reporter {
    /// Reports a malformed line; under `--on-error fail` it ends the run.
    fn skip(&mut self, line: u64, message: String) -> Result<(), CliError> {
        if self.on_error == OnError::Fail {
            let message = match &self.source {
                Some(s) => format!("{s}: {message}"),
                None => message,
            };
            return Err(CliError::BadLine { line, message });
        }
        self.skipped += 1;
        self.first_skipped.get_or_insert(line);
        self.report(line, "skipped", &message);
        Ok(())
    }

    /// A bad line from a pull reader (its location has the line; the message follows).
    fn skip_bad(&mut self, line: u64, e: &IngestError) -> Result<(), CliError> {
        let text = e.to_string();
        let prefix = format!("line {line}: ");
        let message = text.strip_prefix(&prefix).unwrap_or(&text).to_owned();
        self.skip(line, message)
    }

    fn report(&mut self, line: u64, what: &str, message: &str) {
        self.reports += 1;
        if self.reports <= MAX_REPORTS {
            match &self.source {
                Some(s) => eprintln!("stratos: {s}: line {line}: {what}: {message}"),
                None => eprintln!("stratos: line {line}: {what}: {message}"),
            }
        } else if self.reports == MAX_REPORTS + 1 {
            eprintln!("stratos: further skipped or refused lines are counted but not shown");
        }
    }

    /// Sorts out the engine's answer for one line: refused records are reported, a failed sink
    /// ends the run.
    fn outcome<T>(&mut self, line: u64, r: Result<T, EngineError>) -> Result<(), CliError> {
        match r {
            Ok(_) => Ok(()),
            Err(EngineError::Sink(SinkError::Io(e))) => Err(write_err(e)),
            Err(EngineError::Config(e)) => Err(CliError::Config(e)),
            Err(e @ EngineError::Invalid { .. }) => {
                self.rows -= 1;
                self.skip(line, e.to_string())
            }
            // Limit refusals reach the tenant as `limit_exceeded` events and are counted in
            // the summary; the rest are reported here.
            Err(EngineError::LimitExceeded { .. }) => Ok(()),
            Err(e) => {
                self.report(line, "refused", &e.to_string());
                Ok(())
            }
        }
    }

    /// Prints `--stats-every` lines when due.
    #[inline]
    fn tick(&mut self, engine: Option<&Engine>) {
        self.lines += 1;
        if self.stats_every != 0
            && self.lines.is_multiple_of(self.stats_every)
            && let Some(engine) = engine
        {
            self.print_stats(engine);
        }
    }

    #[cold]
    fn print_stats(&self, engine: &Engine) {
        let secs = self.started.elapsed().as_secs_f64();
        let s = engine.stats();
        let mut top: Vec<_> = engine.streams().collect();
        top.sort_unstable_by(|a, b| b.records.cmp(&a.records).then(a.stream_id.cmp(b.stream_id)));
        let listed: Vec<String> = top
            .iter()
            .take(TOP_STREAMS)
            .map(|s| {
                if s.tenant.is_empty() {
                    format!("{} {}", s.stream_id, s.records)
                } else {
                    format!("{}/{} {}", s.tenant, s.stream_id, s.records)
                }
            })
            .collect();
        eprintln!(
            "stratos: stats: {} lines, {} records, {} events in {:.2}s ({:.0} records/s); {} streams; top: {}",
            self.lines,
            s.processed,
            s.events,
            secs,
            if secs > 0.0 {
                s.processed as f64 / secs
            } else {
                0.0
            },
            engine.live_streams(),
            listed.join(", ")
        );
    }
}

pub(crate) fn run(args: &StreamArgs, registry: &Registry) -> Result<(), CliError> {
    if args.config.len() > args.strategy.len() {
        return Err(CliError::Usage(format!(
            "{} --config given for {} --strategy: the n-th --config belongs to the n-th --strategy",
            args.config.len(),
            args.strategy.len()
        )));
    }
    let mut strategies = Vec::with_capacity(args.strategy.len());
    for (i, id) in args.strategy.iter().enumerate() {
        let config = apply_field(
            parse_config(args.config.get(i).map(String::as_str))?,
            args.field.as_deref(),
            true,
        )?;
        let strategy = registry.build(id, config)?;
        if registry.info(id).is_some_and(|info| !info.online) {
            return Err(CliError::Usage(format!(
                "strategy `{id}` has no online form; use `stratos run`"
            )));
        }
        // The library's cost warnings, as `run` prints them.
        for warning in strategy.cost_warnings() {
            eprintln!("warning: {id}: {warning}");
        }
        strategies.push(strategy);
    }
    let policies = match &args.tenants {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| CliError::Usage(format!("--tenants {}: {e}", path.display())))?;
            Some(TenantPolicies::from_json(&bytes)?)
        }
    };
    if policies.is_some() && args.tenant_field.is_none() {
        return Err(CliError::Usage(
            "--tenants needs --tenant-field NAME: the field naming each record's tenant".into(),
        ));
    }
    if args.max_streams == 0 {
        return Err(CliError::Usage("--max-streams: expected at least 1".into()));
    }
    let time = |c: TimeChoice| match c {
        TimeChoice::Accept => TimePolicy::Accept,
        TimeChoice::Drop => TimePolicy::Drop,
    };
    let settings = Settings {
        config: EngineConfig {
            max_streams: args.max_streams,
            idle_timeout_seconds: args.idle_timeout,
            late: time(args.late),
            duplicates: time(args.duplicates),
            missing: match args.missing {
                MissingChoice::Reject => MissingPolicy::Reject,
                MissingChoice::Accept => MissingPolicy::Accept,
            },
            // Flushed by the feed loops below, before the input may wait.
            flush: FlushPolicy::Caller,
            ..EngineConfig::default()
        },
        policies,
        tenant_field: args.tenant_field.clone(),
    };
    let mut reporter = Reporter {
        on_error: args.on_error,
        skipped: 0,
        first_skipped: None,
        reports: 0,
        stats_every: args.stats_every,
        lines: 0,
        started: Instant::now(),
        rows: 0,
        blank: 0,
        header: 0,
        source: None,
    };
    let mut options = args
        .read
        .apply(ReadOptions::default().with_limits(args.limits.limits()))?;
    if let Some(f) = &args.stream_field {
        options = options.with_stream_field(f.clone());
    }
    let stdin = ["-".to_owned()];
    let inputs = if args.inputs.is_empty() {
        &stdin[..]
    } else {
        &args.inputs[..]
    };
    let mut sink = NdjsonSink::new(output::stdout());
    let mut feed = Feed {
        strategies: Some(strategies),
        engine: None,
        settings: &settings,
        options: &options,
    };
    for input in inputs {
        reporter.source = (input != "-").then(|| input.clone());
        let mut reader = stratos_ingest::open_source(input, &options)
            .map_err(|e| CliError::Ingest(named(e, input)))?;
        let format = match args.input_format {
            Some(f) => f,
            None => sniff(&mut reader, input)?,
        };
        let done = match format {
            StreamFormat::Ndjson => feed.ndjson(reader, &mut reporter, &mut sink),
            StreamFormat::Csv => feed.csv(reader, &mut reporter, &mut sink),
        };
        done.map_err(|e| match e {
            CliError::Ingest(e) => CliError::Ingest(named(e, input)),
            other => other,
        })?;
    }
    sink.get_mut().flush().map_err(write_err)?;
    summary(feed.engine.as_ref(), &reporter);
    if reporter.rows == 0 && reporter.skipped > 0 {
        return Err(CliError::BadLine {
            line: reporter.first_skipped.unwrap_or(0),
            message: format!(
                "no line could be read as a record ({} skipped lines); the first is reported above",
                reporter.skipped
            ),
        });
    }
    Ok(())
}

/// Names the input in an error from a pull reader, unless it is stdin.
fn named(mut e: IngestError, input: &str) -> IngestError {
    if input != "-"
        && let Some(l) = location_mut(&mut e)
        && l.path.is_none()
    {
        l.path = Some(input.to_owned());
    }
    e
}

fn location_mut(e: &mut IngestError) -> Option<&mut stratos_ingest::Location> {
    match e {
        IngestError::Io { location, .. }
        | IngestError::Limit { location, .. }
        | IngestError::Decompress { location, .. }
        | IngestError::Json { location, .. }
        | IngestError::Cell { location, .. }
        | IngestError::Ragged { location, .. }
        | IngestError::Unsupported { location, .. }
        | IngestError::InvalidOptions { location, .. } => Some(location),
        _ => None,
    }
}

/// The final summary on stderr.
fn summary(engine: Option<&Engine>, reporter: &Reporter) {
    let first = reporter
        .first_skipped
        .map_or(String::new(), |l| format!(" (first at line {l})"));
    let lines = format!(
        "; {} lines: {} read as records, {} skipped, {} blank, {} header",
        reporter.rows + reporter.skipped + reporter.blank + reporter.header,
        reporter.rows,
        reporter.skipped,
        reporter.blank,
        reporter.header
    );
    let Some(engine) = engine else {
        eprintln!(
            "stratos: stream: 0 records, 0 events, {} skipped lines{first}{lines}",
            reporter.skipped
        );
        return;
    };
    let s = engine.stats();
    let mut tail = String::new();
    for (n, what) in [
        (s.late_dropped, "late dropped"),
        (s.duplicates_dropped, "duplicates dropped"),
        (s.limit_rejected, "refused by tenant limits"),
        (s.unknown_tenant, "of unknown tenants"),
        (s.stream_rejected, "refused at --max-streams"),
        (s.streams_evicted, "streams evicted"),
    ] {
        if n > 0 {
            tail.push_str(&format!(", {n} {what}"));
        }
    }
    eprintln!(
        "stratos: stream: {} records, {} events, {} skipped lines{first}{tail}; {} streams{lines}",
        s.processed,
        s.events,
        reporter.skipped,
        engine.live_streams()
    );
    for (tenant, t) in engine.tenant_stats() {
        if tenant.is_empty() {
            continue;
        }
        let mut refused = Vec::new();
        for (n, limit) in [
            (t.rejected_not_allowed, "allowed_strategies"),
            (t.rejected_streams, "max_concurrent_streams"),
            (t.rejected_rate, "rate_limit_per_minute"),
            (t.rejected_strategies, "max_strategies_per_hour"),
        ] {
            if n > 0 {
                refused.push(format!("{limit} {n}"));
            }
        }
        eprintln!(
            "stratos: tenant `{tenant}`: {} records, {} processed, {} events, {} refused{}",
            t.records,
            t.processed,
            t.events,
            t.rejected(),
            if refused.is_empty() {
                String::new()
            } else {
                format!(" ({})", refused.join(", "))
            }
        );
    }
}

/// Engine settings from the command line.
#[derive(Debug)]
struct Settings {
    config: EngineConfig,
    policies: Option<TenantPolicies>,
    tenant_field: Option<String>,
}

impl Settings {
    fn engine(
        &self,
        strategies: Vec<Box<dyn Strategy>>,
        schema: stratos_core::Schema,
    ) -> Result<Engine, CliError> {
        let engine = Engine::new(strategies, schema, self.config.clone()).map_err(|e| match e {
            EngineError::Config(c) => CliError::Config(c),
            other => CliError::Usage(other.to_string()),
        })?;
        Ok(match &self.policies {
            Some(p) => engine.with_policies(p.clone()),
            None => engine,
        })
    }
}

/// NDJSON when the first non-blank byte is `{` (or there is none in the first buffer), else
/// CSV. Nothing is consumed: the reader counts every line.
fn sniff(input: &mut dyn BufRead, name: &str) -> Result<StreamFormat, CliError> {
    let buf = input.fill_buf().map_err(|e| {
        CliError::Ingest(IngestError::Io {
            location: Box::new(stratos_ingest::Location::default().with_path(name)),
            source: e,
        })
    })?;
    let body = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
    Ok(match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | None => StreamFormat::Ndjson,
        Some(_) => StreamFormat::Csv,
    })
}

/// The schema for CSV-like input, where every column is offered both as a number and as a
/// category: the category fields the strategies read first, then the numeric fields among the
/// other columns.
fn bind_columns(
    strategies: &[Box<dyn Strategy>],
    offered: Vec<String>,
) -> Result<stratos_core::Schema, CliError> {
    let categories = bind_schema(strategies, offered.clone(), offered.clone())?.category_fields;
    let numeric = offered
        .into_iter()
        .filter(|f| !categories.contains(f))
        .collect();
    Ok(bind_schema(strategies, numeric, categories)?)
}

/// The tenant of an NDJSON record: its `metadata` or `payload` text field.
fn record_tenant<'r>(record: &'r Record, field: &str) -> Option<&'r str> {
    [&record.metadata, &record.payload]
        .into_iter()
        .find_map(|m| match m.get(field) {
            Some(Value::Text(s)) => Some(s.as_str()),
            _ => None,
        })
}

/// The engine, built on the first record (NDJSON) or header (CSV), fed input after input.
struct Feed<'a> {
    strategies: Option<Vec<Box<dyn Strategy>>>,
    engine: Option<Engine>,
    settings: &'a Settings,
    options: &'a ReadOptions,
}

impl Feed<'_> {
    fn ndjson(
        &mut self,
        input: Box<dyn BufRead>,
        reporter: &mut Reporter,
        sink: &mut Out,
    ) -> Result<(), CliError> {
        let mut rows = NdjsonRows::new(input, self.options)?;
        let mut record = Record::new("");
        let mut first = true;
        loop {
            // Each line is counted once it has been handled.
            if !std::mem::take(&mut first) {
                reporter.tick(self.engine.as_ref());
            }
            if !rows.next_line_buffered() {
                sink.get_mut().flush().map_err(write_err)?;
            }
            let pulled = rows.next_record(&mut record)?;
            let line = rows.line();
            match pulled {
                None => return Ok(()),
                Some(Pulled::Blank) => {
                    reporter.blank += 1;
                    continue;
                }
                Some(Pulled::Bad(e)) => {
                    reporter.skip_bad(line, &e)?;
                    continue;
                }
                Some(Pulled::Row) => {}
                Some(_) => continue,
            }
            let tenant = match &self.settings.tenant_field {
                None => "",
                Some(f) => match record_tenant(&record, f) {
                    Some(t) => t,
                    None => {
                        reporter.skip(
                            line,
                            format!(
                                "tenant field `{f}`: expected a text in `metadata` or `payload`"
                            ),
                        )?;
                        continue;
                    }
                },
            };
            let engine = match (&mut self.engine, self.strategies.take()) {
                (Some(e), _) => e,
                (None, Some(strategies)) => {
                    let numeric = record
                        .payload
                        .iter()
                        .filter(|(_, v)| v.as_f64().is_some())
                        .map(|(k, _)| k.clone())
                        .collect();
                    let text = record
                        .payload
                        .iter()
                        .filter(|(_, v)| matches!(v, Value::Text(_)))
                        .map(|(k, _)| k.clone())
                        .collect();
                    let schema = bind_schema(&strategies, numeric, text)?;
                    self.engine
                        .insert(self.settings.engine(strategies, schema)?)
                }
                (None, None) => return Ok(()),
            };
            reporter.rows += 1;
            let r = engine.process_record(tenant, &record, sink);
            reporter.outcome(line, r)?;
        }
    }

    fn csv(
        &mut self,
        input: Box<dyn BufRead>,
        reporter: &mut Reporter,
        sink: &mut Out,
    ) -> Result<(), CliError> {
        let mut rows = CsvRows::new(input, self.options)?;
        let (skipped, blank, header) = rows.lines_before_rows();
        reporter.header += skipped + header;
        reporter.blank += blank;
        reporter.lines += skipped + blank + header;
        let headers = rows.headers().to_vec();
        let (stream_col, time_col) = (rows.stream_column(), rows.time_column());
        let tenant_col = match &self.settings.tenant_field {
            None => None,
            Some(f) => Some(headers.iter().position(|h| h == f).ok_or_else(|| {
                CliError::Usage(format!(
                    "--tenant-field `{f}`: no such CSV column (columns: {})",
                    headers.join(", ")
                ))
            })?),
        };
        let engine = match (&mut self.engine, self.strategies.take()) {
            (Some(e), _) => e,
            (None, Some(strategies)) => {
                let offered = headers
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| ![stream_col, time_col, tenant_col].contains(&Some(*i)))
                    .map(|(_, h)| h.clone())
                    .collect();
                let schema = bind_columns(&strategies, offered)?;
                self.engine
                    .insert(self.settings.engine(strategies, schema)?)
            }
            (None, None) => return Ok(()),
        };
        let schema = engine.schema().clone();
        let position = |f: &String| {
            headers.iter().position(|h| h == f).ok_or_else(|| {
                CliError::Usage(format!(
                    "field `{f}`: no such CSV column in this input (columns: {})",
                    headers.join(", ")
                ))
            })
        };
        let cols: Vec<usize> = schema
            .value_fields
            .iter()
            .map(position)
            .collect::<Result<_, _>>()?;
        let cat_cols: Vec<usize> = schema
            .category_fields
            .iter()
            .map(position)
            .collect::<Result<_, _>>()?;
        let mut values = vec![0.0; cols.len()];
        let mut row = CsvRow::default();
        let mut first = true;
        loop {
            if !std::mem::take(&mut first) {
                reporter.tick(Some(&*engine));
            }
            if !rows.next_line_buffered() {
                sink.get_mut().flush().map_err(write_err)?;
            }
            let pulled = rows.next_row(&mut row)?;
            match pulled {
                None => return Ok(()),
                Some(Pulled::Blank) => {
                    reporter.blank += 1;
                    continue;
                }
                Some(Pulled::Bad(e)) => {
                    reporter.skip_bad(row.line(), &e)?;
                    continue;
                }
                Some(Pulled::Row) => {}
                Some(_) => continue,
            }
            let line = row.line();
            let parsed = (|| {
                for (slot, &c) in values.iter_mut().zip(&cols) {
                    *slot = rows.number(&row, c)?;
                }
                let time = rows.time(&row)?;
                let tenant = match tenant_col {
                    Some(c) => rows.text(&row, c)?,
                    None => "",
                };
                // Checked once, and used as the stream id.
                let stream = match stream_col {
                    Some(c) => rows.text(&row, c)?,
                    None => stratos_ingest::stream::DEFAULT_STREAM,
                };
                // No allocation (not even the empty-capacity call) for the common row
                // without category columns.
                let mut categories = Vec::new();
                if !cat_cols.is_empty() {
                    categories.reserve_exact(cat_cols.len());
                    for &c in &cat_cols {
                        categories.push(rows.text(&row, c)?);
                    }
                }
                Ok::<_, IngestError>((time, tenant, stream, categories))
            })();
            let (time, tenant, stream, categories) = match parsed {
                Ok(p) => p,
                Err(e) => {
                    reporter.skip_bad(line, &e)?;
                    continue;
                }
            };
            let input = Input {
                tenant,
                stream_id: stream,
                timestamp: time,
                values: &values,
                categories: &categories,
            };
            reporter.rows += 1;
            let r = engine.process(input, sink);
            reporter.outcome(line, r)?;
        }
    }
}
