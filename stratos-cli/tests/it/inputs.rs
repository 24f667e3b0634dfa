//! `run` on the same prices as ISO CSV, US-date and European CSV (written by pandas), and in
//! gzip/zstd/bzip2/zip containers: byte-identical results; the locale flags and their errors.

use super::common::{run, stderr, stdout};

fn fixture(rel: &str) -> String {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../stratos-ingest/tests/data")
        .join(rel)
        .to_str()
        .unwrap()
        .to_owned()
}

fn run_json(file: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        "moving_average",
        file,
        "--config",
        r#"{"period":5,"data_field":"price"}"#,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run(&args, "")
}

#[test]
fn dates_and_decimal_marks_give_the_same_result() {
    let want = run_json(&fixture("locale/iso_dates.csv"), &[]);
    assert!(want.status.success(), "{}", stderr(&want));
    for (file, extra) in [
        ("locale/us_dates.csv", &[][..]),
        ("locale/us_dates.csv", &["--date-format", "%m/%d/%Y"][..]),
        ("locale/eu_dates.csv", &[][..]),
        (
            "locale/eu_dates.csv",
            &["--delimiter", ";", "--decimal", ","][..],
        ),
    ] {
        let got = run_json(&fixture(file), extra);
        assert!(got.status.success(), "{file}: {}", stderr(&got));
        assert_eq!(stdout(&got), stdout(&want), "{file} {extra:?}");
    }
    let amb = run_json(&fixture("locale/ambiguous_dates.csv"), &[]);
    assert_eq!(amb.status.code(), Some(65));
    assert!(
        stderr(&amb)
            .contains("column `date`: expected dates whose order of day and month can be told"),
        "{}",
        stderr(&amb)
    );
    let fixed = run_json(
        &fixture("locale/ambiguous_dates.csv"),
        &["--date-format", "%m/%d/%Y"],
    );
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    let bad = run_json(&fixture("locale/iso_dates.csv"), &["--decimal", ";"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("--decimal `;`: expected `.` or `,`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn containers_give_the_same_result_and_missing_inputs_exit_66() {
    let want = run_json(&fixture("containers/prices.csv"), &[]);
    assert!(want.status.success(), "{}", stderr(&want));
    for name in [
        "prices.csv.gz",
        "prices.csv.zst",
        "prices.csv.bz2",
        "prices.zip",
        "prices.dat",
    ] {
        let got = run_json(&fixture(&format!("containers/{name}")), &[]);
        assert!(got.status.success(), "{name}: {}", stderr(&got));
        assert_eq!(stdout(&got), stdout(&want), "{name}");
    }
    let missing = run_json("no/such/prices.csv.gz", &[]);
    assert_eq!(missing.status.code(), Some(66), "{}", stderr(&missing));
    let dir = run_json(&fixture("containers"), &[]);
    assert_eq!(dir.status.code(), Some(66), "{}", stderr(&dir));
}

#[test]
fn several_files_or_a_glob_give_one_tagged_result_per_file() {
    let pattern = fixture("containers/prices.csv*");
    let o = run(
        &[
            "run",
            "moving_average",
            &pattern,
            "--config",
            r#"{"period":5,"data_field":"price"}"#,
            "--format",
            "json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let all: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let sources: Vec<&str> = all.iter().map(|r| r["source"].as_str().unwrap()).collect();
    let names: Vec<&str> = sources
        .iter()
        .map(|s| s.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "prices.csv",
            "prices.csv.bz2",
            "prices.csv.gz",
            "prices.csv.zst"
        ]
    );
    assert!(
        all.iter()
            .all(|r| r["result"] == all[0]["result"] && r["rows"] == 60)
    );
    let two = run(
        &[
            "run",
            "moving_average",
            &fixture("containers/prices.csv"),
            &fixture("locale/us_dates.csv"),
            "--config",
            r#"{"period":5,"data_field":"price"}"#,
            "--format",
            "ndjson",
        ],
        "",
    );
    assert!(two.status.success(), "{}", stderr(&two));
    let rows: Vec<serde_json::Value> = stdout(&two)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 90);
    assert!(
        rows[0]["source"]
            .as_str()
            .unwrap()
            .ends_with("containers/prices.csv")
    );
    assert!(
        rows[89]["source"]
            .as_str()
            .unwrap()
            .ends_with("locale/us_dates.csv")
    );
    let none = run(&["run", "moving_average", "no/such/*.csv"], "");
    assert_eq!(none.status.code(), Some(66), "{}", stderr(&none));
    assert!(
        stderr(&none).contains("the pattern matches no file"),
        "{}",
        stderr(&none)
    );
}
