//! Evaluation of anomaly detectors against labelled anomaly windows.
//!
//! [`nab`] is a scorer compatible with the Numenta Anomaly Benchmark (NAB v1.1): windows,
//! probationary period, scaled sigmoid, the three profiles, corpus-wide threshold optimisation and
//! normalisation, plus precision, recall and F1 counted by window. [`corpus`] reads NAB's folder
//! layout (`data/<category>/<file>.csv` and `labels/combined_windows.json`) and writes its results
//! layout.

pub mod corpus;
pub mod nab;

pub use corpus::{NabCorpus, NabSeries};
pub use nab::{
    Counts, FileScore, LabelledFile, NabError, PROFILES, Profile, ProfileScore, WindowMetrics,
    optimize_threshold, score_corpus, score_file,
};
