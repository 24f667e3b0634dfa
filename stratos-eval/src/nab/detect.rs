//! Running an `anomaly_detection` config over a NAB-style labelled corpus and scoring it.
//!
//! # Examples
//! ```
//! use stratos_core::BuiltinStrategy;
//! use stratos_eval::nab::{LabelledFile, NabCorpus};
//! use stratos_strategies::anomaly::{AnomalyConfig, AnomalyStrategy};
//! use stratos_eval::nab::detect;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let strategy = AnomalyStrategy::from_config(AnomalyConfig { window_size: 20, ..Default::default() })?;
//! // A series with a jump at row 300, labelled 290..=329.
//! let values: Vec<f64> = (0..400).map(|i| (i % 7) as f64 + if i == 300 { 50.0 } else { 0.0 }).collect();
//! let file = LabelledFile::new("demo/a.csv", values.len(), vec![(290, 329)])?;
//! let report = detect::evaluate_series(&strategy, &[(file, values)])?;
//! assert!(report.profiles[0].normalized > 90.0);
//! # Ok(()) }
//! ```

use std::time::Instant;

use super::{LabelledFile, NabCorpus, NabError, PROFILES, ProfileScore, score_corpus};
use serde::Serialize;

use stratos_strategies::anomaly::AnomalyStrategy;

/// The scores of a detector over a corpus.
#[derive(Debug, Clone, Serialize)]
pub struct NabReport {
    /// One entry per profile (standard, reward low FP, reward low FN).
    pub profiles: Vec<ProfileScore>,
    /// The anomaly scores, one series per corpus file.
    #[serde(skip)]
    pub scores: Vec<Vec<f64>>,
    /// Rows processed.
    pub rows: usize,
    /// Seconds spent running the detector (scoring excluded).
    pub detect_seconds: f64,
    /// Seconds spent in the NAB scorer.
    pub score_seconds: f64,
}

/// Runs `strategy` over each series (its `value` column, one detector state per file, fed row
/// by row) and scores the result with NAB's rules.
///
/// # Errors
/// [`NabError`] when a series' length does not match its labelled file.
pub fn evaluate_series(
    strategy: &AnomalyStrategy,
    series: &[(LabelledFile, Vec<f64>)],
) -> Result<NabReport, NabError> {
    let start = Instant::now();
    let scores: Vec<Vec<f64>> = series
        .iter()
        .map(|(_, values)| strategy.scores(&[values]))
        .collect();
    let detect_seconds = start.elapsed().as_secs_f64();
    let files: Vec<LabelledFile> = series.iter().map(|(f, _)| f.clone()).collect();
    let start = Instant::now();
    let profiles = score_corpus(&files, &scores, &PROFILES)?;
    Ok(NabReport {
        profiles,
        rows: series.iter().map(|(_, v)| v.len()).sum(),
        scores,
        detect_seconds,
        score_seconds: start.elapsed().as_secs_f64(),
    })
}

/// [`evaluate_series`] over a loaded NAB corpus.
///
/// # Errors
/// As [`evaluate_series`].
pub fn evaluate_corpus(
    strategy: &AnomalyStrategy,
    corpus: &NabCorpus,
) -> Result<NabReport, NabError> {
    let series: Vec<(LabelledFile, Vec<f64>)> = corpus
        .series()
        .iter()
        .map(|s| (s.file.clone(), s.values.clone()))
        .collect();
    evaluate_series(strategy, &series)
}

/// Scores a detector's saved scores (one series per corpus file, as
/// [`NabCorpus::read_results`] reads them) with NAB's rules, without running a detector.
///
/// # Errors
/// [`NabError`] when the scores do not fit the corpus (count, length, NaN).
pub fn score_saved(corpus: &NabCorpus, scores: Vec<Vec<f64>>) -> Result<NabReport, NabError> {
    let start = Instant::now();
    let profiles = score_corpus(&corpus.files(), &scores, &PROFILES)?;
    Ok(NabReport {
        profiles,
        rows: corpus.row_count(),
        scores,
        detect_seconds: 0.0,
        score_seconds: start.elapsed().as_secs_f64(),
    })
}
