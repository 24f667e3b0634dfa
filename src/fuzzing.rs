//! Fuzz bodies, shared by the cargo-fuzz targets in `fuzz/` and by `tests/it/fuzz_corpus.rs`,
//! which replays the committed corpus (and every minimised crash in `fuzz/regressions/`) on
//! stable Rust.
//!
//! Each body takes arbitrary bytes and must return without panicking. Besides "no panic",
//! each checks invariants the rest of the library relies on, with `assert!`, so that the
//! fuzzer reports their violations as crashes:
//!
//! - every frame a reader returns is consistent (column lengths, schema names), and the
//!   built-in strategies run over it without panicking and with results in range (a
//!   successful forecast has finite predictions);
//! - every ingest error on well-formed options is bad data (the CLI's exit code 65), and the
//!   line it names lies inside the input;
//! - a record read from JSON writes back to JSON that reads as the same record;
//! - a timestamp that parses prints as RFC 3339 that parses to the same instant;
//! - a strategy's effective config rebuilds the same strategy;
//! - the moving-average and z-score kernels stay inside the range of the values they
//!   average, and recover once non-finite values have left their window (pandas treats ±inf
//!   as missing in `rolling` and `ewm`), as long as no sum can overflow.
//!
//! Not part of the public API: names and checks may change at any time.

use std::sync::OnceLock;

use stratos_core::{
    Frame, Record, Registry, RowRef, Schema, Strategy, StrategyRequest, StrategyResult, Timestamp,
};
use stratos_ingest::{Format, IngestError, ReadOptions};
use stratos_strategies::anomaly::RollingZScore;
use stratos_strategies::moving_average::{Ema, Sma, Wma};

/// Read options within the budgets the fuzzers run under (`-rss_limit_mb=2048
/// -malloc_limit_mb=1024`): 256 MiB of memory by the readers' estimate, 10 million cells.
/// A reader that breaks its own budget shows up as an out-of-memory or malloc-limit finding.
fn fuzz_options() -> ReadOptions {
    ReadOptions::default().with_limits(
        stratos_ingest::Limits::default()
            .with_max_memory(256 << 20)
            .with_max_cells(10_000_000),
    )
}

/// The built-in registry, built once per process.
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(crate::registry)
}

/// Short-window built-ins run over every frame a reader returns, so that whatever numbers a
/// parser produces (NaN, ±inf, 1e308, −0) also go through the strategies: moving averages,
/// the z-score, a small ARIMA fit and the hybrid signal.
fn frame_strategies() -> &'static [Box<dyn Strategy>] {
    static STRATEGIES: OnceLock<Vec<Box<dyn Strategy>>> = OnceLock::new();
    STRATEGIES.get_or_init(|| {
        let arima = serde_json::json!({"p": 1, "d": 1, "q": 1, "steps": 3, "minDataPoints": 10});
        [
            ("moving_average", serde_json::json!({"period": 2})),
            (
                "moving_average",
                serde_json::json!({"kind": "ema", "fast": 2, "slow": 3}),
            ),
            ("anomaly_detection", serde_json::json!({"window_size": 2})),
            ("arima_prediction", arima.clone()),
            (
                "hybrid_arima_ma",
                serde_json::json!({"arimaConfig": arima, "maConfig": {"period": 3}}),
            ),
        ]
        .into_iter()
        .map(|(id, config)| match registry().build(id, config) {
            Ok(strategy) => strategy,
            Err(e) => panic!("fuzz harness: {id} does not build: {e}"),
        })
        .collect()
    })
}

/// Number of physical lines in `data` (a last line without `\n` counts).
fn line_count(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Checks a reader's answer on `data`: a consistent frame, or a bad-data error whose line
/// lies in the input.
fn check_read(data: &[u8], read: Result<Frame, IngestError>) {
    match read {
        Ok(frame) => check_frame(&frame),
        Err(e) => {
            assert!(e.is_bad_data(), "not a bad-data error: {e:?}");
            if let Some(line) = e.location().line {
                assert!(
                    (1..=line_count(data)).contains(&line),
                    "line {line} outside the input: {e}"
                );
            }
            let _ = e.to_string();
        }
    }
}

/// Checks that a frame's columns fit its schema and length, then runs the short-window
/// built-ins over it, batch and online.
fn check_frame(frame: &Frame) {
    let n = frame.len();
    let schema = frame.schema();
    if let Some(ts) = frame.timestamps() {
        assert_eq!(ts.len(), n, "time column length");
        assert!(
            schema.timestamp_field.is_some(),
            "time column without a name"
        );
    }
    let numeric: Vec<&str> = frame
        .numeric_columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(schema.value_fields, numeric, "schema value fields");
    for c in frame.numeric_columns() {
        assert_eq!(c.values.len(), n, "column `{}` length", c.name);
    }
    for c in frame.category_columns() {
        assert_eq!(c.len(), n, "category `{}` length", c.name());
    }
    for strategy in frame_strategies() {
        if let Ok(result) = strategy.execute(frame) {
            check_result(&result, n);
        }
        run_online(strategy.as_ref(), schema, frame);
    }
}

/// Checks the ranges and shapes every result promises.
fn check_result(result: &StrategyResult, rows: usize) {
    assert!(
        (0.0..=1.0).contains(&result.confidence),
        "confidence {}",
        result.confidence
    );
    if let Some(s) = &result.signal {
        assert!((0.0..=1.0).contains(&s.strength), "strength {}", s.strength);
    }
    for c in &result.outputs.columns {
        assert_eq!(c.values.len(), rows, "output `{}` length", c.name);
    }
    // A forecast that succeeded forecasts numbers: NaN is an error, never an answer. A
    // frame of several streams is run stream by stream: each stream's result is under
    // `data.streams[].result`.
    if result.strategy_id == stratos_strategies::arima::ID {
        let per_stream: Vec<StrategyResult> = match result.data.get("streams") {
            Some(serde_json::Value::Array(streams)) => streams
                .iter()
                .map(|s| {
                    let r = s.get("result").cloned().unwrap_or_default();
                    serde_json::from_value(r).unwrap_or_else(|e| panic!("stream result: {e}"))
                })
                .collect(),
            _ => vec![result.clone()],
        };
        for r in &per_stream {
            let predictions = r
                .report::<stratos_strategies::arima::ArimaReport>()
                .map(|r| r.predictions);
            assert!(
                predictions
                    .as_ref()
                    .is_ok_and(|p| p.iter().all(|v| v.is_finite())),
                "{}: predictions {predictions:?}",
                result.strategy_id
            );
        }
    }
    let json = serde_json::to_string(result);
    assert!(json.is_ok(), "result does not serialize: {json:?}");
}

/// Feeds every row of `frame` to the strategy's online form, if it has one.
fn run_online(strategy: &dyn Strategy, schema: &Schema, frame: &Frame) {
    let Ok(Some(mut online)) = strategy.online(schema) else {
        return;
    };
    let columns: Vec<&[f64]> = frame
        .numeric_columns()
        .iter()
        .map(|c| c.values.as_slice())
        .collect();
    let mut values = Vec::with_capacity(columns.len());
    let mut out = Vec::new();
    for i in 0..frame.len() {
        values.clear();
        values.extend(
            columns
                .iter()
                .map(|c| c.get(i).copied().unwrap_or(f64::NAN)),
        );
        let row = RowRef {
            stream_id: "fuzz",
            timestamp: frame.timestamps().and_then(|t| t.get(i).copied()),
            values: &values,
        };
        online.update(row, &mut out);
    }
    for e in &out {
        assert_eq!(e.stream_id(), "fuzz");
        let json = serde_json::to_string(e);
        assert!(json.is_ok(), "event does not serialize: {json:?}");
    }
    online.reset();
}

/// CSV/TSV bytes through the reader: as CSV (delimiter and header sniffed), as TSV, and with
/// the delimiter and header stated. Checks every frame and every error as described in the
/// module docs. (Content sniffing is the `ndjson` target's and the CLI's business: on input
/// not starting with `{` or `[` it is the CSV read.)
pub fn csv(data: &[u8]) {
    let csv = fuzz_options().with_format(Format::Csv);
    for options in [
        csv.clone(),
        fuzz_options().with_format(Format::Tsv),
        csv.with_delimiter(b';').with_header(false),
    ] {
        let read = stratos_ingest::read_bytes(data, &options);
        // Quote-free text is read as lines from sniffing on. With `""` opening its first
        // record (an empty quoted start, which the `csv` crate joins to the field's text)
        // the same rows go through the tokenizer from sniffing on: the frames must agree.
        if let (Ok(frame), Some(quoted)) = (&read, empty_quote_first(data))
            && let Ok(tokenized) = stratos_ingest::read_bytes(&quoted, &options)
        {
            assert_eq!(
                format!("{frame:?}"),
                format!("{tokenized:?}"),
                "read as lines and as tokens"
            );
        }
        check_read(data, read);
    }
}

/// `data` with `""` before its first byte (after a byte order mark), when `data` is
/// quote-free text whose rows are its lines (no lone carriage return) and whose first line
/// holds a non-blank character, so that line is the first record whatever the delimiter.
fn empty_quote_first(data: &[u8]) -> Option<Vec<u8>> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let body = data.strip_prefix(BOM).unwrap_or(data);
    let lone_cr = body
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && body.get(i + 1) != Some(&b'\n'));
    let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
    if body.contains(&b'"') || lone_cr || first.trim_ascii().is_empty() {
        return None;
    }
    let bom = data.len() - body.len();
    let mut quoted = Vec::with_capacity(data.len() + 2);
    quoted.extend_from_slice(data.get(..bom).unwrap_or_default());
    quoted.extend_from_slice(b"\"\"");
    quoted.extend_from_slice(body);
    Some(quoted)
}

/// NDJSON bytes: the batch reader (whose frame must have one row per non-blank line), then
/// each line as a [`Record`] that must survive a JSON round trip, and as a one-row frame.
pub fn ndjson(data: &[u8]) {
    let read = stratos_ingest::read_bytes(data, &fuzz_options().with_format(Format::Ndjson));
    if let Ok(frame) = &read {
        let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        let records = body
            .split(|&b| b == b'\n')
            .filter(|l| !l.trim_ascii().is_empty())
            .count();
        assert_eq!(frame.len(), records, "one row per non-blank line");
    }
    check_read(data, read);
    for line in data.split(|&b| b == b'\n') {
        let Ok(record) = Record::from_json(line) else {
            continue;
        };
        let json = serde_json::to_vec(&record);
        assert!(json.is_ok(), "record does not serialize: {record:?}");
        if let Ok(json) = json {
            let again = Record::from_json(&json);
            assert_eq!(
                again.as_ref().ok(),
                Some(&record),
                "round trip via {again:?}"
            );
        }
        let _ = record.time();
        if let Ok(frame) = Frame::from_records(std::slice::from_ref(&record)) {
            check_frame(&frame);
        }
    }
}

/// JSON bytes: the JSON reader, then content sniffing (which must pick a reader that answers
/// as the module docs require). A frame read from an array of objects has one row per
/// object.
pub fn json(data: &[u8]) {
    let read = stratos_ingest::read_bytes(data, &fuzz_options().with_format(Format::Json));
    if let (Ok(frame), Ok(serde_json::Value::Array(items))) =
        (&read, serde_json::from_slice::<serde_json::Value>(data))
        && !frame.numeric_columns().is_empty()
    {
        assert_eq!(frame.len(), items.len(), "one row per object");
    }
    check_read(data, read);
    check_read(data, stratos_ingest::read_bytes(data, &fuzz_options()));
}

/// Text-log bytes: the text reader (whose frame has at most one row per line, each with a
/// time), then content sniffing.
pub fn text(data: &[u8]) {
    let read = stratos_ingest::read_bytes(data, &fuzz_options().with_format(Format::Text));
    if let Ok(frame) = &read {
        assert!(
            frame.len() as u64 <= line_count(data),
            "more rows than lines"
        );
        assert_eq!(
            frame.timestamps().map(<[Timestamp]>::len),
            Some(frame.len()),
            "a text log always has its time column"
        );
    }
    check_read(data, read);
    check_read(data, stratos_ingest::read_bytes(data, &fuzz_options()));
}

/// Spreadsheet bytes (XLSX, XLS, XLSB, ODS): the first sheet with data and the second sheet,
/// then content sniffing. A frame is consistent; an error is bad data (or, for a sheet that
/// is not there, invalid options). Without the `xlsx` feature every read is an error.
pub fn xlsx(data: &[u8]) {
    contain_panics();
    let spreadsheet = fuzz_options().with_format(Format::Spreadsheet);
    for options in [
        spreadsheet.clone(),
        spreadsheet.with_sheet(stratos_ingest::SheetSelector::Index(1)),
        fuzz_options(),
    ] {
        match stratos_ingest::read_bytes(data, &options) {
            Ok(frame) => check_frame(&frame),
            Err(e) => {
                assert!(
                    e.is_bad_data() || matches!(e, IngestError::InvalidOptions { .. }),
                    "not a bad-data error: {e:?}"
                );
                let _ = e.to_string();
            }
        }
    }
}

/// Keeps libFuzzer's abort-on-panic hook away from panics that the library contains:
/// pdf-extract (by design) and calamine (integer overflow on malformed files) panic on
/// their own threads, and the library turns those panics into errors. Panics anywhere else
/// still abort.
fn contain_panics() {
    stratos_ingest::silence_contained_panics();
}

/// Parquet bytes through the Parquet reader (its footer and sizes checked against the
/// limits, then decoded on the library's contained thread). A frame is consistent and, with
/// the `arrow` feature, writes back to Parquet that reads as a frame of the same shape; an
/// error is bad data. Without stratos-ingest's `arrow` feature every read is an
/// [`IngestError::Unsupported`].
pub fn parquet(data: &[u8]) {
    contain_panics();
    check_columnar(data, Format::Parquet);
}

/// Arrow IPC bytes (a file or a stream) through the Arrow reader, checked as [`parquet`].
pub fn arrow(data: &[u8]) {
    contain_panics();
    check_columnar(data, Format::Arrow);
}

fn check_columnar(data: &[u8], format: Format) {
    match stratos_ingest::read_bytes(data, &fuzz_options().with_format(format)) {
        Ok(frame) => {
            check_frame(&frame);
            #[cfg(feature = "arrow")]
            {
                let mut out = Vec::new();
                match stratos_ingest::arrow::write_parquet(&frame, &mut out) {
                    Ok(()) => {
                        let back = stratos_ingest::read_bytes(&out, &fuzz_options());
                        let back = back.unwrap_or_else(|e| panic!("written file unread: {e}"));
                        assert_eq!(back.len(), frame.len(), "rows after a round trip");
                        assert_eq!(back.schema(), frame.schema(), "schema after a round trip");
                    }
                    Err(e) => {
                        let _ = e.to_string();
                    }
                }
            }
        }
        Err(e) => {
            assert!(e.is_bad_data(), "not a bad-data error: {e:?}");
            let _ = e.to_string();
        }
    }
}

/// How long a fuzz input may spend in PDF extraction.
const PDF_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// Checks a PDF read: a consistent frame, or a bad-data error (its line, when it has one,
/// is a line of a page, not of the input, so it is not checked against the input).
fn check_pdf_read(read: Result<Frame, IngestError>) {
    match read {
        Ok(frame) => check_frame(&frame),
        Err(e) => {
            assert!(e.is_bad_data(), "not a bad-data error: {e:?}");
            let _ = e.to_string();
        }
    }
}

/// PDF bytes through the PDF reader (pdf-extract on its contained thread, then the table
/// finder and the CSV typing). A frame is consistent; an error is bad data. Without the
/// `pdf` feature every read is an [`IngestError::Unsupported`].
pub fn pdf(data: &[u8]) {
    contain_panics();
    let options = fuzz_options()
        .with_format(Format::Pdf)
        .with_pdf_time_budget(PDF_BUDGET);
    check_pdf_read(stratos_ingest::read_bytes(data, &options));
}

/// Any bytes through format sniffing and then `read_bytes` with no format given: sniffing
/// is total and deterministic, the read goes to the sniffed format's reader (it answers
/// exactly as a read with that format stated does), and its answer is checked as the
/// module docs require.
pub fn sniff(data: &[u8]) {
    contain_panics();
    let format = stratos_ingest::sniff_format(data);
    assert_eq!(
        stratos_ingest::sniff_format(data),
        format,
        "sniffing is deterministic"
    );
    if data.starts_with(b"%PDF-") {
        assert_eq!(format, Format::Pdf, "a PDF header");
    }
    let auto = fuzz_options().with_pdf_time_budget(PDF_BUDGET);
    let read = stratos_ingest::read_bytes(data, &auto);
    let stated = stratos_ingest::read_bytes(data, &auto.clone().with_format(format));
    match (&read, &stated) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.len(), b.len(), "sniffed and stated reads differ");
            assert_eq!(a.schema(), b.schema(), "sniffed and stated reads differ");
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("sniffed {format}: {read:?} but stated: {stated:?}"),
    }
    match format {
        Format::Pdf => check_pdf_read(read),
        Format::Spreadsheet => match read {
            Ok(frame) => check_frame(&frame),
            Err(e) => assert!(e.is_bad_data(), "not a bad-data error: {e:?}"),
        },
        _ => check_read(data, read),
    }
}

/// Timestamp text in every accepted form: what parses prints as RFC 3339 and parses back to
/// the same instant; calendar-looking text always parses; JSON forms (`"…"`, numbers,
/// `{"seconds": …, "nanos": …}`) write back as text that reads the same.
pub fn timestamp(data: &[u8]) {
    let parsed = Timestamp::parse_bytes(data);
    if let Ok(t) = parsed {
        let text = t.to_string();
        assert_eq!(
            Timestamp::parse(&text).ok(),
            Some(t),
            "round trip of {text}"
        );
    }
    if Timestamp::looks_like_calendar(data) {
        assert!(
            parsed.is_ok(),
            "calendar text that does not parse: {parsed:?}"
        );
    }
    if let Ok(t) = serde_json::from_slice::<Timestamp>(data) {
        let json = serde_json::to_string(&t).unwrap_or_default();
        let again = serde_json::from_str::<Timestamp>(&json).ok();
        assert_eq!(again, Some(t), "JSON round trip via {json}");
    }
}

/// A strategy request, `{"strategy_id": …, "config": …}`, or a bare config tried against
/// every built-in. Each strategy that builds is rebuilt from its effective config (which must
/// succeed and agree), then run over a series with a constant run, a gap of NaNs, values near
/// 1e9 and a spike, in batch and online.
pub fn strategy_config(data: &[u8]) {
    let registry = registry();
    let requests: Vec<(String, serde_json::Value)> =
        match serde_json::from_slice::<StrategyRequest>(data) {
            Ok(r) => vec![(r.strategy_id, r.config)],
            Err(_) => match serde_json::from_slice::<serde_json::Value>(data) {
                Ok(config) => registry
                    .ids()
                    .map(|id| (id.to_owned(), config.clone()))
                    .collect(),
                Err(_) => return,
            },
        };
    let frame = Frame::from_values("value", edge_series());
    for (id, config) in requests {
        let Ok(strategy) = registry.build(&id, config) else {
            continue;
        };
        let effective = strategy.config();
        let rebuilt = registry.build(&id, effective.clone());
        assert!(
            rebuilt.is_ok(),
            "{id}: effective config {effective} does not rebuild: {:?}",
            rebuilt.err()
        );
        if let Ok(rebuilt) = rebuilt {
            assert_eq!(
                rebuilt.config(),
                effective,
                "{id}: config drifts on rebuild"
            );
        }
        if let Ok(result) = strategy.execute(&frame) {
            check_result(&result, frame.len());
        }
        run_online(strategy.as_ref(), frame.schema(), &frame);
    }
}

/// 80 values: constant, a ramp with NaNs, near 1e9 with small steps, a spike, negatives.
fn edge_series() -> Vec<f64> {
    (0..80)
        .map(|i| match i {
            0..16 => 5.0,
            16..32 if i % 5 == 0 => f64::NAN,
            16..32 => f64::from(i),
            32..56 => 1e9 + f64::from(i % 7) * 0.25,
            56 => 1e12,
            _ => -f64::from(i % 11) - 0.5,
        })
        .collect()
}

/// A series of arbitrary `f64`s through the kernels and the built-ins. The first byte picks
/// the period (1..=16) and the z-score's ddof; every following 8 bytes are one value's
/// little-endian bits (every NaN payload, ±inf, subnormals, ±1.8e308), at most 128 values
/// (enough for the windows of up to 17; more only slows the ARIMA fit).
///
/// The kernels are checked against what any average must satisfy (see the module docs):
/// while no finite value so far exceeds 1e150 in magnitude (so no sum can overflow), an SMA
/// or WMA over a window of finite values is finite and within the window's [min, max]; an
/// SMA over a window holding NaN is NaN; an EMA, once it has seen a finite value, is finite
/// and within the [min, max] of the finite values so far; a z-score, when given, has a z
/// that is not NaN, a positive std no larger than its window's range (give or take
/// √ε·max), and a mean inside that range.
/// Then the frame goes through the short-window built-ins, batch and online.
pub fn series(data: &[u8]) {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let period = usize::from(head & 0x0f) + 1;
    let ddof = usize::from(head >> 7);
    let values: Vec<f64> = rest
        .chunks_exact(8)
        .take(128)
        .map(|c| <[u8; 8]>::try_from(c).map_or(f64::NAN, f64::from_le_bytes))
        .collect();
    check_kernels(&values, period, ddof);
    check_frame(&Frame::from_values("value", values));
}

/// Largest magnitude of a value that keeps every sum and sum of squares of up to 10⁶ values
/// finite.
const TAME: f64 = 1e150;

fn check_kernels(values: &[f64], period: usize, ddof: usize) {
    // Every violation is collected (the first few), so one input shows all kernels at fault.
    let mut violations: Vec<String> = Vec::new();
    macro_rules! check {
        ($cond:expr, $($msg:tt)+) => {
            let ok: bool = $cond;
            if !ok && violations.len() < 12 {
                violations.push(format!($($msg)+));
            }
        };
    }
    let mut sma = Sma::new(period);
    let mut wma = Wma::new(period);
    let mut emas = [Ema::new(period, false), Ema::new(period, true)];
    let window = period + 1;
    let mut z = RollingZScore::new(window, ddof);
    // The z-score's window: its last `window` finite values.
    let mut finite_window: std::collections::VecDeque<f64> = std::collections::VecDeque::new();
    let (mut tame, mut max_abs) = (true, 0.0f64);
    let (mut seen_min, mut seen_max) = (f64::INFINITY, f64::NEG_INFINITY);
    for (t, &x) in values.iter().enumerate() {
        if x.is_finite() {
            tame &= x.abs() <= TAME;
            max_abs = max_abs.max(x.abs());
            seen_min = seen_min.min(x);
            seen_max = seen_max.max(x);
        }
        let tol = 1e-9 * max_abs + 1e-300;
        let within = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo - tol && v <= hi + tol;

        let win = values
            .get((t + 1).saturating_sub(period)..=t)
            .unwrap_or(&[]);
        let full = t + 1 >= period;
        let (lo, hi) = win
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let all_finite = win.iter().all(|v| v.is_finite());
        let s = sma.push(x);
        let w = wma.push(x);
        if full && all_finite && tame {
            check!(
                within(s, lo, hi),
                "row {t}: SMA({period}) {s} outside [{lo}, {hi}]"
            );
            check!(
                within(w, lo, hi),
                "row {t}: WMA({period}) {w} outside [{lo}, {hi}]"
            );
        }
        if win.iter().any(|v| v.is_nan()) {
            check!(
                s.is_nan(),
                "row {t}: SMA({period}) {s} over a window holding NaN"
            );
        }
        for (ema, adjust) in emas.iter_mut().zip([false, true]) {
            let e = ema.push(x);
            if tame && seen_min <= seen_max {
                check!(
                    within(e, seen_min, seen_max),
                    "row {t}: EMA({period}, adjust={adjust}) {e} outside [{seen_min}, {seen_max}]"
                );
            }
        }

        if let Some(p) = z.score(x) {
            let (lo, hi) = finite_window
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            check!(!p.z.is_nan(), "row {t}: z-score {p:?}");
            check!(p.scale > 0.0, "row {t}: z-score {p:?}");
            if tame {
                check!(
                    within(p.center, lo, hi),
                    "row {t}: z-score {p:?} vs [{lo}, {hi}]"
                );
                // Rolling updates leave a residue of order ε·max² in the sum of squares
                // until the next resync, so the std is only good to about √ε·max.
                let std_tol = 1e-6 * max_abs * (window as f64).sqrt();
                check!(
                    p.scale <= (hi - lo) + std_tol,
                    "row {t}: z-score {p:?} vs [{lo}, {hi}]"
                );
            }
        }
        z.add(x);
        if x.is_finite() {
            finite_window.push_back(x);
            if finite_window.len() > window {
                finite_window.pop_front();
            }
        }
    }
    assert!(
        violations.is_empty(),
        "kernel invariants violated (period {period}, ddof {ddof}):\n{}",
        violations.join("\n")
    );
}
