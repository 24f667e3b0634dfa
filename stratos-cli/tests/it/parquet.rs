//! Parquet and Arrow IPC end to end: `run`, `inspect` and `backtest` read the bundled data
//! as Parquet (several row groups) and Arrow exactly as they read it as CSV, and
//! `run --format parquet|arrow --output FILE` writes the `--format csv` rows as a typed
//! table that reads back.

use std::path::PathBuf;

use stratos_core::Frame;
use stratos_ingest::arrow::{Table, write_parquet_batches};
use stratos_ingest::{ReadOptions, read_bytes, read_path};

use super::common::{ok, stderr, stdout};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data")
        .join(name)
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("parquet");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The bundled CSV `name` written as Parquet in row groups of 97 rows, from record batches
/// of 250 rows, and as an Arrow IPC file; returns (csv, parquet, arrow) paths.
fn as_parquet_and_arrow(name: &str) -> (String, String, String) {
    let csv = example(name);
    let frame = read_path(&csv, &ReadOptions::default()).unwrap();
    let batch = Table::from_frame(&frame).to_record_batch().unwrap();
    let batches: Vec<_> = (0..batch.num_rows())
        .step_by(250)
        .map(|s| batch.slice(s, 250.min(batch.num_rows() - s)))
        .collect();
    assert!(batches.len() > 1);
    let stem = name.trim_end_matches(".csv");
    let parquet = tmp(&format!("{stem}.parquet"));
    let mut bytes = Vec::new();
    write_parquet_batches(&mut bytes, &batches, Some(97)).unwrap();
    std::fs::write(&parquet, bytes).unwrap();
    let arrow = tmp(&format!("{stem}.arrow"));
    let mut bytes = Vec::new();
    stratos_ingest::arrow::write_ipc(&frame, &mut bytes).unwrap();
    std::fs::write(&arrow, bytes).unwrap();
    let s = |p: PathBuf| p.to_str().unwrap().to_owned();
    (s(csv), s(parquet), s(arrow))
}

#[test]
fn run_on_parquet_and_arrow_equals_run_on_the_csv() {
    for (name, strategy, config) in [
        (
            "sensor_stream.csv",
            "anomaly_detection",
            r#"{"window_size": 20}"#,
        ),
        ("sensor_stream.csv", "moving_average", r#"{"period": 5}"#),
        (
            "ohlcv_daily.csv",
            "moving_average",
            r#"{"kind": "ema", "fast": 5, "slow": 20}"#,
        ),
    ] {
        let (csv, parquet, arrow) = as_parquet_and_arrow(name);
        for format in ["csv", "json", "table"] {
            let want = ok(&["run", strategy, &csv, "-c", config, "-f", format]);
            assert!(!want.is_empty());
            for input in [&parquet, &arrow] {
                let got = ok(&["run", strategy, input, "-c", config, "-f", format]);
                // The table names its input; everything else must match byte for byte.
                let got = got.replace(input.as_str(), &csv);
                assert_eq!(
                    got, want,
                    "{name} {strategy} --format {format} from {input}"
                );
            }
        }
    }
}

#[test]
fn inspect_and_backtest_take_parquet() {
    let (csv, parquet, _) = as_parquet_and_arrow("ohlcv_daily.csv");
    let args = |input: &str| {
        vec![
            "backtest".to_owned(),
            "moving_average".to_owned(),
            input.to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ]
    };
    let run = |a: Vec<String>| ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run(args(&parquet)), run(args(&csv)));
    let inspected = ok(&["inspect", &parquet]);
    assert!(inspected.contains("close"), "{inspected}");
}

/// The numeric columns of `a` (the CSV rows read back) hold the same values in `b`.
fn assert_same_numbers(a: &Frame, b: &Frame) {
    assert_eq!(a.len(), b.len());
    assert_eq!(a.timestamps(), b.timestamps());
    for c in a.numeric_columns() {
        let other = b
            .column(&c.name)
            .unwrap_or_else(|| panic!("no `{}`", c.name));
        let same = c
            .values
            .iter()
            .zip(other)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || x == y);
        assert!(same, "column `{}` differs", c.name);
    }
}

#[test]
fn format_parquet_and_arrow_write_the_csv_rows_as_a_typed_table() {
    let data = example("sensor_stream.csv");
    let data = data.to_str().unwrap();
    for strategy in ["anomaly_detection", "moving_average"] {
        let csv = ok(&["run", strategy, data, "-f", "csv"]);
        let rows = read_bytes(csv.as_bytes(), &ReadOptions::default()).unwrap();
        for (format, magic) in [("parquet", &b"PAR1"[..]), ("arrow", &b"ARROW1"[..])] {
            let out = tmp(&format!("{strategy}.{format}"));
            let printed = ok(&[
                "run",
                strategy,
                data,
                "-f",
                format,
                "--output",
                out.to_str().unwrap(),
            ]);
            assert_eq!(printed, "");
            let bytes = std::fs::read(&out).unwrap();
            assert!(bytes.starts_with(magic));
            let back = read_path(&out, &ReadOptions::default()).unwrap();
            assert_eq!(
                back.category("stream_id").unwrap().get(0),
                rows.category("stream_id").unwrap().get(0)
            );
            assert_same_numbers(&rows, &back);
        }
    }
    // Flags are booleans in the file, read back as 1 and 0.
    let out = tmp("flags.parquet");
    ok(&[
        "run",
        "anomaly_detection",
        data,
        "-f",
        "parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    let back = read_path(&out, &ReadOptions::default()).unwrap();
    let flags = back.column("is_anomaly").unwrap();
    assert!(flags.iter().all(|v| *v == 0.0 || *v == 1.0));
}

#[test]
fn binary_formats_need_an_output_file() {
    let data = example("sensor_stream.csv");
    let data = data.to_str().unwrap();
    for format in ["parquet", "arrow"] {
        let o = super::common::stratos(&["run", "moving_average", data, "-f", format]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("--format {format} writes a binary file")),
            "{}",
            stderr(&o)
        );
    }
    // `--output -` on a pipe (not a terminal) writes the file to stdout.
    let o = super::common::stratos(&["run", "moving_average", data, "-f", "parquet", "-o", "-"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.starts_with(b"PAR1"));
    let back = read_bytes(&o.stdout, &ReadOptions::default()).unwrap();
    assert!(back.len() > 100);
    // A run that fails before writing leaves the file as it was.
    let kept = tmp("kept.parquet");
    std::fs::write(&kept, "keep").unwrap();
    let o = super::common::stratos(&[
        "run",
        "moving_average",
        "no/such/input.csv",
        "-f",
        "parquet",
        "-o",
        kept.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(66), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "keep");
    // Text formats can be written to a file too.
    let out = tmp("rows.csv");
    ok(&[
        "run",
        "moving_average",
        data,
        "-f",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        stdout(&super::common::stratos(&[
            "run",
            "moving_average",
            data,
            "-f",
            "csv"
        ]))
    );
}

#[test]
fn a_hostile_parquet_file_is_bad_data() {
    let (_, parquet, _) = as_parquet_and_arrow("sensor_stream.csv");
    let mut bytes = std::fs::read(&parquet).unwrap();
    let n = bytes.len();
    bytes[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let bad = tmp("hostile.parquet");
    std::fs::write(&bad, bytes).unwrap();
    let o = super::common::stratos(&["run", "moving_average", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("malformed Parquet input"),
        "{}",
        stderr(&o)
    );
}
