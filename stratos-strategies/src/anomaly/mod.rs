//! `anomaly_detection`: flags points that stray from their recent history, in batch and
//! online, and gives every scored row an anomaly score in [0, 1]. Every method is causal: the
//! score of row t uses rows up to t only (the reference window holds the rows *before* t).
//!
//! | method | statistic | flag | score |
//! |---|---|---|---|
//! | `z_score` | `(x − mean) / std` of the previous `window_size` values ([`RollingZScore`]) | \|z\| > `threshold` | `erf(\|z\| / √2)` |
//! | `robust_z` | `(x − median) / (1.4826 MAD)` ([`RollingRobustZ`]) | \|z\| > `threshold` | `erf(\|z\| / √2)` |
//! | `iqr` | distance outside [Q1, Q3] in IQRs ([`RollingIqr`]) | d > `threshold` (Tukey's k) | `erf` of the normal-scale deviation |
//! | `ewma` | `(x − m) / s`, exponentially weighted ([`EwmaChart`]) | \|z\| > `threshold` | `erf(\|z\| / √2)` |
//! | `isolation_forest` | all `fields` together ([`IsolationForestState`]) | score > `score_threshold` | `2^(−E[h]/c(ψ))` |
//! | `ensemble` | each of `methods` | at least `min_votes` members flag | mean (or max) of member scores |
//! | `art` | fuzzy ART over windowed features of the downsampled series ([`ArtDetector`]) | score > `score_threshold` | `1 − D/d`: distance to the nearest category over the recent typical one |
//! | `one_class_svm` | all `fields` together, RBF one-class SVM by random Fourier features and SGD ([`OneClassSvm`]) | score > `score_threshold` | `1 − w·z/ρ`, clipped |
//! | `seasonal` | residual after a detected (or given) seasonal profile ([`SeasonalDetector`]), z against the previous `residual_window` residuals | \|z\| > `threshold` | `erf(\|z\| / √2)` |
//! | `contextual` | contexts of quantised values ([`Contextual`], CAD OSE's idea) | score > `score_threshold` | share of unpredicted contexts |
//! | `knn_cad` | k-NN non-conformity of lagged windows ([`KnnCad`]) | score > `score_threshold` | conformal rank |
//! | `relative_entropy` | histogram tests of recent windows ([`RelativeEntropy`]) | score > `score_threshold` | 0 or 1 |
//!
//! With `fields`, the univariate methods score every field on its own (the row score is the
//! largest); with `adaptiveThreshold`, a row is flagged when its score exceeds the
//! `adaptive_quantile` of the previous `adaptive_window` row scores.

pub mod art;
pub mod auto;
mod config;
mod contextual;
mod detector;
mod ewma;
mod iqr;
mod isolation_forest;
mod knn_cad;
mod mad;
mod one_class_svm;
mod relative_entropy;
mod report;
pub mod seasonal;
mod zscore;

#[cfg(test)]
use serde_json::json;
#[cfg(test)]
use stratos_core::Strategy;
use stratos_core::strategy::resolve_field;
use stratos_core::{
    Alert, BuiltinStrategy, ConfigError, Event, Frame, OnlineStrategy, Outputs, Reported,
    ResultType, RowRef, Schema, StrategyError, StrategyResult,
};

pub use art::ArtDetector;
pub use config::{AnomalyConfig, AnomalyMethod, Combine, DEFAULT_ENSEMBLE};
pub use contextual::{Contextual, ContextualParams};
pub use ewma::EwmaChart;
pub use iqr::RollingIqr;
pub use isolation_forest::{
    IsolationForest, IsolationForestState, SplitMix64, average_path_length,
};
pub use knn_cad::{KnnCad, KnnCadParams};
pub use mad::{MAD_TO_SIGMA, RollingRobustZ};
pub use one_class_svm::OneClassSvm;
pub use relative_entropy::{RelativeEntropy, RelativeEntropyParams};
pub use report::{
    Anomaly, AnomalyContext, AnomalyDetail, AnomalyReport, FieldAnomaly, FieldStatistic, RowAnomaly,
};
pub use seasonal::SeasonalDetector;
pub use stratos_core::numeric::SlidingQuantileSketch;
pub use stratos_core::numeric::SortedWindow;
pub use zscore::{RollingZScore, ZPoint, anomaly_score};

use std::collections::BTreeMap;

use auto::AutoParams;
pub use detector::AnomalyState;
use detector::{Detector, Finding, RowOutcome};

use crate::number_text::num;

/// The strategy id.
pub const ID: &str = "anomaly_detection";

/// The `anomaly_detection` strategy.
///
/// # Examples
/// ```
/// use stratos_core::{BuiltinStrategy, Frame, Strategy};
/// use stratos_strategies::anomaly::{AnomalyConfig, AnomalyStrategy};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = AnomalyConfig { window_size: 4, threshold: 3.0, ..AnomalyConfig::default() };
/// let strategy = AnomalyStrategy::from_config(config)?;
/// let frame = Frame::from_values("value", vec![1.0, 2.0, 1.0, 2.0, 1.5, 9.0]);
/// let result = strategy.execute(&frame)?;
/// assert_eq!(result.data["anomalyCount"], 1);
/// assert_eq!(result.data["anomalies"][0]["index"], 5);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AnomalyStrategy {
    config: AnomalyConfig,
    /// The config's `threshold` and `score_threshold` as alert messages write them, formatted
    /// once rather than per alert.
    threshold_text: String,
    score_threshold_text: String,
}

impl AnomalyStrategy {
    /// The validated config.
    pub fn settings(&self) -> &AnomalyConfig {
        &self.config
    }

    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        match &self.config.fields {
            Some(fields) => fields
                .iter()
                .map(|f| resolve_field(ID, Some(f), schema))
                .collect(),
            None => resolve_field(ID, self.config.data_field.as_deref(), schema).map(|f| vec![f]),
        }
    }

    /// Rows (at least) before the first score: the reference window, or the EWMA warm-up, or
    /// the probation of `art`.
    fn warmup(&self) -> usize {
        let c = &self.config;
        let of = |m: AnomalyMethod| match m {
            AnomalyMethod::Contextual => 0,
            AnomalyMethod::KnnCad => c.knn_cad.dim - 1 + c.knn_cad.train,
            AnomalyMethod::RelativeEntropy => c.relative_entropy.window - 1,
            AnomalyMethod::Auto => AutoParams::default().entropy.window - 1,
            AnomalyMethod::Art => art::TREND * c.art_step,
            AnomalyMethod::Seasonal => c.period_window,
            _ => c.window_size,
        };
        match c.effective_method() {
            AnomalyMethod::Ensemble => c.members().into_iter().map(of).min().unwrap_or(0),
            m => of(m),
        }
    }

    /// One report per anomaly of a row: a field-level one for each flagged field of a lone
    /// univariate method, else one row-level report. Each is (message, context).
    fn reports(
        &self,
        fields: &[String],
        values: &[f64],
        row: &RowOutcome,
        mut emit: impl FnMut(String, AnomalyContext),
    ) {
        if !row.flagged {
            return;
        }
        let c = &self.config;
        let method = c.effective_method();
        let field_level = !c.adaptive_threshold
            && !method.is_score_only()
            && !matches!(
                method,
                AnomalyMethod::Ensemble
                    | AnomalyMethod::IsolationForest
                    | AnomalyMethod::Art
                    | AnomalyMethod::OneClassSvm
                    | AnomalyMethod::Seasonal
            );
        if field_level {
            for f in row.findings.iter().filter(|f| f.flagged) {
                let (Some(j), Some(p)) = (f.field, f.point) else {
                    continue;
                };
                let field = fields.get(j).map_or("", String::as_str);
                let value = values.get(j).copied().unwrap_or(f64::NAN);
                emit(
                    self.field_message(field, value, f.method, &p),
                    self.field_context(field, value, f),
                );
            }
            return;
        }
        let score = row.score.unwrap_or(0.0);
        let ensemble = method == AnomalyMethod::Ensemble;
        // Only an ensemble's report lists its members' scores.
        let members = ensemble.then(|| {
            row.findings
                .iter()
                .map(|f| {
                    let key = match f.field {
                        Some(j) if fields.len() > 1 => {
                            format!(
                                "{}:{}",
                                f.method.name(),
                                fields.get(j).map_or("", String::as_str)
                            )
                        }
                        _ => f.method.name().to_owned(),
                    };
                    (key, f.score)
                })
                .collect::<BTreeMap<String, f64>>()
        });
        let rule = match row.adaptive {
            Some(t) => Some(format!(
                "above the adaptive threshold {} (the {} quantile of the last {} scores)",
                num(t, 4),
                num(c.adaptive_quantile, 4),
                c.adaptive_window
            )),
            None if method == AnomalyMethod::Ensemble => Some(format!(
                "{} of {} methods agree",
                row.findings
                    .iter()
                    .filter(|f| f.flagged)
                    .map(|f| f.method)
                    .fold(Vec::new(), |mut v, m| {
                        if !v.contains(&m) {
                            v.push(m);
                        }
                        v
                    })
                    .len(),
                c.members().len()
            )),
            // "above {score_threshold}", written straight into the message.
            None => None,
        };
        // "anomaly in `a`, `b`: {method} score {score} {rule}", appended piece by piece (one
        // allocation rather than one per piece).
        let mut message = String::with_capacity(96);
        message.push_str("anomaly in ");
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                message.push_str(", ");
            }
            message.push('`');
            message.push_str(f);
            message.push('`');
        }
        message.push_str(": ");
        message.push_str(method.name());
        message.push_str(" score ");
        message.push_str(&num(score, 4));
        message.push(' ');
        match rule {
            Some(rule) => message.push_str(&rule),
            None => {
                message.push_str("above ");
                message.push_str(&self.score_threshold_text);
            }
        }
        let score_threshold = !ensemble
            && (method == AnomalyMethod::IsolationForest
                || method.is_score_only()
                || matches!(method, AnomalyMethod::Art | AnomalyMethod::OneClassSvm));
        let detail = RowAnomaly {
            fields: fields.to_vec(),
            values: fields.iter().cloned().zip(values.iter().copied()).collect(),
            anomaly_score: score,
            adaptive_threshold: row.adaptive,
            member_scores: members,
            score_threshold: score_threshold.then_some(c.score_threshold),
        };
        emit(
            message,
            AnomalyContext {
                detail: AnomalyDetail::Row(detail),
                threshold: None,
                window_size: c.window_size,
                method,
            },
        );
    }

    fn field_message(&self, field: &str, value: f64, method: AnomalyMethod, p: &ZPoint) -> String {
        let c = &self.config;
        match method {
            AnomalyMethod::Iqr => format!(
                "anomaly in `{field}`: {} is {} IQRs {} the quartiles of the previous {} values (fence k = {}, median {})",
                num(value, 6),
                num(p.z.abs(), 2),
                if p.z > 0.0 { "above" } else { "below" },
                c.window_size,
                self.threshold_text,
                num(p.center, 6),
            ),
            AnomalyMethod::RobustZ => format!(
                "anomaly in `{field}`: {} is {} robust σ {} the median {} of the previous {} values (threshold {}σ)",
                num(value, 6),
                num(p.z.abs(), 2),
                if p.z > 0.0 { "above" } else { "below" },
                num(p.center, 6),
                c.window_size,
                self.threshold_text
            ),
            AnomalyMethod::Ewma => format!(
                "anomaly in `{field}`: {} is {}σ {} the EWMA {} (alpha {}, threshold {}σ)",
                num(value, 6),
                num(p.z.abs(), 2),
                if p.z > 0.0 { "above" } else { "below" },
                num(p.center, 6),
                num(c.ewma_alpha(), 4),
                self.threshold_text
            ),
            _ => format!(
                "anomaly in `{field}`: {} is {}σ {} the mean {} of the previous {} values (threshold {}σ)",
                num(value, 6),
                num(p.z.abs(), 2),
                if p.z > 0.0 { "above" } else { "below" },
                num(p.center, 6),
                c.window_size,
                self.threshold_text
            ),
        }
    }

    fn field_context(&self, field: &str, value: f64, f: &Finding) -> AnomalyContext {
        let p = f.point.unwrap_or(ZPoint {
            z: f64::NAN,
            center: f64::NAN,
            scale: f64::NAN,
        });
        AnomalyContext {
            detail: AnomalyDetail::Field(FieldAnomaly {
                field: field.to_owned(),
                value,
                statistic: FieldStatistic::of(f.method, p.z, p.center, p.scale),
                anomaly_score: f.score,
            }),
            threshold: Some(self.config.threshold),
            window_size: self.config.window_size,
            method: f.method,
        }
    }

    /// The anomaly score of every row of `columns` (one slice per field, equal lengths), 0 for
    /// rows that could not be scored: the batch form used by evaluations.
    pub fn scores(&self, columns: &[&[f64]]) -> Vec<f64> {
        let n = columns.iter().map(|c| c.len()).min().unwrap_or(0);
        let mut det = Detector::new(&self.config, columns.len());
        let mut row = RowOutcome::default();
        let mut values = vec![0.0; columns.len()];
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            for (v, col) in values.iter_mut().zip(columns) {
                *v = col[i];
            }
            det.step(&values, &mut row);
            out.push(row.score.unwrap_or(0.0));
        }
        out
    }

    /// Scores a whole frame: the typed report with the result built from it (what
    /// [`Strategy::execute`](stratos_core::Strategy::execute) returns).
    ///
    /// # Errors
    /// As [`Strategy::execute`](stratos_core::Strategy::execute):
    /// [`StrategyError::NotEnoughData`] when no row can be scored, [`StrategyError::Config`]
    /// for a missing field.
    pub fn run(&self, frame: &Frame) -> Result<Reported<AnomalyReport>, StrategyError> {
        let fields = self.fields(frame.schema())?;
        let columns: Vec<&[f64]> = fields
            .iter()
            .map(|f| frame.column(f).unwrap_or(&[]))
            .collect();
        let n = frame.len();
        let c = &self.config;
        let method = c.effective_method();
        // The most rows any kernel could learn from: a field's finite values, or for a lone
        // isolation forest the complete rows. At most `warmup` of them means nothing can be
        // scored, online or in batch.
        let valid = if matches!(
            method,
            AnomalyMethod::IsolationForest | AnomalyMethod::OneClassSvm
        ) {
            (0..n)
                .filter(|&i| {
                    columns
                        .iter()
                        .all(|c| c.get(i).is_some_and(|v| v.is_finite()))
                })
                .count()
        } else {
            columns
                .iter()
                .map(|col| col.iter().filter(|v| v.is_finite()).count())
                .max()
                .unwrap_or(0)
        };
        if valid <= self.warmup() {
            return Err(StrategyError::NotEnoughData {
                strategy: ID.to_owned(),
                field: fields.join(", "),
                needed: self.warmup() + 1,
                got: valid,
            });
        }
        let mut det = Detector::new(c, fields.len());
        let mut row = RowOutcome::default();
        let mut values = vec![f64::NAN; fields.len()];
        // The per-field statistic columns of a lone univariate method.
        let stat_name = match method {
            AnomalyMethod::ZScore => Some("zscore"),
            AnomalyMethod::RobustZ => Some("robust_z"),
            AnomalyMethod::Iqr => Some("iqr_distance"),
            AnomalyMethod::Ewma => Some("ewma_z"),
            _ => None,
        };
        let mut stats: Vec<Vec<f64>> = match stat_name {
            Some(_) => vec![Vec::with_capacity(n); fields.len()],
            None => Vec::new(),
        };
        let mut scores = Vec::with_capacity(n);
        let mut flags = Vec::with_capacity(n);
        let mut anomalies = Vec::new();
        let (mut scored, mut rows_flagged, mut max_abs_stat, mut max_score) =
            (0usize, 0usize, 0.0f64, 0.0f64);
        let timestamps = frame.timestamps();
        for i in 0..n {
            for (v, col) in values.iter_mut().zip(&columns) {
                *v = col.get(i).copied().unwrap_or(f64::NAN);
            }
            det.step(&values, &mut row);
            for col in stats.iter_mut() {
                col.push(f64::NAN);
            }
            for f in &row.findings {
                if let (Some(j), Some(p)) = (f.field, f.point) {
                    if let Some(slot) = stats.get_mut(j).and_then(|c| c.last_mut()) {
                        *slot = p.z;
                    }
                    max_abs_stat = max_abs_stat.max(p.z.abs());
                }
            }
            if let Some(s) = row.score {
                scored += 1;
                max_score = max_score.max(s);
            }
            rows_flagged += usize::from(row.flagged);
            scores.push(row.score.unwrap_or(0.0));
            flags.push(row.flagged);
            let ts = timestamps.and_then(|t| t.get(i));
            self.reports(&fields, &values, &row, |_, context| {
                anomalies.push(Anomaly {
                    index: i,
                    timestamp: ts.copied(),
                    score: context.detail.anomaly_score(),
                    detail: context.detail,
                });
            });
        }
        let rate = if scored > 0 {
            rows_flagged as f64 / scored as f64
        } else {
            0.0
        };
        let report = AnomalyReport {
            method,
            fields: fields.clone(),
            threshold: c.threshold,
            window_size: c.window_size,
            ddof: c.ddof,
            points: n,
            scored_points: scored,
            anomaly_count: anomalies.len(),
            anomalous_rows: rows_flagged,
            anomalies,
            methods: (method == AnomalyMethod::Ensemble).then(|| c.members()),
            adaptive_threshold: c.adaptive_threshold.then_some(true),
        };
        let mut outputs = Outputs::new(fields[0].clone());
        if let Some(name) = stat_name {
            if fields.len() == 1 {
                outputs = outputs.number(name, stats.pop().unwrap_or_default());
            } else {
                for (f, col) in fields.iter().zip(stats) {
                    outputs = outputs.number(&format!("{name}_{f}"), col);
                }
            }
        }
        let outputs = outputs
            .number("anomaly_score", scores)
            .flag("is_anomaly", flags);
        let confidence = if n > 0 { scored as f64 / n as f64 } else { 0.0 };
        let stat_metric = match method {
            AnomalyMethod::ZScore => "max_abs_zscore",
            _ => "max_abs_statistic",
        };
        let mut result = StrategyResult::from_report(ResultType::Anomaly, &report, confidence)
            .map_err(|e| StrategyError::numeric(ID, e))?
            .with_metric("anomaly_count", rows_flagged as f64)
            .with_metric("anomaly_rate", rate)
            .with_metric("max_anomaly_score", max_score);
        if stat_name.is_some() {
            result = result.with_metric(stat_metric, max_abs_stat);
        }
        Ok(Reported {
            report,
            result: result.with_outputs(outputs),
        })
    }
}

impl BuiltinStrategy for AnomalyStrategy {
    type Config = AnomalyConfig;
    type Online = AnomalyOnline;
    const NAME: &'static str = "Anomaly detection";
    const DESCRIPTION: &'static str = "z-score, robust z, IQR, EWMA, isolation forest, contextual (CAD), KNN CAD, relative entropy, ART, one-class SVM, seasonal, ensemble, auto; adaptive threshold; flags, scores and alerts";
    const RESULT_TYPE: ResultType = ResultType::Anomaly;

    fn from_config(config: AnomalyConfig) -> Result<Self, ConfigError> {
        use stratos_core::StrategyConfig;
        config.validate()?;
        Ok(AnomalyStrategy {
            threshold_text: num(config.threshold, 4),
            score_threshold_text: num(config.score_threshold, 4),
            config,
        })
    }

    fn settings(&self) -> &AnomalyConfig {
        &self.config
    }

    fn config_warnings(&self) -> Vec<String> {
        self.config.cost_warnings()
    }

    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        self.fields(schema)
    }

    fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.run(frame).map(|r| r.result)
    }

    fn bind(&self, schema: &Schema) -> Result<Option<Self::Online>, ConfigError> {
        let fields = self.fields(schema)?;
        let indexes = fields
            .iter()
            .filter_map(|f| schema.value_index(f))
            .collect::<Vec<_>>();
        Ok(Some(AnomalyOnline {
            detector: Detector::new(&self.config, fields.len()).scoring_flagged_rows_only(),
            row: RowOutcome::default(),
            values: vec![f64::NAN; fields.len()],
            strategy: self.clone(),
            fields,
            indexes,
        }))
    }
}

/// The online form: an `alert` event per anomaly (see [`AnomalyStrategy`]), nothing otherwise.
#[derive(Debug)]
pub struct AnomalyOnline {
    strategy: AnomalyStrategy,
    detector: Detector,
    row: RowOutcome,
    values: Vec<f64>,
    fields: Vec<String>,
    indexes: Vec<usize>,
}

impl OnlineStrategy for AnomalyOnline {
    #[inline]
    fn update(&mut self, row: RowRef<'_>, out: &mut Vec<Event>) {
        for (v, &i) in self.values.iter_mut().zip(&self.indexes) {
            *v = row.values.get(i).copied().unwrap_or(f64::NAN);
        }
        self.detector.step(&self.values, &mut self.row);
        if !self.row.flagged {
            return;
        }
        let level = self.strategy.config.alert_level;
        self.strategy
            .reports(&self.fields, &self.values, &self.row, |message, context| {
                out.push(Event::Alert(Alert {
                    stream_id: row.stream_id.to_owned(),
                    strategy_id: ID.to_owned(),
                    timestamp: row.timestamp,
                    level,
                    message,
                    context: context.into_value(),
                }));
            });
    }

    fn reset(&mut self) {
        self.detector.reset();
    }
}

#[cfg(test)]
mod tests;
