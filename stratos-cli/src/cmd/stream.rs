//! `stratos stream`: records on stdin (NDJSON or CSV), state per `stream_id`, NDJSON events on
//! stdout, one line per event, flushed as they happen.

use std::io::{self, BufRead, BufReader, Read, Write};

use rustc_hash::FxHashMap;
use stratos_core::timestamp::TimestampParser;
use stratos_core::{
    Event, OnlineStrategy, Record, Registry, RowRef, Schema, Strategy, Timestamp, Value,
};

use super::{apply_field, parse_config};
use crate::cli::{OnError, StreamArgs, StreamFormat};
use crate::exit::{CliError, write_err};
use crate::output;

/// Individual skipped-line reports printed before only counting.
const MAX_REPORTS: u64 = 100;
/// Column names taken as the stream id and the time in CSV input.
const STREAM_COLUMNS: [&str; 2] = ["stream_id", "stream"];

/// Counts for the final summary.
#[derive(Debug, Default)]
struct Summary {
    records: u64,
    events: u64,
    skipped: u64,
    first_skipped: Option<u64>,
}

/// Routes rows to per-stream online states and writes their events.
struct Engine<'a, W: Write> {
    strategies: &'a [Box<dyn Strategy>],
    schema: Schema,
    index: FxHashMap<Box<[u8]>, usize>,
    names: Vec<String>,
    states: Vec<Vec<Box<dyn OnlineStrategy>>>,
    events: Vec<Event>,
    out: W,
    summary: Summary,
    on_error: OnError,
}

impl<'a, W: Write> Engine<'a, W> {
    fn new(
        strategies: &'a [Box<dyn Strategy>],
        schema: Schema,
        out: W,
        on_error: OnError,
    ) -> Result<Self, CliError> {
        for s in strategies {
            if s.online(&schema)?.is_none() {
                return Err(CliError::Usage(format!(
                    "strategy `{}` has no online form; use `stratos run`",
                    s.id()
                )));
            }
        }
        Ok(Engine {
            strategies,
            schema,
            index: FxHashMap::default(),
            names: Vec::new(),
            states: Vec::new(),
            events: Vec::new(),
            out,
            summary: Summary::default(),
            on_error,
        })
    }

    fn stream_slot(&mut self, stream_id: &[u8]) -> Result<usize, String> {
        if let Some(&i) = self.index.get(stream_id) {
            return Ok(i);
        }
        let name = std::str::from_utf8(stream_id)
            .map_err(|_| "stream id is not valid UTF-8".to_owned())?;
        let mut states = Vec::with_capacity(self.strategies.len());
        for s in self.strategies {
            match s.online(&self.schema) {
                Ok(Some(state)) => states.push(state),
                Ok(None) => return Err(format!("strategy `{}` has no online form", s.id())),
                Err(e) => return Err(e.to_string()),
            }
        }
        let i = self.states.len();
        self.states.push(states);
        self.names.push(name.to_owned());
        self.index.insert(stream_id.into(), i);
        Ok(i)
    }

    /// Feeds one well-formed row to every strategy of its stream and writes the events.
    #[inline]
    fn process(
        &mut self,
        line: u64,
        stream_id: &[u8],
        timestamp: Option<Timestamp>,
        values: &[f64],
    ) -> Result<(), CliError> {
        let slot = match self.stream_slot(stream_id) {
            Ok(s) => s,
            Err(message) => return self.skip(line, message),
        };
        self.summary.records += 1;
        let row = RowRef {
            stream_id: &self.names[slot],
            timestamp,
            values,
        };
        for state in &mut self.states[slot] {
            state.update(row, &mut self.events);
        }
        if !self.events.is_empty() {
            for e in self.events.drain(..) {
                output::json_line(&mut self.out, &e).map_err(write_err)?;
                self.summary.events += 1;
            }
            self.out.flush().map_err(write_err)?;
        }
        Ok(())
    }

    /// Reports a malformed line; under `--on-error fail` it ends the run.
    fn skip(&mut self, line: u64, message: String) -> Result<(), CliError> {
        if self.on_error == OnError::Fail {
            return Err(CliError::BadLine { line, message });
        }
        self.summary.skipped += 1;
        self.summary.first_skipped.get_or_insert(line);
        if self.summary.skipped <= MAX_REPORTS {
            eprintln!("stratos: line {line}: skipped: {message}");
        } else if self.summary.skipped == MAX_REPORTS + 1 {
            eprintln!("stratos: further skipped lines are counted but not shown");
        }
        Ok(())
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
    let mut input = BufReader::with_capacity(1 << 20, io::stdin().lock());
    let format = match args.input_format {
        Some(f) => f,
        None => sniff(&mut input)?,
    };
    let summary = match format {
        StreamFormat::Ndjson => ndjson(&mut input, &strategies, args.on_error)?,
        StreamFormat::Csv => csv(input, &strategies, args.on_error)?,
    };
    eprintln!(
        "stratos: stream: {} records, {} events, {} skipped lines{}",
        summary.records,
        summary.events,
        summary.skipped,
        summary
            .first_skipped
            .map_or(String::new(), |l| format!(" (first at line {l})"))
    );
    Ok(())
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

/// The schema of a stream: the fields the strategies read, resolved against the fields the
/// first record offers.
fn bind_schema(strategies: &[Box<dyn Strategy>], offered: Vec<String>) -> Result<Schema, CliError> {
    let provisional = Schema {
        value_fields: offered,
        ..Schema::default()
    };
    let mut fields: Vec<String> = Vec::new();
    for s in strategies {
        for f in s.input_fields(&provisional)? {
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
    }
    Ok(Schema {
        value_fields: fields,
        ..Schema::default()
    })
}

fn ndjson<R: BufRead>(
    input: &mut R,
    strategies: &[Box<dyn Strategy>],
    on_error: OnError,
) -> Result<Summary, CliError> {
    let mut engine: Option<Engine<'_, _>> = None;
    let mut buf = Vec::with_capacity(4096);
    let mut values = Vec::new();
    let mut line = 0u64;
    let mut pending_skips = Summary::default();
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
        if buf.trim_ascii().is_empty() {
            continue;
        }
        let parsed = Record::from_json(&buf)
            .map_err(|e| e.to_string())
            .and_then(|r| r.time().map(|t| (r, t)).map_err(|e| e.to_string()));
        let (record, time) = match parsed {
            Ok(ok) => ok,
            Err(message) => {
                match engine.as_mut() {
                    Some(e) => e.skip(line, message)?,
                    None if on_error == OnError::Fail => {
                        return Err(CliError::BadLine { line, message });
                    }
                    None => {
                        pending_skips.skipped += 1;
                        pending_skips.first_skipped.get_or_insert(line);
                        eprintln!("stratos: line {line}: skipped: {message}");
                    }
                }
                continue;
            }
        };
        let engine = match &mut engine {
            Some(e) => e,
            None => {
                let offered = record
                    .payload
                    .iter()
                    .filter(|(_, v)| v.as_f64().is_some())
                    .map(|(k, _)| k.clone())
                    .collect();
                let schema = bind_schema(strategies, offered)?;
                let mut e = Engine::new(strategies, schema, output::stdout(), on_error)?;
                e.summary.skipped = pending_skips.skipped;
                e.summary.first_skipped = pending_skips.first_skipped;
                engine.insert(e)
            }
        };
        values.clear();
        let mut bad = None;
        for f in &engine.schema.value_fields {
            match record.payload.get(f) {
                Some(Value::Number(v)) => values.push(*v),
                Some(Value::Null) => values.push(f64::NAN),
                other => {
                    bad = Some(format!(
                        "payload field `{f}`: expected a number, found {}",
                        other.map_or("nothing", Value::type_name)
                    ));
                    break;
                }
            }
        }
        match bad {
            Some(message) => engine.skip(line, message)?,
            None => engine.process(line, record.stream_id.as_bytes(), time, &values)?,
        }
    }
    Ok(engine.map_or(pending_skips, |e| e.summary))
}

fn csv<R: Read>(
    input: R,
    strategies: &[Box<dyn Strategy>],
    on_error: OnError,
) -> Result<Summary, CliError> {
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
    let stream_col = find(&STREAM_COLUMNS);
    let time_col = find(&stratos_ingest::TIME_COLUMN_NAMES);
    let offered = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != stream_col && Some(*i) != time_col)
        .map(|(_, h)| h.clone())
        .collect();
    let schema = bind_schema(strategies, offered)?;
    let cols: Vec<usize> = schema
        .value_fields
        .iter()
        .filter_map(|f| headers.iter().position(|h| h == f))
        .collect();
    let names: Vec<String> = schema.value_fields.clone();
    let mut engine = Engine::new(strategies, schema, output::stdout(), on_error)?;
    let mut record = csv::ByteRecord::new();
    let mut times = TimestampParser::new();
    let mut values = vec![0.0; cols.len()];
    let width = headers.len();
    loop {
        let line = record.position().map_or(0, |p| p.line()) + 1;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                engine.skip(line, format!("CSV: {e}"))?;
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.len() != width {
            if record.len() == 1 && record.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            engine.skip(
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
            engine.skip(line, message)?;
            continue;
        }
        let time = match time_col.map(|c| times.parse_bytes(record.get(c).unwrap_or_default())) {
            None => None,
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                engine.skip(line, e.to_string())?;
                continue;
            }
        };
        let stream: &[u8] = match stream_col {
            Some(c) => record.get(c).unwrap_or_default(),
            None => b"default",
        };
        engine.process(line, stream, time, &values)?;
    }
    Ok(engine.summary)
}
