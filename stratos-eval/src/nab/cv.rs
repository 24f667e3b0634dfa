//! Leave-one-category-out cross-validation of anomaly detectors on a labelled corpus: the
//! honest counterpart of NAB's in-sample score, where the threshold (and, with several
//! candidates, the detector) is chosen on the other categories and scored on the held-out one.
//!
//! # Examples
//! ```
//! use stratos_eval::nab::{LabelledFile, PROFILES, cross_validate_by_category};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Two categories, one file each, one window each; the candidate flags each window's start.
//! let files = vec![
//!     LabelledFile::new("a/x.csv", 200, vec![(100, 119)])?,
//!     LabelledFile::new("b/y.csv", 200, vec![(150, 169)])?,
//! ];
//! let mut x = vec![0.0; 200];
//! x[100] = 1.0;
//! let mut y = vec![0.0; 200];
//! y[150] = 1.0;
//! let report = cross_validate_by_category(&files, &[vec![x, y]], &PROFILES[..1])?;
//! // Each category is scored at the threshold learnt on the other: 1.0, a perfect detection.
//! assert!((report.profiles[0].normalized - 100.0).abs() < 1e-9);
//! # Ok(()) }
//! ```

use serde::Serialize;

use super::score::{LabelledFile, NabError, Profile, optimize_threshold, score_file};

/// The category of a corpus file: its NAB key up to the first `/` (the whole key without one).
pub fn category(name: &str) -> &str {
    name.split_once('/').map_or(name, |(c, _)| c)
}

/// One held-out category of a leave-one-category-out cross-validation, under one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvFold {
    /// The held-out category.
    pub category: String,
    /// Files in it.
    pub files: usize,
    /// Index of the candidate chosen on the other categories.
    pub chosen: usize,
    /// The threshold chosen on the other categories (NAB's optimisation over them).
    pub threshold: f64,
    /// The chosen candidate's normalised score on the other categories (in-sample there).
    pub train_normalized: f64,
    /// Raw NAB score of the held-out files at that candidate and threshold.
    pub raw: f64,
    /// Its null (−fnWeight per scorable window) and perfect (tpWeight per window) raw scores.
    pub null_raw: f64,
    /// The perfect raw score of the held-out files.
    pub perfect: f64,
    /// `100 · (raw − null) / (perfect − null)`; `None` for a category without windows (its raw
    /// score, false positives only, still counts in the corpus-level combination).
    pub normalized: Option<f64>,
}

/// Leave-one-category-out cross-validation of a set of candidate detectors under one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvProfile {
    /// The profile.
    pub profile: Profile,
    /// One fold per category, in order of first appearance.
    pub folds: Vec<CvFold>,
    /// Sum of the folds' held-out raw scores.
    pub raw: f64,
    /// The corpus null raw score (sum of the folds').
    pub null_raw: f64,
    /// The corpus perfect raw score.
    pub perfect: f64,
    /// The corpus-level combination: `100 · (raw − null) / (perfect − null)`, every file scored
    /// by a candidate and threshold chosen without its category.
    pub normalized: f64,
}

/// Leave-one-category-out cross-validation (see [`cross_validate_by_category`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvReport {
    /// One entry per profile.
    pub profiles: Vec<CvProfile>,
}

/// Leave-one-category-out cross-validation of candidate detectors on a labelled corpus.
///
/// `candidates[c][k]` holds candidate `c`'s anomaly scores for `files[k]`. For each category
/// (the part of a file's name before `/`) and each profile: on the files of the *other*
/// categories, every candidate gets NAB's optimised threshold and score; the best candidate
/// (the first among equals) and its threshold are then applied, unchanged, to the held-out
/// category's files. The corpus-level combination sums the held-out raw scores of all
/// categories and normalises them like NAB's score, so it reads on the same 0–100 scale: what
/// the whole selection procedure (candidate and threshold) scores on data it did not see.
/// With one candidate, only its threshold is chosen out of sample.
///
/// # Errors
/// [`NabError`] when the scores do not fit the files, or there are no candidates.
pub fn cross_validate_by_category<S: AsRef<[f64]>>(
    files: &[LabelledFile],
    candidates: &[Vec<S>],
    profiles: &[Profile],
) -> Result<CvReport, NabError> {
    if candidates.is_empty() {
        return Err(NabError::FileCount {
            expected: files.len(),
            got: 0,
        });
    }
    let mut categories: Vec<&str> = Vec::new();
    for f in files {
        let c = category(f.name());
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    let mut out = Vec::with_capacity(profiles.len());
    for profile in profiles {
        let mut folds = Vec::with_capacity(categories.len());
        let (mut raw, mut null_raw, mut perfect) = (0.0, 0.0, 0.0);
        for &cat in &categories {
            let held: Vec<usize> = (0..files.len())
                .filter(|&k| category(files[k].name()) == cat)
                .collect();
            let train: Vec<usize> = (0..files.len())
                .filter(|&k| category(files[k].name()) != cat)
                .collect();
            let train_files: Vec<LabelledFile> = train.iter().map(|&k| files[k].clone()).collect();
            let train_windows: usize = train_files.iter().map(|f| f.windows().len()).sum();
            let mut best: Option<(usize, f64, f64)> = None;
            for (c, scores) in candidates.iter().enumerate() {
                let s: Vec<&[f64]> = train.iter().map(|&k| scores[k].as_ref()).collect();
                let (threshold, r) = optimize_threshold(&train_files, &s, profile)?;
                if best.is_none_or(|(_, _, b)| r > b) {
                    best = Some((c, threshold, r));
                }
            }
            let Some((chosen, threshold, train_raw)) = best else {
                continue;
            };
            // The training normalisation counts windows with a scorable row as the null.
            let mut train_null = 0.0;
            for &k in &train {
                let fs = score_file(
                    &files[k],
                    candidates[chosen][k].as_ref(),
                    profile,
                    threshold,
                )?;
                train_null -= profile.fn_weight * fs.windows.windows as f64;
            }
            let train_perfect = profile.tp_weight * train_windows as f64;
            let train_normalized = if train_perfect > train_null {
                100.0 * (train_raw - train_null) / (train_perfect - train_null)
            } else {
                0.0
            };
            let (mut fold_raw, mut fold_null, mut fold_windows) = (0.0, 0.0, 0usize);
            for &k in &held {
                let fs = score_file(
                    &files[k],
                    candidates[chosen][k].as_ref(),
                    profile,
                    threshold,
                )?;
                fold_raw += fs.raw;
                fold_null -= profile.fn_weight * fs.windows.windows as f64;
                fold_windows += files[k].windows().len();
            }
            let fold_perfect = profile.tp_weight * fold_windows as f64;
            raw += fold_raw;
            null_raw += fold_null;
            perfect += fold_perfect;
            folds.push(CvFold {
                category: cat.to_owned(),
                files: held.len(),
                chosen,
                threshold,
                train_normalized,
                raw: fold_raw,
                null_raw: fold_null,
                perfect: fold_perfect,
                normalized: (fold_perfect > fold_null)
                    .then(|| 100.0 * (fold_raw - fold_null) / (fold_perfect - fold_null)),
            });
        }
        let normalized = if perfect > null_raw {
            100.0 * (raw - null_raw) / (perfect - null_raw)
        } else {
            0.0
        };
        out.push(CvProfile {
            profile: *profile,
            folds,
            raw,
            null_raw,
            perfect,
            normalized,
        });
    }
    Ok(CvReport { profiles: out })
}
