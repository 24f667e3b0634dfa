//! `stratos stream`: records on stdin (NDJSON or CSV), routed by (tenant, `stream_id`) through
//! the library's [`Engine`], NDJSON events on stdout, one line per event, flushed as they
//! happen. This file only parses lines (with fast paths for CSV and NDJSON) and reports.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::time::Instant;

use stratos_core::engine::{
    Engine, EngineConfig, EngineError, Input, MissingPolicy, NdjsonSink, SinkError, TenantPolicies,
    TimePolicy, bind_schema,
};
use stratos_core::timestamp::TimestampParser;
use stratos_core::{Record, Registry, Strategy, Value};

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
}

impl Reporter {
    /// Reports a malformed line; under `--on-error fail` it ends the run.
    fn skip(&mut self, line: u64, message: String) -> Result<(), CliError> {
        if self.on_error == OnError::Fail {
            return Err(CliError::BadLine { line, message });
        }
        self.skipped += 1;
        self.first_skipped.get_or_insert(line);
        self.report(line, "skipped", &message);
        Ok(())
    }

    fn report(&mut self, line: u64, what: &str, message: &str) {
        self.reports += 1;
        if self.reports <= MAX_REPORTS {
            eprintln!("stratos: line {line}: {what}: {message}");
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
            Err(e @ EngineError::Invalid { .. }) => self.skip(line, e.to_string()),
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
        strategies.push(registry.build(id, config)?);
        if registry.info(id).is_some_and(|info| !info.online) {
            return Err(CliError::Usage(format!(
                "strategy `{id}` has no online form; use `stratos run`"
            )));
        }
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
    };
    let mut input = BufReader::with_capacity(1 << 20, io::stdin().lock());
    let format = match args.input_format {
        Some(f) => f,
        None => sniff(&mut input)?,
    };
    let mut sink = NdjsonSink::new(output::stdout());
    let engine = match format {
        StreamFormat::Ndjson => {
            ndjson(&mut input, strategies, &settings, &mut reporter, &mut sink)?
        }
        StreamFormat::Csv => Some(csv(input, strategies, &settings, &mut reporter, &mut sink)?),
    };
    sink.get_mut().flush().map_err(write_err)?;
    summary(engine.as_ref(), &reporter);
    Ok(())
}

/// The final summary on stderr.
fn summary(engine: Option<&Engine>, reporter: &Reporter) {
    let first = reporter
        .first_skipped
        .map_or(String::new(), |l| format!(" (first at line {l})"));
    let Some(engine) = engine else {
        eprintln!(
            "stratos: stream: 0 records, 0 events, {} skipped lines{first}",
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
        "stratos: stream: {} records, {} events, {} skipped lines{first}{tail}; {} streams",
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

/// NDJSON when the first non-blank byte is `{`, else CSV.
fn sniff<R: BufRead>(input: &mut R) -> Result<StreamFormat, CliError> {
    loop {
        let buf = input.fill_buf().map_err(CliError::io("reading stdin"))?;
        if buf.is_empty() {
            return Ok(StreamFormat::Ndjson);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                return Ok(if buf[i] == b'{' {
                    StreamFormat::Ndjson
                } else {
                    StreamFormat::Csv
                });
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    }
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

fn ndjson<R: BufRead>(
    input: &mut R,
    strategies: Vec<Box<dyn Strategy>>,
    settings: &Settings,
    reporter: &mut Reporter,
    sink: &mut Out,
) -> Result<Option<Engine>, CliError> {
    let mut strategies = Some(strategies);
    let mut engine: Option<Engine> = None;
    let mut buf = Vec::with_capacity(4096);
    let mut line = 0u64;
    loop {
        buf.clear();
        if input
            .read_until(b'\n', &mut buf)
            .map_err(CliError::io("reading stdin"))?
            == 0
        {
            break;
        }
        line += 1;
        reporter.tick(engine.as_ref());
        if buf.trim_ascii().is_empty() {
            continue;
        }
        let record = match Record::from_json(&buf) {
            Ok(r) => r,
            Err(e) => {
                reporter.skip(line, e.to_string())?;
                continue;
            }
        };
        let tenant = match &settings.tenant_field {
            None => "",
            Some(f) => match record_tenant(&record, f) {
                Some(t) => t,
                None => {
                    reporter.skip(
                        line,
                        format!("tenant field `{f}`: expected a text in `metadata` or `payload`"),
                    )?;
                    continue;
                }
            },
        };
        let engine = match (&mut engine, strategies.take()) {
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
                engine.insert(settings.engine(strategies, schema)?)
            }
            (None, None) => break,
        };
        let r = engine.process_record(tenant, &record, sink);
        reporter.outcome(line, r)?;
    }
    Ok(engine)
}

fn csv<R: Read>(
    input: R,
    strategies: Vec<Box<dyn Strategy>>,
    settings: &Settings,
    reporter: &mut Reporter,
    sink: &mut Out,
) -> Result<Engine, CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(1 << 20)
        .from_reader(input);
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| CliError::BadLine {
            line: 1,
            message: format!("CSV header: {e}"),
        })?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_owned()
        })
        .collect();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let stream_col = find(&stratos_core::STREAM_FIELDS);
    let time_col = find(&stratos_ingest::TIME_COLUMN_NAMES);
    let tenant_col = match &settings.tenant_field {
        None => None,
        Some(f) => Some(headers.iter().position(|h| h == f).ok_or_else(|| {
            CliError::Usage(format!(
                "--tenant-field `{f}`: no such CSV column (columns: {})",
                headers.join(", ")
            ))
        })?),
    };
    let offered = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| ![stream_col, time_col, tenant_col].contains(&Some(*i)))
        .map(|(_, h)| h.clone())
        .collect();
    let schema = bind_columns(&strategies, offered)?;
    let position = |f: &String| headers.iter().position(|h| h == f);
    let cols: Vec<usize> = schema.value_fields.iter().filter_map(position).collect();
    let cat_cols: Vec<usize> = schema.category_fields.iter().filter_map(position).collect();
    let names: Vec<String> = schema.value_fields.clone();
    let mut engine = settings.engine(strategies, schema)?;
    let mut record = csv::ByteRecord::new();
    let mut times = TimestampParser::new();
    let mut values = vec![0.0; cols.len()];
    let width = headers.len();
    loop {
        let line = record.position().map_or(0, |p| p.line()) + 1;
        reporter.tick(Some(&engine));
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                reporter.skip(line, format!("CSV: {e}"))?;
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.len() != width {
            if record.len() == 1 && record.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            reporter.skip(
                line,
                format!("expected {width} fields, found {}", record.len()),
            )?;
            continue;
        }
        let mut bad = None;
        for (slot, (&c, name)) in values.iter_mut().zip(cols.iter().zip(&names)) {
            match stratos_ingest::parse_number_cell(record.get(c).unwrap_or_default()) {
                Some(v) => *slot = v,
                None => {
                    let raw = String::from_utf8_lossy(record.get(c).unwrap_or_default())
                        .chars()
                        .take(40)
                        .collect::<String>();
                    bad = Some(format!("column `{name}`: expected a number, found `{raw}`"));
                    break;
                }
            }
        }
        if let Some(message) = bad {
            reporter.skip(line, message)?;
            continue;
        }
        let time = match time_col.map(|c| times.parse_bytes(record.get(c).unwrap_or_default())) {
            None => None,
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                reporter.skip(line, e.to_string())?;
                continue;
            }
        };
        let text = |col: Option<usize>, what: &str| -> Result<&str, String> {
            let bytes = col.and_then(|c| record.get(c)).unwrap_or_default();
            std::str::from_utf8(bytes).map_err(|_| format!("{what} is not valid UTF-8"))
        };
        let parsed = (|| {
            let stream = match stream_col {
                Some(_) => text(stream_col, "stream id")?,
                None => "default",
            };
            let tenant = text(tenant_col, "tenant")?;
            let mut categories = Vec::new();
            for &c in &cat_cols {
                categories.push(text(Some(c), "category")?);
            }
            Ok::<_, String>((stream, tenant, categories))
        })();
        let (stream, tenant, categories) = match parsed {
            Ok(p) => p,
            Err(message) => {
                reporter.skip(line, message)?;
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
        let r = engine.process(input, sink);
        reporter.outcome(line, r)?;
    }
    Ok(engine)
}
