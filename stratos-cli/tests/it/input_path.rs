//! Issue 11 items 1, 2, 4, 8, 9: one input path for the library and the CLI (time order,
//! streams, field choice), the seed's configs as written, and honest output.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stratos_core::prepare::{self, ExecuteRequest};
use stratos_core::{CategoryColumn, Frame, OutputValues, Timestamp};
use stratos_ingest::{ReadOptions, read_path};

use crate::common::{bin, file};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> Frame {
    read_path(path, &ReadOptions::default()).unwrap()
}

/// The CLI's stdout and stderr, asserting success.
fn cli(args: &[&str]) -> (String, String) {
    let out = bin().args(args).current_dir(repo()).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

fn flagged(values: Option<&OutputValues>) -> Vec<bool> {
    match values {
        Some(OutputValues::Flag(f)) => f.clone(),
        other => panic!("no is_anomaly flags: {other:?}"),
    }
}

/// The library's `registry().build(..).execute(&frame)` on the multi-stream sample finds the
/// anomalies `stratos run` finds, stream by stream, with the same per-stream results.
#[test]
fn library_runs_streams_like_the_cli() {
    let path = repo().join("examples/data/sensor_stream.csv");
    let config = json!({"window_size": 50, "threshold": 3});
    let result = stratos_strategies::registry()
        .build("anomaly_detection", config.clone())
        .unwrap()
        .execute(&read(&path))
        .unwrap();
    let flags = flagged(result.outputs.get("is_anomaly"));
    let lib_count = flags.iter().filter(|f| **f).count();
    assert!(lib_count >= 3, "library found {lib_count} anomalies");

    let (stdout, _) = cli(&[
        "run",
        "anomaly_detection",
        "examples/data/sensor_stream.csv",
        "--config",
        &config.to_string(),
        "--format",
        "json",
    ]);
    let runs: Value = serde_json::from_str(&stdout).unwrap();
    let lib_streams = &result.data["streams"];
    assert_eq!(&runs, lib_streams, "per-stream results differ");
    let cli_count: f64 = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"]["metrics"]["anomaly_count"].as_f64().unwrap())
        .sum();
    assert_eq!(cli_count as usize, lib_count);
}

/// Every `stratos run` example of `stratos --help` and `stratos run --help` gives, with
/// `--format json`, the result the library gives on the same file and config.
#[test]
fn help_run_examples_agree_with_the_library() {
    let help = |cmd: &[&str]| {
        let out = bin().args(cmd).arg("--help").output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let text = help(&[]) + &help(&["run"]);
    let mut compared = 0;
    for line in text.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("stratos run ") else {
            continue;
        };
        // The words of the example, quotes removed (the examples quote only JSON).
        let mut words: Vec<String> = Vec::new();
        let mut quoted: Option<String> = None;
        for w in rest.split(' ') {
            match &mut quoted {
                Some(q) => {
                    q.push(' ');
                    q.push_str(w.trim_end_matches('\''));
                    if w.ends_with('\'') {
                        words.push(quoted.take().unwrap());
                    }
                }
                None if w.starts_with('\'') && !(w.ends_with('\'') && w.len() > 1) => {
                    quoted = Some(w.trim_start_matches('\'').to_owned());
                }
                None => words.push(w.trim_matches('\'').to_owned()),
            }
        }
        let (strategy, input) = (words[0].clone(), words[1].clone());
        let mut config = Value::Null;
        let mut field = None;
        let mut i = 2;
        while i < words.len() {
            match words[i].as_str() {
                "--config" | "-c" => config = serde_json::from_str(&words[i + 1]).unwrap(),
                "--field" => field = Some(words[i + 1].clone()),
                _ => {}
            }
            i += 2;
        }
        if let Some(f) = field {
            if config.is_null() {
                config = json!({});
            }
            config["data_field"] = Value::from(f);
        }
        let mut args = vec!["run".to_owned(), strategy.clone(), input.clone()];
        if !config.is_null() {
            args.extend(["--config".to_owned(), config.to_string()]);
        }
        args.extend(["--format".to_owned(), "json".to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (stdout, _) = cli(&args);
        let cli_json: Value = serde_json::from_str(&stdout).unwrap();
        let lib = stratos_strategies::registry()
            .build(&strategy, config)
            .unwrap()
            .execute(&read(&repo().join(&input)))
            .unwrap();
        let lib_json = match &cli_json {
            Value::Array(_) => lib.data["streams"].clone(),
            _ => serde_json::to_value(&lib).unwrap(),
        };
        assert_eq!(cli_json, lib_json, "`{line}`: library and CLI differ");
        compared += 1;
    }
    assert!(compared >= 4, "only {compared} run examples found");
}

fn newest_first_csv() -> (PathBuf, PathBuf) {
    let mut rows: Vec<String> = (0..60)
        .map(|i| {
            let price = 100.0 + f64::from(i) + if i % 7 == 0 { 3.0 } else { 0.0 };
            format!("2024-03-{:02}T00:00:00Z,{price}", 1 + i / 2)
                .replace("T00:", if i % 2 == 0 { "T00:" } else { "T12:" })
        })
        .collect();
    let clean = file(
        "clean.csv",
        &format!("timestamp,price\n{}\n", rows.join("\n")),
    );
    rows.reverse();
    let newest = file(
        "newest_first.csv",
        &format!("timestamp,price\n{}\n", rows.join("\n")),
    );
    (clean, newest)
}

/// A newest-first file is sorted, with one note, in `run` and `backtest`; the result is the
/// clean file's, in the CLI and in the library.
#[test]
fn newest_first_input_is_sorted_with_one_note() {
    let (clean, newest) = newest_first_csv();
    let args = |p: &Path| {
        vec![
            "run".to_owned(),
            "moving_average".to_owned(),
            p.display().to_string(),
            "--config".to_owned(),
            "period=5".to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ]
    };
    let run = |p: &Path| {
        let a = args(p);
        cli(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (want, quiet) = run(&clean);
    assert_eq!(quiet, "");
    let (got, note) = run(&newest);
    assert_eq!(got, want);
    assert_eq!(
        note,
        format!("stratos: note: {}\n", prepare::NEWEST_FIRST_NOTE)
    );

    let registry = stratos_strategies::registry();
    let s = registry
        .build("moving_average", json!({"period": 5}))
        .unwrap();
    let lib_clean = s.execute(&read(&clean)).unwrap();
    let lib_newest = s.execute(&read(&newest)).unwrap();
    let v = |r: &stratos_core::StrategyResult| serde_json::to_value(r).unwrap();
    assert_eq!(v(&lib_clean), v(&lib_newest));
    assert_eq!(
        serde_json::to_value(&lib_clean).unwrap(),
        serde_json::from_str::<Value>(&want).unwrap()
    );
    let frame = read(&newest);
    assert_eq!(
        prepare::time_order(&frame).unwrap().note,
        Some(prepare::NEWEST_FIRST_NOTE)
    );

    // The timestamp column survives to --format csv.
    let (csv, _) = cli(&[
        "run",
        "moving_average",
        &newest.display().to_string(),
        "-c",
        "period=5",
        "--format",
        "csv",
    ]);
    assert!(csv.starts_with("timestamp,"), "{csv}");
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("2024-03-01T00:00:00Z"),
        "{csv}"
    );
}

/// An IoT frame of two fields, no close/price/value: anomaly detection analyses both (the
/// temperature spike is found), a moving average asks which field, names match in any case.
#[test]
fn field_choice_analyses_every_field_or_asks() {
    let n = 200;
    let ts: Vec<Timestamp> = (0..n)
        .map(|i| Timestamp::from_epoch_seconds(1_700_000_000 + 60 * i).unwrap())
        .collect();
    let temperature: Vec<f64> = (0..n)
        .map(|i| {
            if i == 150 {
                400.0
            } else {
                70.0 + (i % 5) as f64 * 0.1
            }
        })
        .collect();
    let power: Vec<f64> = (0..n).map(|i| 5.0 + (i % 3) as f64 * 0.01).collect();
    let frame = Frame::builder()
        .timestamps("timestamp", ts)
        .numeric("power_draw", power)
        .numeric("Temperature", temperature)
        .build()
        .unwrap();
    let registry = stratos_strategies::registry();
    let r = registry
        .build("anomaly_detection", json!({"threshold": 2.5}))
        .unwrap()
        .execute(&frame)
        .unwrap();
    assert!(
        flagged(r.outputs.get("is_anomaly"))[150],
        "spike missed: {:?}",
        r.data
    );

    let e = registry
        .build("moving_average", json!({"period": 5}))
        .unwrap()
        .execute(&frame)
        .unwrap_err()
        .to_string();
    assert!(e.contains("power_draw, Temperature"), "{e}");
    let r = registry
        .build(
            "moving_average",
            json!({"period": 5, "field": "temperature"}),
        )
        .unwrap()
        .execute(&frame)
        .unwrap();
    assert_eq!(r.outputs.field.as_deref(), Some("Temperature"));

    let r = registry
        .build("trend_analysis", Value::Null)
        .unwrap()
        .execute(&frame)
        .unwrap();
    assert_eq!(r.data["fields"].as_array().unwrap().len(), 2, "{}", r.data);
}

/// Every config of the seeds is accepted, or refused saying what to write instead.
#[test]
fn every_seed_config_is_accepted_or_refused_with_advice() {
    let seeds: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(repo().join("stratos-cli/tests/data/seed_configs.json")).unwrap(),
    )
    .unwrap();
    let registry = stratos_strategies::registry();
    for seed in &seeds {
        let id = seed["strategy_id"].as_str().unwrap();
        let name = seed["seed"].as_str().unwrap();
        match registry.build(id, seed["config"].clone()) {
            Ok(_) => {}
            Err(e) => {
                let e = e.to_string();
                let advice = ["remove the key", "or remove the key", "expected one of"];
                assert!(
                    advice.iter().any(|a| e.contains(a)),
                    "{name}: refused without advice: {e}"
                );
                // Only the keys with no meaning here may be refused.
                assert!(
                    ["seasonalityDetection", "outlierHandling", "one_class_svm"]
                        .iter()
                        .any(|k| e.contains(k)),
                    "{name}: refused: {e}"
                );
            }
        }
    }
    assert!(seeds.len() >= 17);
}

/// `auto_analysis` (the seed's webhook strategy) detects the schema and runs each suggested
/// strategy: the CLI prints the library's result, and its table names every strategy run.
#[test]
fn auto_analysis_runs_the_suggested_strategies_in_library_and_cli() {
    let path = repo().join("examples/data/ohlcv_daily.csv");
    let lib = stratos_strategies::registry()
        .build("auto_analysis", Value::Null)
        .unwrap()
        .execute(&read(&path))
        .unwrap();
    assert_eq!(lib.data["detected_type"], "financial_data");
    let ids: Vec<&str> = lib.data["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["strategy_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["moving_average", "arima_prediction", "hybrid_arima_ma"]
    );
    let (json_out, _) = cli(&[
        "run",
        "auto_analysis",
        "examples/data/ohlcv_daily.csv",
        "--format",
        "json",
    ]);
    assert_eq!(json_out, serde_json::to_string_pretty(&lib).unwrap() + "\n");
    let (table, _) = cli(&["run", "auto_analysis", "examples/data/ohlcv_daily.csv"]);
    assert!(
        table.contains("detected          financial_data (suggests moving_average, arima_prediction, hybrid_arima_ma)"),
        "{table}"
    );
    for id in ids {
        assert!(
            table.lines().any(|l| l.starts_with(id)),
            "no line for {id}: {table}"
        );
    }
}

/// The seed's keys do what the seed means: `maxDataPoints` keeps the newest N rows,
/// `time_window` is the anomaly's reference window in time, `historical_data_filter` cuts
/// the series, `alert_level: "error"` is the ERROR level.
#[test]
fn seed_keys_do_what_the_seed_means() {
    let (clean, _) = newest_first_csv();
    let frame = read(&clean);
    let registry = stratos_strategies::registry();
    let last_20 = frame
        .select_rows(&(frame.len() - 20..frame.len()).collect::<Vec<_>>())
        .unwrap();
    let ma = |c: Value, f: &Frame| {
        let r = registry
            .build("moving_average", c)
            .unwrap()
            .execute(f)
            .unwrap();
        serde_json::to_value(r).unwrap()
    };
    assert_eq!(
        ma(json!({"period": 5, "maxDataPoints": 20}), &frame),
        ma(json!({"period": 5}), &last_20)
    );
    // Rows are 12 h apart: a 2-day window is 4 rows.
    let an = |c: Value| {
        let r = registry
            .build("anomaly_detection", c)
            .unwrap()
            .execute(&frame)
            .unwrap();
        serde_json::to_value(r).unwrap()
    };
    assert_eq!(
        an(json!({"time_window": 172_800})),
        an(json!({"window_size": 4}))
    );
    let request: ExecuteRequest = serde_json::from_value(json!({
        "strategy_id": "moving_average",
        "config": {"period": 5},
        "historical_data_filter": {"start_date": "2024-03-05", "end_date": "2024-03-20"}
    }))
    .unwrap();
    let cut = serde_json::to_value(registry.execute_request(&request, &frame).unwrap()).unwrap();
    let rows: Vec<usize> = (8..40).collect();
    assert_eq!(
        cut,
        ma(json!({"period": 5}), &frame.select_rows(&rows).unwrap())
    );
    // The same cut from the CLI.
    let (stdout, _) = cli(&[
        "run",
        "moving_average",
        &clean.display().to_string(),
        "-c",
        "period=5",
        "--start",
        "2024-03-05",
        "--end",
        "2024-03-20",
        "--format",
        "json",
    ]);
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap(), cut);
    let s = registry
        .build("anomaly_detection", json!({"alert_level": "error"}))
        .unwrap();
    assert_eq!(s.config()["alert_level"], "ERROR");
}

/// `--plot` refuses any extension but `.svg` and `.png`, naming the path, before doing any
/// work.
#[test]
fn plot_refuses_other_extensions() {
    let out = bin()
        .args([
            "backtest",
            "moving_average",
            "examples/data/ohlcv_daily.csv",
            "--plot",
            "/nonexistent/chart.jpg",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(
        e.contains("--plot /nonexistent/chart.jpg: the chart is written as SVG or PNG"),
        "{e}"
    );
}

/// `--plot chart.png` writes a PNG (not SVG bytes): the signature and the 1200 x 1000 size in
/// its header.
#[test]
fn plot_writes_png_for_png_paths() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plot");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("chart.PNG");
    let _ = std::fs::remove_file(&path);
    let out = bin()
        .args([
            "backtest",
            "moving_average",
            "examples/data/ohlcv_daily.csv",
            "--config",
            r#"{"fast":10,"slow":20}"#,
            "--plot",
            path.to_str().unwrap(),
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&path).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{:?}", &png[..8]);
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 1000));
}

/// A stream column keyed by category text splits in the library as in `run`.
#[test]
fn stream_groups_are_the_library_rule() {
    let mut s = CategoryColumn::new("sensor_id");
    for k in ["a", "b", "a", "b"] {
        s.push(Some(k));
    }
    let f = Frame::builder()
        .numeric("value", vec![1.0, 2.0, 3.0, 4.0])
        .category(s)
        .build()
        .unwrap();
    let groups = prepare::stream_groups(&f, None).unwrap();
    assert_eq!(groups.map(|g| g.len()), Some(2));
}
