//! The CLI against hostile and unclear input: read budgets from flags, the sheet chosen
//! and named, errors that say what and where with their exit codes (2 usage, 65 data,
//! 66 missing input).

use std::path::PathBuf;

use crate::common::{self, run, stderr, stdout};

/// A fixture of stratos-ingest's tests.
fn ingest_data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../stratos-ingest/tests/data")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_cover_page_is_passed_over_and_the_sheet_read_is_named() {
    let x = ingest_data("cover_sheet.xlsx");
    let o = run(
        &[
            "run",
            "moving_average",
            &x,
            "--config",
            r#"{"period":2}"#,
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "note: read sheet `readings` (the first with a time and a numeric column; sheets: \
         Cover, notes, readings; choose with --sheet)\n"
    );
    assert!(stdout(&o).contains("temperature"), "{}", stdout(&o));
    // --sheet is obeyed without a note.
    let o = run(&["inspect", &x, "--sheet", "notes"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert!(
        stdout(&o)
            .contains("sheets           Cover (4 × 2), notes (3 × 2, read), readings (5 × 3)\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn inspect_lists_every_sheet_with_its_shape() {
    let x = ingest_data("cover_sheet.xlsx");
    let o = run(&["inspect", &x, "--format", "json"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["sheet"], "readings");
    assert_eq!(
        v["sheets"],
        serde_json::json!([
            {"name": "Cover", "rows": 4, "columns": 2, "read": false},
            {"name": "notes", "rows": 3, "columns": 2, "read": false},
            {"name": "readings", "rows": 5, "columns": 3, "read": true},
        ])
    );
}

#[test]
fn read_budgets_come_from_flags() {
    let x = ingest_data("cover_sheet.xlsx");
    let o = run(&["run", "moving_average", &x, "--max-cells", "5"], "");
    assert_eq!(o.status.code(), Some(65));
    assert_eq!(
        stderr(&o),
        format!(
            "stratos: {x}[Cover]: input exceeds the limit of 5 cells (raise it with --max-cells)\n"
        )
    );
    let o = run(&["inspect", &x, "--max-memory", "1K"], "");
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("input exceeds the limit of 1024 "),
        "{}",
        stderr(&o)
    );
    let o = run(
        &[
            "inspect",
            &x,
            "--max-memory",
            "64M",
            "--max-line-bytes",
            "1M",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["inspect", &x, "--max-memory", "12Q"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`12Q` is not a byte count (digits with K, M or G, above 0)"),
        "{}",
        stderr(&o)
    );
}

/// The victim's stream: 16 sensors, 60 readings each (one a minute), a spike in each at
/// reading 50; after each victim line, `attack(i)` lines.
fn tenant_csv(attack: impl Fn(usize) -> Vec<String>) -> String {
    let mut s = String::from("timestamp,tenant,stream_id,value\n");
    let mut i = 0;
    for r in 0..60 {
        for k in 0..16 {
            let t = 1_705_312_800 + r * 60;
            let v = if r == 50 { 90 } else { 20 + (r + k) % 5 };
            s.push_str(&format!("{t},victim,sensor_{k:02},{v}\n"));
            for line in attack(i) {
                s.push_str(&line);
                s.push('\n');
            }
            i += 1;
        }
    }
    s
}

/// The victim's events, as printed.
fn victim_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v["tenant"] == "victim")
        })
        .map(str::to_owned)
        .collect()
}

fn stream(csv: &str, extra: &[&str]) -> (Vec<String>, String) {
    let policies = common::file(
        "victim_tenants.json",
        r#"{"tenants": [{"tenant_id": "victim", "limits": {"max_concurrent_streams": 16}}],
            "default": {"limits": {"max_concurrent_streams": 2}}}"#,
    );
    let mut args = vec![
        "stream",
        "--strategy",
        "anomaly_detection",
        "--config",
        r#"{"window_size":20,"threshold":4}"#,
        "--tenant-field",
        "tenant",
        "--tenants",
        policies.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = run(&args, csv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (victim_lines(&stdout(&o)), stderr(&o))
}

#[test]
fn a_junk_tenant_flood_leaves_the_victims_output_unchanged() {
    let (alone, _) = stream(&tenant_csv(|_| Vec::new()), &[]);
    let alerts = alone.iter().filter(|l| l.contains("\"alert\"")).count();
    assert_eq!(alerts, 16, "{alone:?}");
    // 12,000 junk tenant names, past the engine's 10,000, before the victim's first line.
    let body = tenant_csv(|_| Vec::new());
    let (header, rest) = body.split_once('\n').unwrap();
    let mut junk = format!("{header}\n");
    for i in 0..12_000 {
        junk.push_str(&format!("1705312800,junk_{i},s,1\n"));
    }
    junk.push_str(rest);
    let (attacked, err) = stream(&junk, &[]);
    assert_eq!(attacked, alone);
    assert!(err.contains("unknown tenant"), "{err}");
}

#[test]
fn rotating_tenant_names_under_max_streams_leave_the_victims_output_unchanged() {
    let (alone, _) = stream(&tenant_csv(|_| Vec::new()), &["--max-streams", "24"]);
    assert_eq!(alone.iter().filter(|l| l.contains("\"alert\"")).count(), 16);
    let rotating = tenant_csv(|i| {
        (0..3)
            .map(|k| format!("1705312800,rot_{},s{k},1", i % 5_000))
            .collect()
    });
    let (attacked, _) = stream(&rotating, &["--max-streams", "24"]);
    assert_eq!(attacked, alone);
}

const PRICES: &str = "date,close\n2024-01-01,10\n2024-01-02,11\n2024-01-03,12\n";

/// 60 daily OHLCV bars.
fn ohlcv() -> PathBuf {
    let mut s = String::from("date,open,high,low,close,volume\n");
    for i in 0..60 {
        let day = 1 + i % 28;
        let month = 1 + i / 28;
        s.push_str(&format!(
            "2024-{month:02}-{day:02},{},{},{},{},1000\n",
            100 + i % 7,
            102 + i % 7,
            99 + i % 7,
            101 + i % 5
        ));
    }
    common::file("hostile_ohlcv.csv", &s)
}

#[test]
fn a_text_column_names_its_first_non_number_and_exits_65() {
    let p = common::file(
        "text_price.csv",
        "date,price\n2024-01-01,10\n2024-01-02,n/a?\n2024-01-03,12\n",
    );
    let o = run(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "--field",
            "price",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(65));
    assert_eq!(
        stderr(&o),
        "stratos: moving_average: `price` is a text column, not a numeric one: data row 2 \
         holds `n/a?`, which is not a number (numeric fields: none)\n"
    );
}

#[test]
fn a_bad_duration_names_its_key_not_an_untagged_enum() {
    let p = common::file("prices_w.csv", PRICES);
    let o = run(
        &[
            "run",
            "window_aggregate",
            p.to_str().unwrap(),
            "-c",
            r#"{"window": true}"#,
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains("untagged"), "{err}");
    assert_eq!(
        err,
        "stratos: window_aggregate: invalid config: key `window`: invalid type: boolean \
         `true`, expected whole seconds (0 or more), or a duration such as \"90s\", \"5m\", \
         \"1h\", \"1d\"\n"
    );
}

#[test]
fn a_config_array_is_refused_not_read_by_position() {
    let p = common::file("prices_a.csv", PRICES);
    let o = run(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "-c",
            "[5, 10]",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "stratos: moving_average: invalid config: expected a JSON object of config keys, \
         found an array (keys are not read by position)\n"
    );
}

#[test]
fn refit_every_zero_is_a_usage_error() {
    let p = ohlcv();
    let o = run(
        &[
            "backtest",
            "arima_prediction",
            p.to_str().unwrap(),
            "--refit-every",
            "0",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "invalid value '0' for '--refit-every <N>': `0` is not a whole number of at least 1"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn plot_errors_name_the_path() {
    let p = ohlcv();
    let o = run(
        &[
            "backtest",
            "moving_average",
            p.to_str().unwrap(),
            "--plot",
            "/nonexistent/dir/x.svg",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "stratos: writing the plot: --plot /nonexistent/dir/x.svg: No such file or directory \
         (os error 2)\n"
    );
}

#[test]
fn a_directory_as_input_exits_66() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile_dir.csv");
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    for args in [
        vec!["run", "moving_average", d],
        vec!["inspect", d],
        vec!["backtest", "moving_average", d],
    ] {
        let o = run(&args, "");
        assert_eq!(o.status.code(), Some(66), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{d}: cannot read input")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_slow_valid_config_gets_a_cost_warning() {
    let p = common::file("prices_c.csv", PRICES);
    let o = run(
        &[
            "run",
            "anomaly_detection",
            p.to_str().unwrap(),
            "-c",
            r#"{"method":"isolation_forest","n_trees":10000,"refit_every":1}"#,
        ],
        "",
    );
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "warning: anomaly_detection: n_trees = 10000: every record is scored by 10000 \
             trees, 100x the default's work (100 trees)\n\
             warning: anomaly_detection: refit_every = 1: with 10000 trees, 10000.0 trees are \
             rebuilt at every row"
        ),
        "{err}"
    );
    let o = run(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "-c",
            r#"{"period":1000000}"#,
        ],
        "",
    );
    assert!(
        stderr(&o).starts_with(
            "warning: moving_average: period = 1000000: each stream holds up to 1000000 values \
             (8.0 MB) once its window is full\n"
        ),
        "{}",
        stderr(&o)
    );
    // Past the documented bound: refused with key, value and range.
    let o = run(
        &[
            "run",
            "anomaly_detection",
            p.to_str().unwrap(),
            "-c",
            r#"{"n_trees":10001}"#,
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("n_trees")
            && stderr(&o).contains("10001")
            && stderr(&o).contains("1..=10000"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_huge_grid_is_refused_before_it_is_built() {
    let p = ohlcv();
    // 10^12 combinations: counted, not allocated.
    let o = run(
        &[
            "backtest",
            "moving_average",
            p.to_str().unwrap(),
            "--grid",
            "fast=1..1000000:1,slow=1..1000000:1",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "stratos: --grid `fast=1..1000000:1,slow=1..1000000:1`: optimisation: the parameter \
         grid has 1000000000000 combinations (fast: 1000000 × slow: 1000000), more than the \
         limit of 100000; narrow the grid or raise the limit (--max-combinations, at most \
         1000000)\n"
    );
    let o = run(
        &[
            "backtest",
            "moving_average",
            p.to_str().unwrap(),
            "--grid",
            "fast=2|3,slow=5|8",
            "--max-combinations",
            "3",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("has 4 combinations (fast: 2 × slow: 2), more than the limit of 3")
    );
}

#[test]
fn evaluate_refuses_label_keys_outside_the_corpus_and_detectors_outside_the_results() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile_corpus");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("labels")).unwrap();
    std::fs::create_dir_all(root.join("data/c")).unwrap();
    let mut csv = String::from("timestamp,value\n");
    for i in 0..200 {
        csv.push_str(&format!(
            "2015-01-01 00:{:02}:{:02},{}\n",
            i / 60,
            i % 60,
            10 + i % 3
        ));
    }
    std::fs::write(root.join("data/c/f.csv"), &csv).unwrap();
    for key in ["../../escape.csv", "/etc/passwd"] {
        std::fs::write(
            root.join("labels/combined_windows.json"),
            format!(r#"{{"{key}": []}}"#),
        )
        .unwrap();
        let o = run(&["evaluate", root.to_str().unwrap()], "");
        assert_eq!(o.status.code(), Some(65), "{key}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("label key `{key}`: ")),
            "{}",
            stderr(&o)
        );
    }
    std::fs::write(
        root.join("labels/combined_windows.json"),
        r#"{"c/f.csv": []}"#,
    )
    .unwrap();
    let results = root.join("results");
    let o = run(
        &[
            "evaluate",
            root.to_str().unwrap(),
            "--results-dir",
            results.to_str().unwrap(),
            "--detector",
            "../../outside",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`../../outside`: expected a plain name"),
        "{}",
        stderr(&o)
    );
    assert!(!root.join("outside").exists() && !root.parent().unwrap().join("outside").exists());
}

#[test]
fn stream_prints_the_cost_warnings_run_prints() {
    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--config",
            r#"{"period":1000000}"#,
        ],
        "timestamp,value\n2024-01-01T00:00:00Z,1\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(
            "warning: moving_average: period = 1000000: each stream holds up to 1000000 values \
             (8.0 MB) once its window is full\n"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_arima_backtest_refitted_at_every_bar_gets_a_cost_warning() {
    // 1,100 bars; ARIMA needs 2,000 points, so every refit is a quick "not enough data" and
    // the test stays fast: the warning is about the walk, printed before it runs.
    let mut s = String::from("date,open,high,low,close,volume\n");
    for i in 0..1_100i64 {
        let t = 1_704_067_200 + i * 86_400;
        s.push_str(&format!("{t},100,102,99,{},1000\n", 100 + i % 7));
    }
    let p = common::file("hostile_long_ohlcv.csv", &s);
    let args = |refit: &'static str| {
        vec![
            "backtest".to_owned(),
            "arima_prediction".to_owned(),
            p.to_str().unwrap().to_owned(),
            "--config".to_owned(),
            r#"{"minDataPoints":2000}"#.to_owned(),
            "--refit-every".to_owned(),
            refit.to_owned(),
        ]
    };
    let every = args("1");
    let o = run(&every.iter().map(String::as_str).collect::<Vec<_>>(), "");
    assert!(
        stderr(&o).contains(
            "stratos: warning: arima_prediction: refit_every = 1: 1100 refits of \
             arima_prediction over 1100 bars, each on the whole history so far (about 6.050e5 \
             bars fitted in all); set refit_every (--refit-every) to 20 for about 55 refits\n"
        ),
        "{}",
        stderr(&o)
    );
    let default = args("20");
    let o = run(&default.iter().map(String::as_str).collect::<Vec<_>>(), "");
    assert!(!stderr(&o).contains("refits of"), "{}", stderr(&o));
}
