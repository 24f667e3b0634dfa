//! The NAB scorer: per-record anomaly scores and labelled windows in, the three NAB profile
//! scores out.
//!
//! This follows the NAB v1.1 rules (numenta/NAB, `nab/sweeper.py`, `nab/scorer.py`,
//! `nab/optimizer.py`), as specified in the project's `nab/SCORING.md`:
//!
//! * the first `L = min(floor(0.15 n), 750)` rows of a file are probationary and never scored;
//! * each row gets a weight `v_i`: inside a window `[s, e]` of width `w`,
//!   `v = tpWeight · S(−(e − i + 1) / w) / S(−1)`; outside every window `−fpWeight` before the
//!   file's first window, else `fpWeight · S(|e_prev − i| / (w_prev − 1))`, where
//!   `S(x) = 2 / (1 + e^{5x}) − 1` for `x ≤ 3` and `−1` above;
//! * at a threshold `T`, a window scores the best weight of its detections (`a_i ≥ T`) or
//!   `−fnWeight` when it has none, and every detection outside the windows adds its weight;
//! * one threshold per profile is chosen over the whole corpus (the largest raw score; ties go to
//!   the larger threshold), then `100 · (raw − null) / (perfect − null)` normalises.
//!
//! # Examples
//! ```
//! use stratos_eval::nab::{LabelledFile, PROFILES, score_corpus};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // 100 rows, one window on rows 50..=59; the detector fires on row 50 only.
//! let file = LabelledFile::new("a.csv", 100, vec![(50, 59)])?;
//! let mut scores = vec![0.0; 100];
//! scores[50] = 1.0;
//! let result = score_corpus(&[file], &[scores], &PROFILES)?;
//! assert!((result[0].normalized - 100.0).abs() < 1e-9);
//! # Ok(()) }
//! ```

use std::cmp::Ordering;

use serde::Serialize;

/// Errors of the NAB scorer and corpus reader.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NabError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file's content is malformed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The path.
        path: String,
        /// The 1-based line (0 when the whole file is at fault).
        line: usize,
        /// What was expected.
        message: String,
    },
    /// A data or results file is not a CSV with the expected columns (from `stratos-ingest`,
    /// naming the file and line).
    #[error(transparent)]
    Ingest(#[from] stratos_ingest::IngestError),
    /// A window edge names a timestamp that no data row has.
    #[error("{file}: window edge `{timestamp}` matches no data row")]
    WindowEdge {
        /// The corpus file.
        file: String,
        /// The edge's timestamp text.
        timestamp: String,
    },
    /// A window is not a valid row range of its file.
    #[error("{file}: window {start}..={end} is not a range of rows 0..{rows}")]
    WindowRange {
        /// The corpus file.
        file: String,
        /// First row.
        start: usize,
        /// Last row.
        end: usize,
        /// Number of rows in the file.
        rows: usize,
    },
    /// The detector's output has a different number of rows than the data.
    #[error("{file}: {got} anomaly scores for {expected} data rows")]
    Length {
        /// The corpus file.
        file: String,
        /// Number of data rows.
        expected: usize,
        /// Number of scores.
        got: usize,
    },
    /// An anomaly score is NaN.
    #[error("{file}: row {row}: anomaly score is NaN")]
    NanScore {
        /// The corpus file.
        file: String,
        /// The 0-based data row.
        row: usize,
    },
    /// The number of score columns differs from the number of corpus files.
    #[error("{got} score series for {expected} corpus files")]
    FileCount {
        /// Corpus files.
        expected: usize,
        /// Score series given.
        got: usize,
    },
    /// A detector could not be run on a series.
    #[error("{file}: {message}")]
    Detector {
        /// The corpus file.
        file: String,
        /// What went wrong.
        message: String,
    },
}

/// A NAB cost profile (NAB's `config/profiles.json`; `tnWeight` is never used there).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Profile {
    /// NAB's key: `standard`, `reward_low_FP_rate` or `reward_low_FN_rate`.
    pub name: &'static str,
    /// NAB's title: `Standard`, `Reward Low FP`, `Reward Low FN`.
    pub title: &'static str,
    /// Weight of a true positive.
    pub tp_weight: f64,
    /// Weight of a false positive.
    pub fp_weight: f64,
    /// Weight of a missed window.
    pub fn_weight: f64,
}

/// NAB's three profiles: standard (1, 0.11, 1), reward low FP (1, 0.22, 1) and reward low FN
/// (1, 0.11, 2), as (tpWeight, fpWeight, fnWeight).
pub const PROFILES: [Profile; 3] = [
    Profile {
        name: "standard",
        title: "Standard",
        tp_weight: 1.0,
        fp_weight: 0.11,
        fn_weight: 1.0,
    },
    Profile {
        name: "reward_low_FP_rate",
        title: "Reward Low FP",
        tp_weight: 1.0,
        fp_weight: 0.22,
        fn_weight: 1.0,
    },
    Profile {
        name: "reward_low_FN_rate",
        title: "Reward Low FN",
        tp_weight: 1.0,
        fp_weight: 0.11,
        fn_weight: 2.0,
    },
];

/// One corpus file as the scorer sees it: its row count and its windows as row ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledFile {
    name: String,
    rows: usize,
    windows: Vec<(usize, usize)>,
}

impl LabelledFile {
    /// A file of `rows` rows with anomaly windows given as inclusive row ranges `(s, e)`, in time
    /// order and not overlapping.
    ///
    /// # Errors
    /// [`NabError::WindowRange`] when a window is empty, reaches past the last row, or starts
    /// before the previous window ended.
    pub fn new(
        name: impl Into<String>,
        rows: usize,
        windows: Vec<(usize, usize)>,
    ) -> Result<Self, NabError> {
        let name = name.into();
        let mut next_free = 0usize;
        for &(start, end) in &windows {
            if start > end || end >= rows || start < next_free {
                return Err(NabError::WindowRange {
                    file: name,
                    start,
                    end,
                    rows,
                });
            }
            next_free = end + 1;
        }
        Ok(LabelledFile {
            name,
            rows,
            windows,
        })
    }

    /// A file whose windows are given by their edge timestamps (as epoch microseconds, or any
    /// comparable key): each edge maps to the first row with an equal timestamp (NAB's rule; the
    /// data may hold duplicated or non-increasing timestamps elsewhere).
    ///
    /// # Errors
    /// [`NabError::WindowEdge`] when an edge matches no row (`edge_text` names it),
    /// [`NabError::WindowRange`] when the rows found do not form ordered, disjoint windows.
    pub fn from_timestamps<T: PartialEq>(
        name: impl Into<String>,
        timestamps: &[T],
        windows: &[(T, T)],
        edge_text: impl Fn(usize, bool) -> String,
    ) -> Result<Self, NabError> {
        let name = name.into();
        let mut rows = Vec::with_capacity(windows.len());
        for (k, (start, end)) in windows.iter().enumerate() {
            let find = |t: &T, is_end: bool| {
                timestamps
                    .iter()
                    .position(|x| x == t)
                    .ok_or_else(|| NabError::WindowEdge {
                        file: name.clone(),
                        timestamp: edge_text(k, is_end),
                    })
            };
            rows.push((find(start, false)?, find(end, true)?));
        }
        LabelledFile::new(name, timestamps.len(), rows)
    }

    /// The file's name (NAB key `<category>/<file>.csv`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The windows as inclusive row ranges.
    pub fn windows(&self) -> &[(usize, usize)] {
        &self.windows
    }

    /// Length of the probationary period: `min(floor(0.15 n), 750)`.
    pub fn probation(&self) -> usize {
        probation(self.rows)
    }

    /// Per-row weights `v_i` for `profile` (section 5 of SCORING.md), over all rows.
    pub fn sweep_weights(&self, profile: &Profile) -> Vec<f64> {
        let max_tp = scaled_sigmoid(-1.0);
        let mut v = Vec::with_capacity(self.rows);
        let mut prev: Option<(usize, usize)> = None; // (end, width) of the last closed window
        let mut next = 0usize;
        for i in 0..self.rows {
            let current = self
                .windows
                .get(next)
                .filter(|&&(s, e)| s <= i && i <= e)
                .copied();
            let w = match current {
                Some((s, e)) => {
                    let width = (e - s + 1) as f64;
                    let p = -((e - i + 1) as f64) / width;
                    let w = scaled_sigmoid(p) * profile.tp_weight / max_tp;
                    if i == e {
                        prev = Some((e, e - s + 1));
                        next += 1;
                    }
                    w
                }
                None => match prev {
                    None => -profile.fp_weight,
                    Some((e, width)) => {
                        let p = e.abs_diff(i) as f64 / (width as f64 - 1.0);
                        scaled_sigmoid(p) * profile.fp_weight
                    }
                },
            };
            v.push(w);
        }
        v
    }

    /// For each row, the index of the window holding it, if any.
    fn window_of(&self) -> Vec<Option<usize>> {
        let mut of = vec![None; self.rows];
        for (k, &(s, e)) in self.windows.iter().enumerate() {
            for slot in of.iter_mut().take(e + 1).skip(s) {
                *slot = Some(k);
            }
        }
        of
    }

    fn check_scores(&self, scores: &[f64]) -> Result<(), NabError> {
        if scores.len() != self.rows {
            return Err(NabError::Length {
                file: self.name.clone(),
                expected: self.rows,
                got: scores.len(),
            });
        }
        if let Some(row) = scores.iter().position(|a| a.is_nan()) {
            return Err(NabError::NanScore {
                file: self.name.clone(),
                row,
            });
        }
        Ok(())
    }
}

/// Length of NAB's probationary period for `n` rows: `min(floor(0.15 n), 750)`.
pub fn probation(n: usize) -> usize {
    let l = (0.15 * n as f64).floor().min(0.15 * 5000.0);
    l as usize
}

/// NAB's scaled sigmoid: `−1` for `x > 3`, else `2 / (1 + e^{5x}) − 1`.
pub fn scaled_sigmoid(x: f64) -> f64 {
    if x > 3.0 {
        -1.0
    } else {
        2.0 * (1.0 / (1.0 + (5.0 * x).exp())) - 1.0
    }
}

/// Record counts over the scorable (non-probationary) rows, per row as NAB reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// In-window rows detected.
    pub tp: usize,
    /// Out-of-window rows detected.
    pub fp: usize,
    /// In-window rows not detected.
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// Out-of-window rows not detected.
    pub tn: usize,
    /// Scorable rows.
    pub total: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
        self.tn += other.tn;
        self.total += other.total;
    }
}

/// Window-level detection counts and precision, recall and F1 at one threshold.
///
/// A window counts as detected when any of its scorable rows is a detection. A false alarm is a
/// maximal run of consecutive scorable detections outside every window (so one long excursion is
/// one false alarm, as one long anomaly is one window). Precision = detected / (detected +
/// false alarms), recall = detected / windows with a scorable row, F1 their harmonic mean; each is
/// 0 when its denominator is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WindowMetrics {
    /// Windows with at least one scorable row.
    pub windows: usize,
    /// Of those, windows with a detection.
    pub detected: usize,
    /// Runs of consecutive out-of-window detections.
    pub false_alarms: usize,
    /// detected / (detected + false_alarms).
    pub precision: f64,
    /// detected / windows.
    pub recall: f64,
    /// 2 · precision · recall / (precision + recall).
    pub f1: f64,
}

impl WindowMetrics {
    fn finish(mut self) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.precision = ratio(self.detected, self.detected + self.false_alarms);
        self.recall = ratio(self.detected, self.windows);
        let s = self.precision + self.recall;
        self.f1 = if s > 0.0 {
            2.0 * self.precision * self.recall / s
        } else {
            0.0
        };
        self
    }

    fn add(&mut self, other: &WindowMetrics) {
        self.windows += other.windows;
        self.detected += other.detected;
        self.false_alarms += other.false_alarms;
    }
}

/// One file scored at a threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileScore {
    /// The file's name.
    pub file: String,
    /// Raw NAB score of the file.
    pub raw: f64,
    /// Row counts.
    pub counts: Counts,
    /// Window-level counts (precision, recall, F1 of this file alone).
    pub windows: WindowMetrics,
}

/// Scores one file at threshold `threshold` (detection iff `a_i ≥ threshold`), section 6.
///
/// # Errors
/// [`NabError::Length`] when `scores` does not have one value per row, [`NabError::NanScore`]
/// on a NaN score.
pub fn score_file(
    file: &LabelledFile,
    scores: &[f64],
    profile: &Profile,
    threshold: f64,
) -> Result<FileScore, NabError> {
    file.check_scores(scores)?;
    let v = file.sweep_weights(profile);
    Ok(score_with_weights(file, scores, &v, profile, threshold))
}

fn score_with_weights(
    file: &LabelledFile,
    scores: &[f64],
    v: &[f64],
    profile: &Profile,
    threshold: f64,
) -> FileScore {
    let start = file.probation();
    let of = file.window_of();
    let mut best: Vec<Option<f64>> = vec![None; file.windows.len()];
    let mut scorable = vec![false; file.windows.len()];
    let mut fp_sum = 0.0;
    let mut counts = Counts::default();
    let mut metrics = WindowMetrics::default();
    let mut in_run = false;
    for i in start..file.rows {
        let detected = scores[i] >= threshold;
        counts.total += 1;
        match of[i] {
            Some(k) => {
                scorable[k] = true;
                in_run = false;
                if detected {
                    counts.tp += 1;
                    best[k] = Some(best[k].map_or(v[i], |b: f64| b.max(v[i])));
                } else {
                    counts.fn_ += 1;
                }
            }
            None => {
                if detected {
                    counts.fp += 1;
                    fp_sum += v[i];
                    if !in_run {
                        metrics.false_alarms += 1;
                    }
                } else {
                    counts.tn += 1;
                }
                in_run = detected;
            }
        }
    }
    let mut raw = 0.0;
    for (b, s) in best.iter().zip(&scorable) {
        if !s {
            continue;
        }
        metrics.windows += 1;
        match b {
            Some(b) => {
                metrics.detected += 1;
                raw += b;
            }
            None => raw -= profile.fn_weight,
        }
    }
    FileScore {
        file: file.name.clone(),
        raw: raw + fp_sum,
        counts,
        windows: metrics.finish(),
    }
}

/// Finds NAB's corpus-wide threshold for `profile` (section 7): candidates are 1.1 and every
/// distinct scorable score, in decreasing order; the best raw score wins, ties going to the
/// larger threshold. Returns `(threshold, pooled raw score)`.
///
/// # Errors
/// [`NabError::FileCount`], [`NabError::Length`] or [`NabError::NanScore`] when the scores do
/// not fit the files.
pub fn optimize_threshold<S: AsRef<[f64]>>(
    files: &[LabelledFile],
    scores: &[S],
    profile: &Profile,
) -> Result<(f64, f64), NabError> {
    check_all(files, scores)?;
    struct Row {
        score: f64,
        weight: f64,
        window: Option<usize>,
    }
    let mut rows = Vec::new();
    let mut window_values = Vec::new();
    for (file, scores) in files.iter().zip(scores) {
        let scores = scores.as_ref();
        let v = file.sweep_weights(profile);
        let of = file.window_of();
        let base = window_values.len();
        let mut scorable = vec![false; file.windows.len()];
        for i in file.probation()..file.rows {
            if let Some(k) = of[i] {
                scorable[k] = true;
            }
            rows.push(Row {
                score: scores[i],
                weight: v[i],
                window: of[i].map(|k| base + k),
            });
        }
        // Windows without a scorable row count for nothing: value 0, never updated.
        window_values.extend(
            scorable
                .iter()
                .map(|&s| if s { -profile.fn_weight } else { 0.0 }),
        );
    }
    // Stable sort, descending by score (NaN was rejected above).
    rows.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal));
    let mut fp_sum = 0.0;
    let mut window_sum: f64 = window_values.iter().sum();
    let mut dirty = false;
    let mut prev = 1.1f64;
    let mut best = (f64::NAN, f64::NEG_INFINITY);
    let mut record = |threshold: f64, total: f64| {
        if total > best.1 {
            best = (threshold, total);
        }
    };
    for row in &rows {
        // Exact comparison on purpose: each distinct score value is one candidate threshold.
        #[allow(clippy::float_cmp)]
        let new_value = row.score != prev;
        if new_value {
            if dirty {
                window_sum = window_values.iter().sum();
                dirty = false;
            }
            record(prev, fp_sum + window_sum);
            prev = row.score;
        }
        match row.window {
            Some(k) => {
                if row.weight > window_values[k] {
                    window_values[k] = row.weight;
                    dirty = true;
                }
            }
            None => fp_sum += row.weight,
        }
    }
    if dirty {
        window_sum = window_values.iter().sum();
    }
    record(prev, fp_sum + window_sum);
    Ok(best)
}

fn check_all<S: AsRef<[f64]>>(files: &[LabelledFile], scores: &[S]) -> Result<(), NabError> {
    if files.len() != scores.len() {
        return Err(NabError::FileCount {
            expected: files.len(),
            got: scores.len(),
        });
    }
    for (file, scores) in files.iter().zip(scores) {
        file.check_scores(scores.as_ref())?;
    }
    Ok(())
}

/// A detector's score on a corpus under one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileScore {
    /// The profile.
    pub profile: Profile,
    /// The corpus-wide threshold chosen by [`optimize_threshold`].
    pub threshold: f64,
    /// Sum of the per-file raw scores at that threshold, in file order.
    pub raw: f64,
    /// `100 · (raw − null_raw) / (perfect − null_raw)`.
    pub normalized: f64,
    /// The null detector's raw score: `−fnWeight` per window with a scorable row.
    pub null_raw: f64,
    /// `tpWeight` per window of the corpus.
    pub perfect: f64,
    /// Row counts over the corpus.
    pub counts: Counts,
    /// Window-level precision, recall and F1 over the corpus.
    pub windows: WindowMetrics,
    /// Per-file scores at the threshold.
    pub per_file: Vec<FileScore>,
}

/// Scores a detector's output on a corpus under each of `profiles`: optimise the threshold over
/// the corpus, score each file at it, sum and normalise (sections 7 and 8 of SCORING.md).
///
/// `scores[k]` holds one anomaly score per row of `files[k]`. The perfect score counts every
/// window of `files`.
///
/// # Errors
/// [`NabError::FileCount`], [`NabError::Length`] or [`NabError::NanScore`] when the scores do
/// not fit the files.
pub fn score_corpus<S: AsRef<[f64]>>(
    files: &[LabelledFile],
    scores: &[S],
    profiles: &[Profile],
) -> Result<Vec<ProfileScore>, NabError> {
    check_all(files, scores)?;
    let windows: usize = files.iter().map(|f| f.windows.len()).sum();
    let mut out = Vec::with_capacity(profiles.len());
    for profile in profiles {
        let (threshold, _) = optimize_threshold(files, scores, profile)?;
        let mut raw = 0.0;
        let mut counts = Counts::default();
        let mut metrics = WindowMetrics::default();
        let mut per_file = Vec::with_capacity(files.len());
        for (file, s) in files.iter().zip(scores) {
            let v = file.sweep_weights(profile);
            let score = score_with_weights(file, s.as_ref(), &v, profile, threshold);
            raw += score.raw;
            counts.add(&score.counts);
            metrics.add(&score.windows);
            per_file.push(score);
        }
        let null_raw = -profile.fn_weight * metrics.windows as f64;
        let perfect = profile.tp_weight * windows as f64;
        let span = perfect - null_raw;
        let normalized = if span > 0.0 {
            100.0 * (raw - null_raw) / span
        } else {
            0.0
        };
        out.push(ProfileScore {
            profile: *profile,
            threshold,
            raw,
            normalized,
            null_raw,
            perfect,
            counts,
            windows: metrics.finish(),
            per_file,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
