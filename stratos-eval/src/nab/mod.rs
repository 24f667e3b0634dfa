//! Evaluation of anomaly detectors against labelled anomaly windows (the Numenta Anomaly
//! Benchmark).
//!
//! * [`score`]: a scorer compatible with NAB v1.1: windows, probationary period, scaled
//!   sigmoid, the three profiles, corpus-wide threshold optimisation and normalisation, plus
//!   precision, recall and F1 counted by window.
//! * [`corpus`]: NAB's folder layout (`data/<category>/<file>.csv` and
//!   `labels/combined_windows.json`), read through `stratos-ingest`, and its results layout.
//! * [`detect`]: an `anomaly_detection` strategy run over a corpus and scored.
//! * [`cv`]: leave-one-category-out cross-validation of one or more candidate detectors.

pub mod corpus;
pub mod cv;
pub mod detect;
pub mod score;

pub use corpus::{NabCorpus, NabSeries};
pub use cv::{CvFold, CvProfile, CvReport, category, cross_validate_by_category};
pub use detect::{NabReport, evaluate_corpus, evaluate_series, score_saved};
pub use score::{
    Counts, FileScore, LabelledFile, NabError, PROFILES, Profile, ProfileScore, WindowMetrics,
    optimize_threshold, probation, scaled_sigmoid, score_corpus, score_file,
};
