//! Integration tests of stratos-ingest, one binary (STYLE.md, Tests): fixtures in
//! `tests/data/`, exact values read back, errors with their lines, and never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

mod csv;
mod hostile;
mod hostile_gen;
mod json;
mod locale;
mod ndjson;
#[cfg(any(feature = "xlsx", feature = "pdf"))]
mod office;
#[cfg(feature = "pdf")]
mod pdf;
mod robustness;
mod seeds;
mod sources;
mod stream;
mod text;
mod wrong_extension;
#[cfg(feature = "xlsx")]
mod xlsx;

use std::path::PathBuf;

/// A fixture under `tests/data/`.
pub(crate) fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

/// Asserts two frames hold the same data (NaN equal to NaN, which `Frame`'s `PartialEq`
/// does not allow).
pub(crate) fn assert_same_frame(a: &stratos_core::Frame, b: &stratos_core::Frame) {
    assert_eq!(a.len(), b.len());
    assert_eq!(a.schema(), b.schema());
    assert_eq!(a.timestamps(), b.timestamps());
    for (x, y) in a.numeric_columns().iter().zip(b.numeric_columns()) {
        let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(x.name, y.name);
        assert_eq!(bits(&x.values), bits(&y.values));
    }
    for (x, y) in a.category_columns().iter().zip(b.category_columns()) {
        assert_eq!(x.name(), y.name());
        assert_eq!(x.dictionary(), y.dictionary());
        assert_eq!(x.codes(), y.codes());
    }
}
