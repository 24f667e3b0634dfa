//! `anomaly_detection` configuration.

use serde::{Deserialize, Serialize};
use stratos_core::config::{check_finite_range, check_range};
use stratos_core::{AlertLevel, ConfigError, ConfigKey, StrategyConfig};

use super::ID;
use super::contextual::ContextualParams;
use super::knn_cad::KnnCadParams;
use super::relative_entropy::RelativeEntropyParams;

/// Detection method; an unknown name is rejected with the list of known ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum AnomalyMethod {
    /// Rolling z-score against the `window_size` values before each point.
    #[default]
    #[serde(rename = "z_score")]
    ZScore,
    /// Robust z: median and MAD of the `window_size` values before each point.
    #[serde(rename = "robust_z")]
    RobustZ,
    /// Tukey's IQR fences over the `window_size` values before each point; `threshold` is the
    /// fence multiplier k.
    #[serde(rename = "iqr")]
    Iqr,
    /// EWMA control chart with smoothing `alpha`.
    #[serde(rename = "ewma")]
    Ewma,
    /// Isolation forest over all `fields` together, refitted on a sliding reference window.
    #[serde(rename = "isolation_forest")]
    IsolationForest,
    /// The scores of several `methods` combined.
    #[serde(rename = "ensemble")]
    Ensemble,
    /// Adaptive resonance (fuzzy ART) over windowed features ([`super::ArtDetector`]).
    #[serde(rename = "art")]
    Art,
    /// Online one-class SVM over all `fields` together ([`super::OneClassSvm`]).
    #[serde(rename = "one_class_svm")]
    OneClassSvm,
    /// Residuals after removing a seasonal profile ([`super::SeasonalDetector`]).
    #[serde(rename = "seasonal")]
    Seasonal,
    /// Contextual anomaly detector (CAD OSE's idea), parameters under `contextual`.
    #[serde(rename = "contextual")]
    Contextual,
    /// Conformal k-NN over lagged windows (KNN CAD), parameters under `knn_cad`.
    #[serde(rename = "knn_cad")]
    KnnCad,
    /// Relative-entropy test over histograms of recent windows, parameters under
    /// `relative_entropy`.
    #[serde(rename = "relative_entropy")]
    RelativeEntropy,
    /// The recommended general-purpose detector: a fixed combination chosen by
    /// leave-one-category-out cross-validation on NAB (see [`super::auto`]).
    #[serde(rename = "auto")]
    Auto,
}

impl AnomalyMethod {
    /// The name used in configs.
    pub fn name(self) -> &'static str {
        match self {
            AnomalyMethod::ZScore => "z_score",
            AnomalyMethod::RobustZ => "robust_z",
            AnomalyMethod::Iqr => "iqr",
            AnomalyMethod::Ewma => "ewma",
            AnomalyMethod::IsolationForest => "isolation_forest",
            AnomalyMethod::Ensemble => "ensemble",
            AnomalyMethod::Art => "art",
            AnomalyMethod::OneClassSvm => "one_class_svm",
            AnomalyMethod::Seasonal => "seasonal",
            AnomalyMethod::Contextual => "contextual",
            AnomalyMethod::KnnCad => "knn_cad",
            AnomalyMethod::RelativeEntropy => "relative_entropy",
            AnomalyMethod::Auto => "auto",
        }
    }

    /// Whether the method gives a score only (no z statistic), reported per row.
    pub fn is_score_only(self) -> bool {
        matches!(
            self,
            AnomalyMethod::Contextual
                | AnomalyMethod::KnnCad
                | AnomalyMethod::RelativeEntropy
                | AnomalyMethod::Auto
        )
    }
}

/// How an ensemble combines its members' scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// The mean of the members' scores.
    #[default]
    Mean,
    /// The largest member score.
    Max,
}

/// Config of `anomaly_detection`, with the seed's keys.
///
/// ```json
/// {"threshold": 2.5, "method": "z_score", "window_size": 100, "alert_level": "CRITICAL"}
/// {"methods": ["z_score", "isolation_forest"], "ensemble": true, "adaptiveThreshold": true}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnomalyConfig {
    /// Flag rule of the univariate methods: |z| > threshold for `z_score`, `robust_z` and
    /// `ewma`; the fence multiplier k for `iqr` (3 = Tukey's "far out"). Defaults to 3.0.
    pub threshold: f64,
    /// The method. Defaults to `z_score`; `ensemble` when `ensemble` is true.
    pub method: AnomalyMethod,
    /// Members of an ensemble (the seed's `methods`), each once, not `ensemble` itself.
    /// Defaults to none: `z_score`, `robust_z`, `iqr`, `ewma`.
    pub methods: Option<Vec<AnomalyMethod>>,
    /// The seed's switch for an ensemble of `methods`. Defaults to false.
    pub ensemble: bool,
    /// How an ensemble combines member scores: `mean` or `max`. Defaults to `mean`.
    pub combine: Combine,
    /// An ensemble flags a row when at least this many members flag it. Defaults to a strict
    /// majority of the members.
    pub min_votes: Option<usize>,
    /// How many preceding values (rows for `isolation_forest`) form the reference window, and
    /// the warm-up of `ewma`. Defaults to 100.
    pub window_size: usize,
    /// Delta degrees of freedom of `z_score`'s standard deviation: 1 (sample, pandas' default)
    /// or 0 (population, numpy's default). Defaults to 1.
    pub ddof: usize,
    /// EWMA smoothing factor in (0, 1]. Defaults to 2 / (window_size + 1).
    pub alpha: Option<f64>,
    /// Isolation forest: number of trees. Defaults to 25 (100 before this release: the forest
    /// of every stream is walked per row, and at 1,000 streams 25 trees of ψ = 32 rows run
    /// about 4× faster than 100 trees of ψ = 100 with 1/8 of the memory; set 100 and 256 for
    /// Liu et al.'s defaults).
    pub n_trees: usize,
    /// Isolation forest: rows per tree (ψ), at most `window_size`. Defaults to 32 (256 before
    /// this release, in effect `window_size` = 100).
    pub sample_size: usize,
    /// Isolation forest: every tree is rebuilt on the then-current reference window once every
    /// this many rows, on a rolling basis (`n_trees / refit_every` trees per row, in turn, so
    /// there are no whole-forest refit spikes). Defaults to `window_size`.
    pub refit_every: Option<usize>,
    /// Isolation forest: the random seed (same seed, same forest). Defaults to 42.
    pub seed: u64,
    /// Isolation forest: flag a row when its score `2^(−E[h]/c(ψ))` exceeds this. Defaults to
    /// 0.75.
    pub score_threshold: f64,
    /// The seed's adaptive threshold: when true, a row is flagged when its anomaly score
    /// exceeds the `adaptive_quantile` of the scores of the previous `adaptive_window` rows,
    /// instead of by the method's fixed rule, and its score becomes relative to that quantile:
    /// with the surprise `r = −ln(1 − score)` and `q` the same quantile of the recent
    /// surprises, the score is `r / (r + q)`, above 0.5 exactly when flagged. The quantile is
    /// read from a streaming histogram of the recent surprises ([`super::SlidingQuantileSketch`]:
    /// O(log) per row, within about 1 % of the exact order statistic). Defaults to false.
    #[serde(rename = "adaptiveThreshold")]
    pub adaptive_threshold: bool,
    /// Quantile of the recent scores used as the adaptive threshold. Defaults to 0.99.
    pub adaptive_quantile: f64,
    /// Number of recent scores the adaptive threshold follows. Defaults to 1000.
    pub adaptive_window: usize,
    /// Alert suppression, in rows: a row's score stands only when it is higher than the score
    /// of each of the previous `suppress_window` rows; otherwise it becomes 0 and the row is not
    /// flagged, so an anomaly that persists raises one alert at its onset, and again only if it
    /// grows. 0 turns it off. Defaults to 0.
    pub suppress_window: usize,
    /// The input field. Defaults to the input's main value field.
    pub data_field: Option<String>,
    /// Several input fields: scored each on its own by the univariate methods (a row is
    /// anomalous when any field is), together by `isolation_forest`. Exclusive with
    /// `data_field`. Defaults to none.
    pub fields: Option<Vec<String>>,
    /// The level of the alerts raised. Defaults to `WARNING`.
    pub alert_level: AlertLevel,
    /// `art`: rows per downsampled value (the detector's time scale; its probation is
    /// `104 · art_step` rows). Defaults to 2.
    pub art_step: usize,
    /// `art`: the learning vigilance ρ in (0, 1): a window joins a category when it matches it
    /// at least this well, else it makes a new one. Defaults to 0.95.
    pub vigilance: f64,
    /// `one_class_svm`: the share ν in (0, 1] of rows allowed outside the learnt support.
    /// Defaults to 0.1.
    pub nu: f64,
    /// `one_class_svm`: random Fourier features approximating the RBF kernel. Defaults to 64.
    pub n_components: usize,
    /// `one_class_svm`: the SGD learning rate. Defaults to 0.01.
    pub learning_rate: f64,
    /// `seasonal`: the period in rows. Defaults to none: detected from the autocorrelation of
    /// the first `period_window` values.
    pub period: Option<usize>,
    /// `seasonal`: values learnt before the first score, from which the period is detected
    /// (periods up to half of it). Defaults to 600.
    pub period_window: usize,
    /// `seasonal`: smoothing of the level and the seasonal profile, in (0, 1]. Defaults to
    /// 0.3.
    pub season_alpha: f64,
    /// `seasonal`: previous residuals the residual z-score is taken over. Defaults to 300.
    pub residual_window: usize,
    /// `contextual`'s parameters (see [`ContextualParams`]).
    pub contextual: ContextualParams,
    /// `knn_cad`'s parameters (see [`KnnCadParams`]).
    pub knn_cad: KnnCadParams,
    /// `relative_entropy`'s parameters (see [`RelativeEntropyParams`]).
    pub relative_entropy: RelativeEntropyParams,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig {
            threshold: 3.0,
            method: AnomalyMethod::ZScore,
            methods: None,
            ensemble: false,
            combine: Combine::Mean,
            min_votes: None,
            window_size: 100,
            ddof: 1,
            alpha: None,
            n_trees: 25,
            sample_size: 32,
            refit_every: None,
            seed: 42,
            score_threshold: 0.75,
            adaptive_threshold: false,
            adaptive_quantile: 0.99,
            adaptive_window: 1000,
            suppress_window: 0,
            data_field: None,
            fields: None,
            alert_level: AlertLevel::Warning,
            art_step: 2,
            vigilance: 0.95,
            nu: 0.1,
            n_components: 64,
            learning_rate: 0.01,
            period: None,
            period_window: 600,
            season_alpha: 0.3,
            residual_window: 300,
            contextual: ContextualParams::default(),
            knn_cad: KnnCadParams::default(),
            relative_entropy: RelativeEntropyParams::default(),
        }
    }
}

/// The ensemble members used when `methods` is not given.
pub const DEFAULT_ENSEMBLE: [AnomalyMethod; 4] = [
    AnomalyMethod::ZScore,
    AnomalyMethod::RobustZ,
    AnomalyMethod::Iqr,
    AnomalyMethod::Ewma,
];

impl AnomalyConfig {
    /// The method in effect: `ensemble` when `ensemble` is true, else `method`.
    pub fn effective_method(&self) -> AnomalyMethod {
        if self.ensemble {
            AnomalyMethod::Ensemble
        } else {
            self.method
        }
    }

    /// The ensemble's members (`methods`, or [`DEFAULT_ENSEMBLE`]).
    pub fn members(&self) -> Vec<AnomalyMethod> {
        self.methods
            .clone()
            .unwrap_or_else(|| DEFAULT_ENSEMBLE.to_vec())
    }

    /// The EWMA smoothing factor in effect.
    pub fn ewma_alpha(&self) -> f64 {
        self.alpha.unwrap_or(2.0 / (self.window_size as f64 + 1.0))
    }

    /// The ensemble's vote count in effect.
    pub fn votes_needed(&self) -> usize {
        self.min_votes.unwrap_or(self.members().len() / 2 + 1)
    }
}

/// Past this many values a window costs noticeable memory per stream (8 bytes a value).
pub(crate) const COSTLY_WINDOW: usize = 100_000;

impl AnomalyConfig {
    /// Valid settings known to be slow or memory-hungry ([`stratos_core::Strategy::cost_warnings`]).
    pub fn cost_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        let forest = self.method == AnomalyMethod::IsolationForest
            || self
                .methods
                .as_ref()
                .is_some_and(|m| m.contains(&AnomalyMethod::IsolationForest));
        if forest {
            if self.n_trees >= 1_000 {
                w.push(format!(
                    "n_trees = {}: every record is scored by {} trees, {}x the default's work \
                     (100 trees)",
                    self.n_trees,
                    self.n_trees,
                    self.n_trees / 100
                ));
            }
            if let Some(r) = self.refit_every
                && r < self.n_trees
            {
                w.push(format!(
                    "refit_every = {r}: with {} trees, {:.1} trees are rebuilt at every row \
                     (about 1,000 records/s at refit_every = 1); {} or more rebuilds one tree \
                     a row",
                    self.n_trees,
                    self.n_trees as f64 / r as f64,
                    self.n_trees
                ));
            }
            if self.sample_size >= 10_000 {
                w.push(format!(
                    "sample_size = {}: each tree is built from {} rows (default 256)",
                    self.sample_size, self.sample_size
                ));
            }
        }
        for (key, n) in [
            ("window_size", self.window_size),
            ("adaptive_window", self.adaptive_window),
        ] {
            if n >= COSTLY_WINDOW {
                w.push(format!(
                    "{key} = {n}: each stream holds up to {n} values ({:.1} MB) once its window \
                     is full",
                    n as f64 * 8.0 / 1e6
                ));
            }
        }
        w
    }
}

impl StrategyConfig for AnomalyConfig {
    const STRATEGY_ID: &'static str = ID;

    /// Upper bounds (refused beyond, naming the key, the value and the range):
    /// `window_size` and `adaptive_window` 10^6, `n_trees` 10,000, `sample_size` 100,000,
    /// `refit_every` 10^8, `suppress_window` 10^6. Valid but costly values get
    /// [`AnomalyConfig::cost_warnings`].
    fn validate(&self) -> Result<(), ConfigError> {
        check_finite_range(ID, "threshold", self.threshold, 0.0..=1e6)?;
        if self.threshold <= 0.0 {
            return Err(ConfigError::invalid(
                ID,
                "threshold",
                self.threshold,
                "a number > 0",
            ));
        }
        check_range(ID, "ddof", self.ddof, 0..=1)?;
        check_range(ID, "window_size", self.window_size, 2..=1_000_000)?;
        if let Some(alpha) = self.alpha {
            check_finite_range(ID, "alpha", alpha, 0.0..=1.0)?;
            if alpha <= 0.0 {
                return Err(ConfigError::invalid(
                    ID,
                    "alpha",
                    alpha,
                    "a number in (0, 1]",
                ));
            }
        }
        check_range(ID, "n_trees", self.n_trees, 1..=10_000)?;
        check_range(ID, "sample_size", self.sample_size, 2..=100_000)?;
        if let Some(r) = self.refit_every {
            check_range(ID, "refit_every", r, 1..=100_000_000)?;
        }
        check_finite_range(ID, "score_threshold", self.score_threshold, 0.0..=1.0)?;
        check_finite_range(ID, "adaptive_quantile", self.adaptive_quantile, 0.0..=1.0)?;
        check_range(ID, "adaptive_window", self.adaptive_window, 10..=1_000_000)?;
        check_range(ID, "suppress_window", self.suppress_window, 0..=1_000_000)?;
        check_range(ID, "art_step", self.art_step, 1..=100_000)?;
        check_finite_range(ID, "vigilance", self.vigilance, 0.01..=0.999)?;
        check_finite_range(ID, "nu", self.nu, 0.001..=1.0)?;
        check_range(ID, "n_components", self.n_components, 1..=4096)?;
        check_finite_range(ID, "learning_rate", self.learning_rate, 1e-6..=1.0)?;
        check_range(ID, "period_window", self.period_window, 8..=1_000_000)?;
        if let Some(p) = self.period {
            check_range(ID, "period", p, 1..=self.period_window)?;
        }
        check_finite_range(ID, "season_alpha", self.season_alpha, 1e-6..=1.0)?;
        check_range(ID, "residual_window", self.residual_window, 2..=1_000_000)?;
        if self.ensemble
            && self.method != AnomalyMethod::ZScore
            && self.method != AnomalyMethod::Ensemble
        {
            return Err(ConfigError::invalid(
                ID,
                "method",
                self.method.name(),
                "`ensemble` (or no `method`) when `ensemble` is true; list members in `methods`",
            ));
        }
        if let Some(methods) = &self.methods {
            if self.effective_method() != AnomalyMethod::Ensemble {
                return Err(ConfigError::invalid(
                    ID,
                    "methods",
                    format!("{:?}", methods.iter().map(|m| m.name()).collect::<Vec<_>>()),
                    "`methods` only with `\"method\": \"ensemble\"` or `\"ensemble\": true`",
                ));
            }
            if methods.is_empty() {
                return Err(ConfigError::invalid(
                    ID,
                    "methods",
                    "[]",
                    "at least one method",
                ));
            }
            for (i, m) in methods.iter().enumerate() {
                if matches!(m, AnomalyMethod::Ensemble | AnomalyMethod::Auto)
                    || methods[..i].contains(m)
                {
                    return Err(ConfigError::invalid(
                        ID,
                        "methods",
                        m.name(),
                        "distinct methods other than `ensemble` and `auto`",
                    ));
                }
            }
        }
        self.contextual.validate(ID)?;
        self.knn_cad.validate(ID)?;
        self.relative_entropy.validate(ID)?;
        if let Some(v) = self.min_votes {
            let members = self.members().len();
            check_range(ID, "min_votes", v, 1..=members)?;
        }
        if let Some(fields) = &self.fields {
            if self.data_field.is_some() {
                return Err(ConfigError::invalid(
                    ID,
                    "fields",
                    format!("{fields:?}"),
                    "either `fields` or `data_field`, not both",
                ));
            }
            if fields.is_empty() {
                return Err(ConfigError::invalid(
                    ID,
                    "fields",
                    "[]",
                    "at least one field name",
                ));
            }
            for (i, f) in fields.iter().enumerate() {
                if fields[..i].contains(f) {
                    return Err(ConfigError::invalid(
                        ID,
                        "fields",
                        format!("{fields:?}"),
                        format!("distinct names (`{f}` repeats)"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn key_docs() -> Vec<ConfigKey> {
        vec![
            ConfigKey::new(
                "threshold",
                "number > 0",
                "flag a point when |z| > threshold",
            ),
            ConfigKey::new(
                "method",
                "z_score | robust_z | iqr | ewma | isolation_forest | ensemble | contextual | knn_cad | relative_entropy | art | one_class_svm | seasonal | auto",
                "detection method; auto: the recommended fixed detector (EWMA level + relative entropy + a range rule, with rests; alert events ranked by the stream's recent alert rate; chosen by cross-validation on NAB)",
            ),
            ConfigKey::new(
                "methods",
                "list of methods",
                "ensemble members; default z_score, robust_z, iqr, ewma",
            ),
            ConfigKey::new(
                "ensemble",
                "bool",
                "combine `methods` (same as method ensemble)",
            ),
            ConfigKey::new(
                "combine",
                "mean | max",
                "how an ensemble combines member scores",
            ),
            ConfigKey::new(
                "min_votes",
                "integer 1..=members",
                "members that must flag a row; default a strict majority",
            ),
            ConfigKey::new(
                "alpha",
                "number in (0, 1]",
                "EWMA smoothing; default 2/(window_size+1)",
            ),
            ConfigKey::new(
                "n_trees",
                "integer 1..=10000",
                "isolation forest: trees; default 25 (was 100)",
            ),
            ConfigKey::new(
                "sample_size",
                "integer 2..=100000",
                "isolation forest: rows per tree (at most window_size); default 32 (was 256)",
            ),
            ConfigKey::new(
                "refit_every",
                "integer >= 1",
                "isolation forest: refit period in rows; default window_size",
            ),
            ConfigKey::new("seed", "integer", "isolation forest: random seed"),
            ConfigKey::new(
                "score_threshold",
                "number in [0, 1]",
                "isolation forest: flag when the score exceeds it",
            ),
            ConfigKey::new(
                "adaptiveThreshold",
                "bool",
                "flag when the score exceeds a quantile of the recent scores",
            ),
            ConfigKey::new(
                "adaptive_quantile",
                "number in [0, 1]",
                "quantile of recent scores used by adaptiveThreshold",
            ),
            ConfigKey::new(
                "adaptive_window",
                "integer 10..=1000000",
                "recent scores followed by adaptiveThreshold",
            ),
            ConfigKey::new(
                "suppress_window",
                "integer 0..=1000000",
                "keep a score only when above the previous N rows' scores (0: off)",
            ),
            ConfigKey::new(
                "window_size",
                "integer 2..=1000000",
                "preceding values (rows) in the reference window; EWMA warm-up",
            ),
            ConfigKey::new(
                "ddof",
                "0 | 1",
                "std divisor n − ddof (1: sample, 0: population)",
            ),
            ConfigKey::new(
                "data_field",
                "a numeric field",
                "input field; default: close, price, value, else the first numeric field",
            ),
            ConfigKey::new(
                "fields",
                "list of numeric fields",
                "score several fields; exclusive with data_field",
            ),
            ConfigKey::new(
                "art_step",
                "integer 1..=100000",
                "art: rows per downsampled value; probation 104 x art_step rows",
            ),
            ConfigKey::new(
                "vigilance",
                "number in [0.01, 0.999]",
                "art: learning vigilance (match needed to join a category)",
            ),
            ConfigKey::new(
                "nu",
                "number in [0.001, 1]",
                "one_class_svm: share of rows allowed outside the support",
            ),
            ConfigKey::new(
                "n_components",
                "integer 1..=4096",
                "one_class_svm: random Fourier features",
            ),
            ConfigKey::new(
                "learning_rate",
                "number in [1e-6, 1]",
                "one_class_svm: SGD learning rate",
            ),
            ConfigKey::new(
                "period",
                "integer 1..=period_window",
                "seasonal: period in rows; default detected by autocorrelation",
            ),
            ConfigKey::new(
                "period_window",
                "integer 8..=1000000",
                "seasonal: rows learnt before the first score (period detection)",
            ),
            ConfigKey::new(
                "season_alpha",
                "number in [1e-6, 1]",
                "seasonal: smoothing of the level and seasonal profile",
            ),
            ConfigKey::new(
                "residual_window",
                "integer 2..=1000000",
                "seasonal: previous residuals the residual z-score uses",
            ),
            ConfigKey::new(
                "contextual",
                "object",
                "contextual: bits, max_left, max_active, threshold, rest, capacity",
            ),
            ConfigKey::new("knn_cad", "object", "knn_cad: dim, k, train, alert, rest"),
            ConfigKey::new(
                "relative_entropy",
                "object",
                "relative_entropy: bins, window, confidence, min_count, max_hypotheses",
            ),
            ConfigKey::new(
                "alert_level",
                "INFO | WARNING | CRITICAL",
                "level of the alerts raised",
            ),
        ]
    }
}

#[cfg(test)]
mod tests;
