//! End-to-end tests of the `stratos` binary: exact stdout, exit codes, one-line stderr.
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;

use stratos_core::{Frame, OutputValues};

use super::common::{bin, file, run, spawn, stderr, stdout};

const PRICES: &str =
    "date,close\n2024-01-01,10\n2024-01-02,11\n2024-01-03,12\n2024-01-04,13\n2024-01-05,11\n";

#[test]
fn run_csv_prints_one_row_per_input_row() {
    let p = file("prices.csv", PRICES);
    let o = run(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "--config",
            r#"{"period":3}"#,
            "--format",
            "csv",
        ],
        "",
    );
    assert_eq!(stderr(&o), "");
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "date,close,sma,signal\n\
         2024-01-01T00:00:00Z,10,,\n\
         2024-01-02T00:00:00Z,11,,\n\
         2024-01-03T00:00:00Z,12,11,BUY\n\
         2024-01-04T00:00:00Z,13,12,BUY\n\
         2024-01-05T00:00:00Z,11,12,SELL\n"
    );
}

#[test]
fn run_json_prints_the_strategy_result() {
    let p = file("prices_json.csv", PRICES);
    let o = run(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "--config",
            r#"{"period":3}"#,
            "--format",
            "json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["strategy_id"], "moving_average");
    assert_eq!(v["type"], "SIGNAL");
    assert_eq!(v["data"]["movingAverage"], 12.0);
    assert_eq!(v["signal"]["action"], "SELL");
    assert_eq!(v["outputs"]["columns"]["sma"][2], 11.0);
}

#[test]
fn run_table_and_ndjson_from_stdin() {
    let o = run(
        &["run", "moving_average", "-", "--config", r#"{"period":3}"#],
        PRICES,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    assert!(
        t.starts_with("strategy    moving_average (SIGNAL)\n"),
        "{t}"
    );
    assert!(
        t.contains("signal      SELL (strength 1): price 11 is 8.33% below its 3-period SMA 12\n"),
        "{t}"
    );
    assert!(
        t.contains("date                  close  sma  signal\n"),
        "{t}"
    );
    let o = run(
        &[
            "run",
            "moving_average",
            "--config",
            r#"{"period":3}"#,
            "--format",
            "ndjson",
        ],
        PRICES,
    );
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        lines[2],
        serde_json::json!({"date": "2024-01-03T00:00:00Z", "close": 12.0, "sma": 11.0, "signal": "BUY"})
    );
}

#[test]
fn run_anomaly_csv_header_names_the_outputs() {
    let mut csv = String::from("timestamp,value\n");
    for i in 0..30 {
        let v = if i == 25 { 50.0 } else { 10.0 + (i % 3) as f64 };
        csv.push_str(&format!("2025-01-15T10:{i:02}:00Z,{v}\n"));
    }
    let p = file("sensor.csv", &csv);
    let o = run(
        &[
            "run",
            "anomaly_detection",
            p.to_str().unwrap(),
            "--config",
            r#"{"window_size":10}"#,
            "--format",
            "csv",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("timestamp,value,zscore,anomaly_score,is_anomaly")
    );
    let flagged: Vec<&str> = lines.filter(|l| l.ends_with(",true")).collect();
    assert_eq!(flagged.len(), 1);
    assert!(
        flagged[0].starts_with("2025-01-15T10:25:00Z,50,"),
        "{}",
        flagged[0]
    );
}

#[test]
fn errors_have_exit_codes_and_one_stderr_line() {
    let cases: [(&[&str], i32, &str); 5] = [
        (
            &["run", "moving_average", "/nonexistent/prices.csv"],
            66,
            "stratos: ",
        ),
        (
            &["run", "moving_average", "-", "--config", "{"],
            2,
            "stratos: --config: invalid JSON",
        ),
        (
            &["run", "moving_averages", "-"],
            2,
            "stratos: unknown strategy `moving_averages` (known: anomaly_detection, arima_prediction, auto_analysis, hybrid_arima_ma, moving_average, trend_analysis, window_aggregate)",
        ),
        (
            &["run", "moving_average", "-", "--config", r#"{"period":0}"#],
            2,
            "stratos: moving_average: `period` = 0: expected a value in 1..=1000000",
        ),
        (
            &["run", "moving_average", "-", "--config", r#"{"period":30}"#],
            65,
            "stratos: moving_average: needs at least 30 data points in `close`, got 5",
        ),
    ];
    for (args, code, prefix) in cases {
        let o = run(args, PRICES);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.starts_with(prefix), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    let o = run(
        &["run", "moving_average", "-"],
        "date,close\n2024-01-01,10\n2024-01-02,11,12\n",
    );
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(":3"),
        "ragged row names its line: {}",
        stderr(&o)
    );
    let o = run(&["bogus"], "");
    assert_eq!(o.status.code(), Some(2));
}

/// Deterministic readings for several streams, with spikes; a malformed line in the middle.
fn sensor_lines(ndjson: bool) -> (String, Vec<(String, Vec<f64>)>) {
    let streams = ["motor_01", "motor_02", "motor_03"];
    let mut series: Vec<(String, Vec<f64>)> = streams
        .iter()
        .map(|s| (s.to_string(), Vec::new()))
        .collect();
    let mut text = if ndjson {
        String::new()
    } else {
        "timestamp,stream_id,value\n".to_owned()
    };
    for i in 0..300 {
        for (k, s) in streams.iter().enumerate() {
            let mut v = 20.0 + ((i * 7 + k * 3) % 11) as f64 * 0.3;
            if i % (97 + k * 13) == 96 {
                v += 25.0;
            }
            series[k].1.push(v);
            let secs = 1_736_935_200 + i * 60;
            if ndjson {
                text.push_str(&format!(r#"{{"stream_id":"{s}","data_type":"IOT_SENSOR","payload":{{"value":{v}}},"timestamp":{secs}}}"#));
            } else {
                text.push_str(&format!("{secs},{s},{v}"));
            }
            text.push('\n');
        }
        if i == 150 {
            text.push_str(if ndjson {
                "{\"stream_id\": \"motor_01\", \"payload\": \n"
            } else {
                "oops,motor_01\n"
            });
        }
    }
    (text, series)
}

fn check_stream(ndjson: bool) {
    let config = r#"{"method":"z_score","window_size":50,"threshold":3}"#;
    let (input, series) = sensor_lines(ndjson);
    let o = run(
        &[
            "stream",
            "--strategy",
            "anomaly_detection",
            "--config",
            config,
        ],
        &input,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let malformed_line = if ndjson { 454 } else { 455 };
    let err = stderr(&o);
    assert!(
        err.contains(&format!("stratos: line {malformed_line}: skipped: ")),
        "{err}"
    );
    assert!(err.contains("stratos: stream: 900 records"), "{err}");
    assert!(err.contains("1 skipped lines"), "{err}");
    let events: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let registry = stratos_strategies::registry();
    let strategy = registry
        .build("anomaly_detection", serde_json::from_str(config).unwrap())
        .unwrap();
    for (name, values) in &series {
        let got: Vec<f64> = events
            .iter()
            .filter(|e| e["stream_id"] == name.as_str())
            .map(|e| {
                assert_eq!(e["event"], "alert");
                assert_eq!(e["level"], "WARNING");
                e["context"]["value"].as_f64().unwrap()
            })
            .collect();
        let batch = strategy
            .execute(&Frame::from_values("value", values.clone()))
            .unwrap();
        let Some(OutputValues::Flag(flags)) = batch.outputs.get("is_anomaly") else {
            panic!("no flags")
        };
        let want: Vec<f64> = flags
            .iter()
            .zip(values)
            .filter(|(f, _)| **f)
            .map(|(_, v)| *v)
            .collect();
        assert!(!want.is_empty(), "{name} has spikes");
        assert_eq!(got, want, "{name}: stream alerts equal batch anomalies");
    }
}

#[test]
fn stream_ndjson_alerts_per_stream_and_reports_bad_lines() {
    check_stream(true);
}

#[test]
fn stream_csv_alerts_per_stream_and_reports_bad_lines() {
    check_stream(false);
}

#[test]
fn stream_on_error_fail_stops_with_65() {
    let (input, _) = sensor_lines(false);
    let o = run(
        &[
            "stream",
            "--strategy",
            "anomaly_detection",
            "--on-error",
            "fail",
        ],
        &input,
    );
    assert_eq!(o.status.code(), Some(65));
    assert_eq!(
        stderr(&o).trim_end(),
        "stratos: line 455: expected 3 fields, found 2"
    );
}

#[test]
fn stream_into_a_closed_pipe_exits_quietly() {
    let mut child = spawn(&[
        "stream",
        "--strategy",
        "moving_average",
        "--config",
        r#"{"period":2}"#,
    ]);
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for i in 0..200_000 {
            let line = format!(
                "{{\"stream_id\":\"s\",\"payload\":{{\"price\":{}}}}}\n",
                100 + i % 7
            );
            if input.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(
        first.starts_with(r#"{"event":"strategy_result","stream_id":"s""#),
        "{first}"
    );
    // stdout is dropped here, as `| head -1` does.
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn strategies_lists_keys_defaults_and_ranges() {
    let o = run(&["strategies"], "");
    assert!(o.status.success());
    let t = stdout(&o);
    assert!(t.contains("moving_average  (SIGNAL, batch + online"), "{t}");
    assert!(t.contains("window_size"), "{t}");
    let o = run(&["strategies", "--format", "json"], "");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "anomaly_detection",
            "arima_prediction",
            "auto_analysis",
            "hybrid_arima_ma",
            "moving_average",
            "trend_analysis",
            "window_aggregate"
        ]
    );
}

/// A seeded random walk with drift, as `date,close` CSV.
fn walk_csv(n: usize) -> String {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut x = 100.0;
    let mut out = String::from("date,close\n");
    for i in 0..n {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x += 0.05 + ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5);
        let day =
            stratos_core::Timestamp::from_epoch_seconds(1_600_000_000 + i as i64 * 86_400).unwrap();
        out.push_str(&format!("{},{x:.4}\n", &day.to_string()[..10]));
    }
    out
}

#[test]
fn run_arima_prediction_and_hybrid() {
    let p = file("walk.csv", &walk_csv(300));
    let o = run(
        &[
            "run",
            "arima_prediction",
            p.to_str().unwrap(),
            "--config",
            r#"{"p":2,"d":1,"q":2,"steps":5}"#,
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    assert!(
        t.starts_with("strategy    arima_prediction (PREDICTION)\n"),
        "{t}"
    );
    assert!(
        t.contains("\nforecast\nstep  timestamp             prediction  lower 95%  upper 95%\n"),
        "{t}"
    );
    assert_eq!(
        t.lines()
            .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            .count(),
        5,
        "{t}"
    );
    let o = run(
        &[
            "run",
            "arima_prediction",
            p.to_str().unwrap(),
            "--config",
            r#"{"p":2,"d":1,"q":2,"steps":5}"#,
            "--format",
            "json",
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["type"], "PREDICTION");
    assert_eq!(
        v["data"]["modelParams"],
        serde_json::json!({"p": 2, "d": 1, "q": 2})
    );
    assert_eq!(v["data"]["predictions"].as_array().unwrap().len(), 5);
    assert!(v["metrics"]["aic"].as_f64().unwrap().is_finite());
    let o = run(
        &[
            "run",
            "hybrid_arima_ma",
            p.to_str().unwrap(),
            "--config",
            r#"{"arimaConfig":{"p":1,"d":1,"q":1,"steps":3},"maConfig":{"period":20}}"#,
            "--format",
            "json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(["STRONG", "WEAK", "CONFLICT"].contains(&v["data"]["consensus"].as_str().unwrap()));
    assert!(v["metrics"]["signalAlignment"].is_number());
    let o = run(&["run", "arima_prediction", "-"], PRICES);
    assert_eq!(o.status.code(), Some(65));
    assert_eq!(
        stderr(&o).trim_end(),
        "stratos: arima_prediction: needs at least 100 data points in `close`, got 5"
    );
    let o = run(&["stream", "--strategy", "arima_prediction"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no online form"), "{}", stderr(&o));
}

#[test]
fn help_has_examples() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["stream", "--help"],
        &["strategies", "--help"],
    ] {
        let o = run(args, "");
        assert!(o.status.success());
        assert!(stdout(&o).contains("Examples:"), "{args:?}");
    }
}

const PRICES_JSON: &str = r#"{"data": [
  {"date": "2024-01-01", "quote": {"close": 10}},
  {"date": "2024-01-02", "quote": {"close": 11}},
  {"date": "2024-01-03", "quote": {"close": 12}},
  {"date": "2024-01-04", "quote": {"close": 13}},
  {"date": "2024-01-05", "quote": {"close": 11}}
]}
"#;

#[test]
fn run_moving_average_on_json_and_text_logs() {
    let p = file("prices.json", PRICES_JSON);
    let o = run(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "--config",
            r#"{"period":3}"#,
            "--format",
            "csv",
        ],
        "",
    );
    assert_eq!(stderr(&o), "");
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "date,quote.close,sma,signal\n\
         2024-01-01T00:00:00Z,10,,\n\
         2024-01-02T00:00:00Z,11,,\n\
         2024-01-03T00:00:00Z,12,11,BUY\n\
         2024-01-04T00:00:00Z,13,12,BUY\n\
         2024-01-05T00:00:00Z,11,12,SELL\n"
    );
    // The same from stdin, by content and by --input-format.
    for extra in [&[][..], &["--input-format", "json"]] {
        let mut args = vec!["run", "moving_average", "-", "--config", r#"{"period":3}"#];
        args.extend_from_slice(&["--format", "csv"]);
        args.extend_from_slice(extra);
        let again = run(&args, PRICES_JSON);
        assert!(again.status.success(), "{}", stderr(&again));
        assert_eq!(stdout(&again), stdout(&o));
    }
    let log = "2024-01-01: Close 10\n2024-01-02: Close 11\n2024-01-03: Close 12\n";
    let o = run(
        &[
            "run",
            "moving_average",
            "-",
            "--config",
            r#"{"period":2}"#,
            "--format",
            "csv",
            "--input-format",
            "text",
        ],
        log,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "timestamp,close,sma,signal\n\
         2024-01-01T00:00:00Z,10,,\n\
         2024-01-02T00:00:00Z,11,10.5,BUY\n\
         2024-01-03T00:00:00Z,12,11.5,BUY\n"
    );
    let o = run(
        &["run", "moving_average", "-", "--input-format", "json"],
        "[1]",
    );
    assert_eq!(o.status.code(), Some(65));
    assert_eq!(
        stderr(&o).trim_end(),
        "stratos: <stdin>: record 0: expected an object, found a number"
    );
}

const OHLCV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/data/ohlcv_daily.csv"
);
const SENSOR_NDJSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/data/sensor_stream.ndjson"
);

#[test]
fn inspect_detects_financial_data_in_a_table() {
    let o = run(&["inspect", OHLCV, "--rows", "2"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("detected type    financial_data\n"), "{out}");
    assert!(out.contains("rows             2500\n"), "{out}");
    assert!(out.contains("time field       date\n"), "{out}");
    assert!(
        out.contains("strategies       moving_average, arima_prediction, hybrid_arima_ma\n"),
        "{out}"
    );
    assert!(out.contains("first 2 of 2500 rows\n"), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("2015-01-0")).count(),
        2
    );
}

#[test]
fn inspect_json_has_the_seed_shape() {
    let o = run(&["inspect", SENSOR_NDJSON, "--format", "json"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "confidence",
            "detected_type",
            "format",
            "records_processed",
            "sample",
            "schema",
            "suggested_strategies",
            "units"
        ]
    );
    let mut schema: Vec<&str> = v["schema"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    schema.sort_unstable();
    assert_eq!(
        schema,
        ["category_fields", "timestamp_field", "value_fields"]
    );
    assert_eq!(v["detected_type"], "sensor_data");
    assert_eq!(v["records_processed"], 600);
    assert_eq!(v["format"], "ndjson");
    assert_eq!(v["schema"]["timestamp_field"], "timestamp");
    assert_eq!(v["sample"].as_array().unwrap().len(), 5);
    assert_eq!(v["sample"][0]["stream_id"], "motor_01");
    assert_eq!(v["sample"][0]["temperature"], 71.81);
    let c = v["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
    assert_eq!(v["suggested_strategies"][0], "anomaly_detection");
}

#[test]
fn inspect_reads_stdin_and_reports_a_missing_file() {
    let o = run(
        &["inspect", "-", "--format", "json", "--rows", "0"],
        "value\n1\n2\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["detected_type"], "custom");
    assert!(v["confidence"].as_f64().unwrap() <= 0.5);
    assert_eq!(v["format"], "auto");
    assert_eq!(v["sample"], serde_json::json!([]));
    let o = run(&["inspect", "no/such/file.csv"], "");
    assert_eq!(o.status.code(), Some(66));
    assert!(stdout(&o).is_empty());
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn inspect_help_has_examples() {
    let o = run(&["inspect", "--help"], "");
    assert!(o.status.success());
    assert!(stdout(&o).contains("Examples:"));
}

const SENSORS_XLSX: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../stratos-ingest/tests/data/sensors.xlsx"
);

#[test]
fn run_moving_average_on_an_xlsx_sheet() {
    let expected = "ts,load,sma,signal\n\
                    2025-01-15T00:00:00Z,10,,\n\
                    2025-01-16T00:00:00Z,20,15,BUY\n\
                    2025-01-17T00:00:00Z,30,25,BUY\n";
    let common = ["--config", r#"{"period":2}"#, "--format", "csv"];
    let mut args = vec!["run", "moving_average", SENSORS_XLSX, "--sheet", "other"];
    args.extend_from_slice(&common);
    let o = run(&args, "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected);
    // From stdin, by --input-format, the sheet by index.
    let mut child = bin()
        .args([
            "run",
            "moving_average",
            "-",
            "--input-format",
            "xlsx",
            "--sheet",
            "1",
        ])
        .args(common)
        .stdin(std::fs::File::open(SENSORS_XLSX).unwrap())
        .output()
        .unwrap();
    assert!(child.status.success(), "{}", stderr(&child));
    assert_eq!(stdout(&child), expected);
    child = run(
        &["run", "moving_average", SENSORS_XLSX, "--sheet", "nope"],
        "",
    );
    assert!(!child.status.success());
    assert!(
        stderr(&child).contains("no sheet `nope`; the sheets are readings, other"),
        "{}",
        stderr(&child)
    );
}

#[test]
fn inspect_reads_a_spreadsheet_sheet() {
    let xlsx = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../stratos-ingest/tests/data/sensors.xlsx"
    );
    let o = run(&["inspect", xlsx, "--sheet", "0", "--format", "json"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format"], "spreadsheet");
    assert_eq!(v["records_processed"], 4);
    // A sheet that is not there is a bad option: a usage error.
    let o = run(&["inspect", xlsx, "--sheet", "nosuch"], "");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1);
}

/// A fixture of stratos-ingest's.
fn ingest_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../stratos-ingest/tests/data/{name}"))
}

#[test]
fn inspect_reads_a_pdf_table_in_a_child_process() {
    let pdf = ingest_data("report.pdf");
    let o = run(
        &[
            "inspect",
            pdf.to_str().unwrap(),
            "--format",
            "json",
            "--rows",
            "1",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format"], "pdf");
    assert_eq!(v["records_processed"], 60);
    assert_eq!(v["schema"]["timestamp_field"], "date");
    assert_eq!(
        v["sample"][0],
        serde_json::json!({"date": "2025-03-01T00:00:00Z", "region": "west",
                           "revenue": 1000.0, "units": 10.0})
    );
    // The same bytes on stdin, found by content, through `run`.
    let o = bin()
        .args([
            "run",
            "moving_average",
            "-",
            "--field",
            "revenue",
            "--format",
            "json",
        ])
        .stdin(std::fs::File::open(&pdf).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["type"], "SIGNAL");
    assert_eq!(v["data"]["currentPrice"], 13097.75);
}

#[test]
fn a_bad_pdf_is_one_error_line_and_exit_65() {
    let garbage = file("garbage.pdf", "%PDF-1.7\nnot really a PDF\n");
    let o = run(&["inspect", garbage.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(65));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "stratos: {}: not a readable PDF",
            garbage.display()
        )),
        "{err}"
    );
    // A PDF named .csv: its content wins, and it is still extracted in a child process.
    let pdf_bytes = std::fs::read(ingest_data("report.pdf")).unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    let misnamed = dir.join("report_pdf.csv");
    std::fs::write(&misnamed, pdf_bytes).unwrap();
    let o = run(&["inspect", misnamed.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("\nformat           pdf\nrows             60\n"),
        "{}",
        stdout(&o)
    );
    let o = run(&["inspect", "no/such/file.pdf"], "");
    assert_eq!(o.status.code(), Some(66));
    assert_eq!(stderr(&o).lines().count(), 1);
}
