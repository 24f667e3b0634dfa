//! `stratos sql`: tables of every format, every output format, `--explain`, the Stratos
//! functions, exit codes, and every `stratos sql --help` example run as written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{file, json, ok, stderr, stdout, stratos};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sensor_csv() -> String {
    repo()
        .join("examples/data/sensor_stream.csv")
        .to_str()
        .unwrap()
        .to_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sql");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const ZSCORE: &str = "SELECT stream_id, timestamp, value, stratos_zscore(value, 5) OVER (PARTITION BY stream_id ORDER BY timestamp) AS z FROM s ORDER BY stream_id, timestamp";

#[test]
fn window_functions_run_per_stream_and_match_stratos_run() {
    let table = format!("s={}", sensor_csv());
    let rows = json(&["sql", ZSCORE, "--table", &table, "--format", "json"]);
    let rows = rows.as_array().unwrap();
    // The z of each motor_01 row against its previous 5 values equals `stratos run`'s zscore
    // column for that stream.
    let motor: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["stream_id"] == "motor_01")
        .collect();
    assert!(motor.len() > 10);
    assert!(
        motor[..5]
            .iter()
            .all(|r| r.get("z").is_none_or(serde_json::Value::is_null))
    );
    let values: Vec<f64> = motor.iter().map(|r| r["value"].as_f64().unwrap()).collect();
    let strategy = stratos_strategies::registry()
        .build(
            "anomaly_detection",
            serde_json::json!({"method": "z_score", "window_size": 5}),
        )
        .unwrap();
    let result = strategy
        .execute(&stratos_core::Frame::from_values("value", values))
        .unwrap();
    let Some(stratos_core::OutputValues::Number(want)) = result.outputs.get("zscore") else {
        panic!("no zscore column");
    };
    for (r, w) in motor.iter().zip(want) {
        let got = r.get("z").and_then(serde_json::Value::as_f64);
        match got {
            Some(g) => assert_eq!(g.to_bits(), w.to_bits()),
            None => assert!(w.is_nan()),
        }
    }
}

#[test]
fn every_output_format_and_table_format_round_trips() {
    let table = format!("s={}", sensor_csv());
    let query = "SELECT stream_id, value, stratos_sma(value, 3) OVER (PARTITION BY stream_id ORDER BY timestamp) AS sma FROM s ORDER BY stream_id, timestamp LIMIT 12";
    let csv = ok(&["sql", query, "--table", &table, "--format", "csv"]);
    assert!(csv.starts_with("stream_id,value,sma\n"), "{csv}");
    assert_eq!(csv.lines().count(), 13);
    let ndjson = ok(&["sql", query, "--table", &table, "--format", "ndjson"]);
    assert_eq!(ndjson.lines().count(), 12);
    let table_text = ok(&["sql", query, "--table", &table]);
    assert!(table_text.contains("| stream_id |"), "{table_text}");

    // Parquet and Arrow IPC out, then read back as tables (by extension and by :format).
    let parquet = scratch("out.parquet");
    let arrow = scratch("out.arrow");
    let data = scratch("out.data");
    for (path, format) in [(&parquet, "parquet"), (&arrow, "arrow"), (&data, "arrow")] {
        let out = stratos(&[
            "sql",
            query,
            "--table",
            &table,
            "--format",
            format,
            "--output",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let back = "SELECT stream_id, value, sma FROM r ORDER BY stream_id, value, sma";
    let from_csv = ok(&[
        "sql",
        &format!("SELECT stream_id, value, sma FROM ({query}) r ORDER BY stream_id, value, sma"),
        "--table",
        &table,
        "--format",
        "csv",
    ]);
    assert_eq!(from_csv.lines().count(), 13);
    // An empty result still has its header.
    let empty = ok(&[
        "sql",
        "SELECT * FROM s WHERE value > 1e9",
        "--table",
        &table,
        "--format",
        "csv",
    ]);
    assert_eq!(empty, "timestamp,stream_id,value\n");
    for t in [
        format!("r={}", parquet.display()),
        format!("r={}", arrow.display()),
        format!("r={}:arrow", data.display()),
    ] {
        let got = ok(&["sql", back, "--table", &t, "--format", "csv"]);
        assert_eq!(got, from_csv, "{t}");
    }

    // NDJSON tables.
    let nd = file(
        "sql_readings.ndjson",
        "{\"s\":\"a\",\"t\":1,\"v\":1.0}\n{\"s\":\"a\",\"t\":2,\"v\":3.0}\n{\"s\":\"b\",\"t\":1,\"v\":5.0}\n",
    );
    let got = ok(&[
        "sql",
        "SELECT s, t, stratos_ema(v, 3) OVER (PARTITION BY s ORDER BY t) AS e FROM r ORDER BY s, t",
        "--table",
        &format!("r={}", nd.display()),
        "--format",
        "csv",
    ]);
    assert_eq!(got, "s,t,e\na,1,1.0\na,2,2.0\nb,1,5.0\n");
}

#[test]
fn aggregates_forecast_and_quantile() {
    let bars = format!(
        "bars={}",
        repo().join("examples/data/ohlcv_daily.csv").display()
    );
    let rows = json(&[
        "sql",
        "SELECT unnest(stratos_forecast(CAST(date AS TIMESTAMP), close, '{\"p\":1,\"d\":1,\"q\":1,\"steps\":3}')) AS f FROM bars",
        "--table",
        &bars,
        "--format",
        "json",
    ]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    // The same numbers as `stratos run arima_prediction` on the file.
    let run = json(&[
        "run",
        "arima_prediction",
        repo()
            .join("examples/data/ohlcv_daily.csv")
            .to_str()
            .unwrap(),
        "--config",
        "{\"p\":1,\"d\":1,\"q\":1,\"steps\":3}",
        "--format",
        "json",
    ]);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["f"]["step"], i + 1);
        assert_eq!(r["f"]["forecast"], run["data"]["predictions"][i], "{r}");
        assert_eq!(
            r["f"]["lower"],
            run["data"]["confidenceInterval"]["lower"][i]
        );
        assert_eq!(
            r["f"]["upper"],
            run["data"]["confidenceInterval"]["upper"][i]
        );
    }
    let table = format!("s={}", sensor_csv());
    let q = json(&[
        "sql",
        "SELECT stream_id, stratos_quantile(value, 0.5) AS p50 FROM s GROUP BY stream_id ORDER BY stream_id",
        "--table",
        &table,
        "--format",
        "json",
        "--partitions",
        "3",
    ]);
    assert!(
        q.as_array()
            .unwrap()
            .iter()
            .all(|r| r["p50"].as_f64().is_some())
    );
}

#[test]
fn explain_prints_the_plans() {
    let table = format!("s={}", sensor_csv());
    let plan = ok(&["sql", ZSCORE, "--table", &table, "--explain"]);
    assert!(plan.contains("logical_plan"), "{plan}");
    assert!(plan.contains("physical_plan"), "{plan}");
    assert!(plan.contains("stratos_zscore"), "{plan}");
    assert!(plan.contains("WindowAggExec"), "{plan}");
}

#[test]
fn errors_have_their_exit_codes() {
    let table = format!("s={}", sensor_csv());
    let code = |args: &[&str]| {
        let o = stratos(args);
        assert!(stdout(&o).is_empty(), "{args:?}");
        let e = stderr(&o);
        assert_eq!(e.trim_end().lines().count(), 1, "one line: {e}");
        (o.status.code().unwrap(), e)
    };
    let (c, e) = code(&["sql", "SELEC 1", "--table", &table]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("SELEC"), "{e}");
    let (c, e) = code(&["sql", "SELECT * FROM nope", "--table", &table]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("nope"), "{e}");
    let (c, e) = code(&[
        "sql",
        "SELECT stratos_sma(value, 0) OVER (ORDER BY timestamp) FROM s",
        "--table",
        &table,
    ]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("stratos_sma") && e.contains("period"), "{e}");
    let (c, e) = code(&["sql", "SELECT 1", "--table", "s=/no/such/file.csv"]);
    assert_eq!(c, 66, "{e}");
    assert!(e.contains("/no/such/file.csv"), "{e}");
    let (c, e) = code(&["sql", "SELECT 1", "--table", "s=README.md"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains(":csv"), "{e}");
    let (c, e) = code(&["sql", "SELECT 1", "--table", "no-equals"]);
    assert_eq!(c, 2, "{e}");
    let (c, e) = code(&["sql", "SELECT 1", "--format", "parquet"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("--output"), "{e}");
    let bad = file("sql_bad.csv", "a,b\n1,2\n3\n");
    let (c, e) = code(&[
        "sql",
        "SELECT * FROM t",
        "--table",
        &format!("t={}", bad.display()),
    ]);
    assert_eq!(c, 65, "{e}");
}

#[test]
fn every_sql_help_example_runs_as_written() {
    let help = ok(&["sql", "--help"]);
    let bin = env!("CARGO_BIN_EXE_stratos");
    let mut ran = 0;
    for line in help
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("stratos "))
    {
        let script = line.replacen("stratos ", &format!("{bin} "), 1);
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", &script])
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`{line}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "`{line}` printed nothing");
        ran += 1;
    }
    assert!(ran >= 5, "{ran} examples");
}
