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
