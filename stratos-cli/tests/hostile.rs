//! The CLI against hostile and unclear input: read budgets from flags, the sheet chosen
//! and named, errors that say what and where with their exit codes (2 usage, 65 data,
//! 66 missing input).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

mod common;
use common::{run, stderr, stdout};

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
