//! Replays the fuzz corpus on stable Rust, as an ordinary test: every file in
//! `fuzz/corpus/<target>/` (the seed inputs) and in `fuzz/regressions/<target>/` (minimised
//! crashes, kept forever) goes through the matching `stratos::fuzzing` body, the same
//! function the cargo-fuzz target calls.
//!
//! A failure names every input that panicked. To add a regression: copy the minimised input
//! from `fuzz/artifacts/<target>/` to `fuzz/regressions/<target>/` under a name that says
//! what it exercises.

use std::path::{Path, PathBuf};

type Body = fn(&[u8]);

/// Every fuzz target with its body. A target in `fuzz/fuzz_targets/` missing here fails
/// `every_fuzz_target_is_replayed`.
const TARGETS: [(&str, Body); 12] = [
    ("csv", stratos::fuzzing::csv),
    ("ndjson", stratos::fuzzing::ndjson),
    ("json", stratos::fuzzing::json),
    ("text", stratos::fuzzing::text),
    ("timestamp", stratos::fuzzing::timestamp),
    ("strategy_config", stratos::fuzzing::strategy_config),
    ("series", stratos::fuzzing::series),
    ("xlsx", stratos::fuzzing::xlsx),
    ("pdf", stratos::fuzzing::pdf),
    ("sniff", stratos::fuzzing::sniff),
    ("parquet", stratos::fuzzing::parquet),
    ("arrow", stratos::fuzzing::arrow),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files directly in `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-text panic)".to_owned())
}

/// Runs `target`'s body on every input in `fuzz/<dir>/<target>/` for each of `dirs`.
fn replay_dirs(target: &str, dirs: &[&str]) {
    let body = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|&(_, body)| body)
        .unwrap_or_else(|| panic!("no fuzz body for `{target}`"));
    let inputs: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| files(&fuzz_dir().join(dir).join(target)))
        .collect();
    let mut failures = Vec::new();
    for path in &inputs {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Err(payload) = std::panic::catch_unwind(|| body(&data)) {
            failures.push(format!("{}: {}", path.display(), panic_message(&*payload)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs of `{target}` panicked:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
}

/// Runs `target`'s body on its seed corpus, which must not be empty, and its regressions.
fn replay(target: &str) {
    assert!(
        !files(&fuzz_dir().join("corpus").join(target)).is_empty(),
        "fuzz/corpus/{target}/ is empty or missing: commit a few seed inputs"
    );
    replay_dirs(target, &["corpus", "regressions"]);
}

#[test]
fn csv_corpus_replays() {
    replay("csv");
}

#[test]
fn ndjson_corpus_replays() {
    replay("ndjson");
}

#[test]
fn json_corpus_replays() {
    replay("json");
}

#[test]
fn text_corpus_replays() {
    replay("text");
}

#[test]
fn timestamp_corpus_replays() {
    replay("timestamp");
}

#[test]
fn strategy_config_corpus_replays() {
    replay("strategy_config");
}

#[test]
fn series_corpus_replays() {
    replay("series");
}

#[test]
fn xlsx_corpus_replays() {
    replay("xlsx");
}

#[test]
fn pdf_corpus_replays() {
    replay("pdf");
}

#[test]
fn sniff_corpus_replays() {
    replay("sniff");
}

#[test]
fn parquet_corpus_replays() {
    replay("parquet");
}

#[test]
fn arrow_corpus_replays() {
    replay("arrow");
}

#[test]
fn every_fuzz_target_is_replayed() {
    let targets: Vec<String> = files(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    assert!(!targets.is_empty(), "no fuzz targets found");
    for t in &targets {
        assert!(
            TARGETS.iter().any(|(name, _)| name == t),
            "fuzz target `{t}` has no replay in tests/it/fuzz_corpus.rs"
        );
    }
    for (name, _) in TARGETS {
        assert!(targets.iter().any(|t| t == name), "no fuzz target `{name}`");
    }
}
