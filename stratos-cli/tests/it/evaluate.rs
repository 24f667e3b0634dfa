//! `stratos evaluate` end to end on the tiny NAB-shaped corpus in `tests/data/nab/mini`.
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use super::common::stratos as run;

fn corpus() -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "tests",
        "data",
        "nab",
        "mini",
    ]
    .iter()
    .collect()
}

/// NAB's scaled sigmoid (SCORING.md section 4).
fn sigmoid(x: f64) -> f64 {
    2.0 / (1.0 + (5.0 * x).exp()) - 1.0
}

#[test]
fn scores_the_mini_corpus_and_writes_nab_results() {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("evaluate_results");
    let _ = std::fs::remove_dir_all(&out_dir);
    let corpus = corpus();
    let out = run(&[
        "evaluate",
        corpus.to_str().unwrap(),
        "--config",
        r#"{"method":"z_score","window_size":50}"#,
        "--format",
        "json",
        "--results-dir",
        out_dir.to_str().unwrap(),
        "--detector",
        "zs",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"], 3);
    assert_eq!(v["windows"], 2);
    assert_eq!(v["rows"], 800);
    // The z-score flags the spike (row 200 of window 185..=214) and the shift (row 150 of
    // 140..=169) first, and nothing else scores as high: raw = v(200) + v(150), with
    // v = S(−(e − i + 1)/w) / S(−1).
    let max_tp = sigmoid(-1.0);
    let raw = sigmoid(-15.0 / 30.0) / max_tp + sigmoid(-20.0 / 30.0) / max_tp;
    let profiles = v["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 3);
    for (p, null) in profiles.iter().zip([-2.0, -2.0, -4.0]) {
        assert!((p["raw"].as_f64().unwrap() - raw).abs() < 1e-12, "{p}");
        let norm = 100.0 * (raw - null) / (2.0 - null);
        assert!((p["normalized"].as_f64().unwrap() - norm).abs() < 1e-9);
        assert_eq!(p["windows"]["f1"], 1.0);
        assert_eq!(p["per_file"].as_array().unwrap().len(), 3);
    }
    // NAB's results layout.
    let spike = std::fs::read_to_string(out_dir.join("zs/synthetic/zs_spike.csv")).unwrap();
    let lines: Vec<&str> = spike.lines().collect();
    assert_eq!(lines[0], "timestamp,value,anomaly_score,label");
    assert_eq!(lines.len(), 301);
    assert_eq!(lines[1], "2015-01-01 00:00:00,10,0,0");
    let labelled = lines[1..].iter().filter(|l| l.ends_with(",1")).count();
    assert_eq!(labelled, 30);
    assert!(out_dir.join("zs/shift/zs_level.csv").exists());
    assert!(out_dir.join("zs/synthetic/zs_quiet.csv").exists());
}

#[test]
fn table_output_names_each_profile() {
    let out = run(&[
        "evaluate",
        corpus().to_str().unwrap(),
        "--config",
        r#"{"method":"ewma","window_size":30}"#,
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("3 files, 2 windows, 800 rows"), "{text}");
    assert!(lines[1].starts_with("profile"), "{text}");
    for (line, title) in lines[2..]
        .iter()
        .zip(["Standard", "Reward Low FP", "Reward Low FN"])
    {
        assert!(line.starts_with(title), "{text}");
    }
}

#[test]
fn errors_have_exit_codes() {
    let out = run(&["evaluate", "no/such/corpus"]);
    assert_eq!(out.status.code(), Some(66));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("stratos: no/such/corpus/labels/combined_windows.json: ")
    );
    let corpus = corpus();
    let out = run(&[
        "evaluate",
        corpus.to_str().unwrap(),
        "--config",
        r#"{"method":"lof"}"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        "evaluate",
        corpus.to_str().unwrap(),
        "--strategy",
        "moving_average",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gives no anomaly scores"));
}

/// Scoring the results layout we wrote gives the same numbers as the run that wrote it.
#[test]
fn scores_mode_reads_the_results_layout_back() {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("evaluate_scores_mode");
    let _ = std::fs::remove_dir_all(&out_dir);
    let corpus = corpus();
    let config =
        r#"{"method":"ewma","window_size":40,"adaptiveThreshold":true,"suppress_window":20}"#;
    let run_json = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["evaluate", corpus.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let ran = run_json(&[
        "--config",
        config,
        "--results-dir",
        out_dir.to_str().unwrap(),
        "--detector",
        "ew",
    ]);
    let scored = run_json(&["--scores", out_dir.to_str().unwrap(), "--detector", "ew"]);
    assert_eq!(ran["profiles"], scored["profiles"]);
    let out = run(&[
        "evaluate",
        corpus.to_str().unwrap(),
        "--scores",
        out_dir.to_str().unwrap(),
        "--detector",
        "missing",
    ]);
    assert_eq!(out.status.code(), Some(66));
}

#[test]
fn cv_by_category_holds_each_category_out() {
    let out = run(&[
        "evaluate",
        corpus().to_str().unwrap(),
        "--config",
        r#"[{"method":"ewma","window_size":30},{"method":"z_score","window_size":50}]"#,
        "--cv",
        "category",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cv = &v["cv"]["profiles"];
    assert_eq!(cv.as_array().unwrap().len(), 3);
    let folds = cv[0]["folds"].as_array().unwrap();
    let cats: Vec<&str> = folds
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert_eq!(cats, ["shift", "synthetic"]);
    // The corpus-level score is the folds' raw scores summed and normalised.
    let raw: f64 = folds.iter().map(|f| f["raw"].as_f64().unwrap()).sum();
    assert!((cv[0]["raw"].as_f64().unwrap() - raw).abs() < 1e-12);
    let (null, perfect) = (
        cv[0]["null_raw"].as_f64().unwrap(),
        cv[0]["perfect"].as_f64().unwrap(),
    );
    let want = 100.0 * (raw - null) / (perfect - null);
    assert!((cv[0]["normalized"].as_f64().unwrap() - want).abs() < 1e-9);
    // A list of configs without --cv is a usage error.
    let out = run(&[
        "evaluate",
        corpus().to_str().unwrap(),
        "--config",
        r#"[{"method":"auto"}]"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
}
