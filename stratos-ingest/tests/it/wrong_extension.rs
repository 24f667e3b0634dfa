//! Every fixture, truncated, empty and garbage file under every extension: a frame or a
//! bad-data error naming the file, never a panic (a PDF named `.csv`, an XLSX named
//! `.json`, garbage named `.pdf`, `.xlsx` or `.ods`, …).

use std::path::{Path, PathBuf};

use stratos_ingest::{ReadOptions, read_path};

use crate::data;

const FIXTURES: [&str; 12] = [
    "comma.csv",
    "tab.tsv",
    "records.ndjson",
    "prices.json",
    "motors.log",
    "weather.txt",
    "sensors.xlsx",
    "plain.ods",
    "lo_readings.xlsx",
    "lo_readings.ods",
    "lo_readings.pdf",
    "report.pdf",
];

const EXTENSIONS: [&str; 11] = [
    "csv", "tsv", "json", "ndjson", "log", "xlsx", "xls", "ods", "pdf", "bin", "",
];

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wrong_extension");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `bytes` as `stem.ext` and reads it: a consistent frame or a bad-data error that
/// starts with the path.
fn answered(stem: &str, ext: &str, bytes: &[u8]) {
    #[cfg(feature = "pdf")]
    stratos_ingest::silence_contained_panics();
    let name = if ext.is_empty() {
        stem.to_owned()
    } else {
        format!("{stem}.{ext}")
    };
    let path = dir().join(name);
    std::fs::write(&path, bytes).unwrap();
    match read_path(&path, &ReadOptions::default()) {
        Ok(f) => {
            assert!(
                f.numeric_columns()
                    .iter()
                    .all(|c| c.values.len() == f.len())
            );
            assert!(f.category_columns().iter().all(|c| c.len() == f.len()));
        }
        Err(e) => {
            assert!(e.is_bad_data(), "{}: {e:?}", path.display());
            let shown = e.to_string();
            assert!(shown.starts_with(&*path.display().to_string()), "{shown}");
        }
    }
}

fn stem(name: &str) -> String {
    Path::new(name)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace('.', "_")
}

#[test]
fn every_fixture_under_every_extension_is_read_or_refused() {
    for name in FIXTURES {
        let bytes = std::fs::read(data(name)).unwrap();
        for ext in EXTENSIONS {
            answered(&stem(name), ext, &bytes);
        }
    }
}

#[test]
fn truncated_fixtures_under_every_extension_are_read_or_refused() {
    for name in FIXTURES {
        let bytes = std::fs::read(data(name)).unwrap();
        for cut in [1, 7, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
            for ext in EXTENSIONS {
                answered(&format!("{}_cut{cut}", stem(name)), ext, &bytes[..cut]);
            }
        }
    }
}

#[test]
fn empty_and_garbage_files_under_every_extension_are_read_or_refused() {
    // A fixed xorshift stream: the same garbage on every run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect();
    let mut fake_zip = b"PK\x03\x04".to_vec();
    fake_zip.extend_from_slice(&garbage);
    let mut fake_pdf = b"%PDF-1.7\n".to_vec();
    fake_pdf.extend_from_slice(&garbage);
    let mut fake_ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    fake_ole.extend_from_slice(&garbage);
    for ext in EXTENSIONS {
        answered("empty", ext, b"");
        answered("blank", ext, b" \n\n\t\n");
        answered("garbage", ext, &garbage);
        answered("fake_zip", ext, &fake_zip);
        answered("fake_pdf", ext, &fake_pdf);
        answered("fake_ole", ext, &fake_ole);
    }
}

#[cfg(all(feature = "pdf", feature = "xlsx"))]
#[test]
fn binary_content_beats_a_text_extension() {
    for (name, ext, rows) in [
        ("report.pdf", "csv", 60),
        ("lo_readings.xlsx", "json", 70),
        ("lo_readings.ods", "log", 70),
    ] {
        let path = dir().join(format!("{}.{ext}", stem(name)));
        std::fs::write(&path, std::fs::read(data(name)).unwrap()).unwrap();
        let f = read_path(&path, &ReadOptions::default()).unwrap();
        assert_eq!(f.len(), rows, "{name} as .{ext}");
    }
}
