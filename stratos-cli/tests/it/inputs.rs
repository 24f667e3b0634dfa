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
