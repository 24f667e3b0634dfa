//! `anomaly_detection`: flags points that stray from their recent history, in batch and
//! online. Method `z_score`: the rolling z-score of each point against the `window_size` values
//! before it (see [`RollingZScore`]); a point is anomalous when |z| > `threshold`.
//!
//! Each scored point also gets an anomaly score in [0, 1]: `erf(|z| / √2)` (see
//! [`anomaly_score`]). With `fields`, every field is scored on its own and a row is anomalous
//! when any of its fields is.

mod config;
mod zscore;

use serde_json::json;
use stratos_core::strategy::resolve_field;
use stratos_core::{
    Alert, BuiltinStrategy, ConfigError, Event, Frame, OnlineStrategy, Outputs, ResultType, RowRef,
    Schema, Strategy, StrategyError, StrategyInfo, StrategyResult,
};

pub use config::{AnomalyConfig, AnomalyMethod};
pub use zscore::{RollingZScore, ZPoint, anomaly_score};

use crate::fmt::{json_num, num};

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
}

/// Per-row scoring shared by batch and online runs.
#[derive(Debug, Clone)]
struct ZState {
    kernels: Vec<RollingZScore>,
}

impl ZState {
    fn new(c: &AnomalyConfig, fields: usize) -> Self {
        ZState {
            kernels: (0..fields)
                .map(|_| RollingZScore::new(c.window_size, c.ddof))
                .collect(),
        }
    }

    /// Scores one row (one value per field) into `points`, then adds the values.
    fn step(&mut self, values: impl Iterator<Item = f64>, points: &mut Vec<Option<ZPoint>>) {
        points.clear();
        for (k, x) in self.kernels.iter_mut().zip(values) {
            points.push(k.score(x));
            k.add(x);
        }
    }

    fn reset(&mut self) {
        self.kernels.iter_mut().for_each(RollingZScore::reset);
    }
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

    fn is_anomaly(&self, p: &Option<ZPoint>) -> bool {
        p.is_some_and(|p| p.z.abs() > self.config.threshold)
    }

    fn message(&self, field: &str, value: f64, p: &ZPoint) -> String {
        format!(
            "anomaly in `{field}`: {} is {}σ {} the mean {} of the previous {} values (threshold {}σ)",
            num(value, 6),
            num(p.z.abs(), 2),
            if p.z > 0.0 { "above" } else { "below" },
            num(p.mean, 6),
            self.config.window_size,
            num(self.config.threshold, 4)
        )
    }

    fn context(&self, field: &str, value: f64, p: &ZPoint) -> serde_json::Value {
        json!({
            "field": field,
            "value": json_num(value),
            "zscore": json_num(p.z),
            "mean": json_num(p.mean),
            "std": json_num(p.std),
            "anomaly_score": json_num(anomaly_score(Some(p.z))),
            "threshold": self.config.threshold,
            "window_size": self.config.window_size,
            "method": "z_score",
        })
    }
}

impl BuiltinStrategy for AnomalyStrategy {
    type Config = AnomalyConfig;

    fn describe() -> StrategyInfo {
        StrategyInfo {
            id: ID.to_owned(),
            name: "Anomaly detection".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "rolling z-score against the preceding window; flags, scores and alerts"
                .to_owned(),
            result_type: ResultType::Anomaly,
            online: true,
            keys: Vec::new(),
        }
    }

    fn from_config(config: AnomalyConfig) -> Result<Self, ConfigError> {
        use stratos_core::StrategyConfig;
        config.validate()?;
        Ok(AnomalyStrategy { config })
    }
}

impl Strategy for AnomalyStrategy {
    fn id(&self) -> &str {
        ID
    }

    fn config(&self) -> serde_json::Value {
        serde_json::to_value(&self.config).unwrap_or_default()
    }

    fn input_fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        self.fields(schema)
    }

    fn execute(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        let fields = self.fields(frame.schema())?;
        let columns: Vec<&[f64]> = fields
            .iter()
            .map(|f| frame.column(f).unwrap_or(&[]))
            .collect();
        let n = frame.len();
        let c = &self.config;
        let valid = columns
            .iter()
            .map(|col| col.iter().filter(|v| v.is_finite()).count())
            .min()
            .unwrap_or(0);
        if valid <= c.window_size {
            return Err(StrategyError::NotEnoughData {
                strategy: ID.to_owned(),
                field: fields.join(", "),
                needed: c.window_size + 1,
                got: valid,
            });
        }
        let mut state = ZState::new(c, fields.len());
        let mut points = Vec::with_capacity(fields.len());
        let mut z: Vec<Vec<f64>> = vec![Vec::with_capacity(n); fields.len()];
        let mut scores = Vec::with_capacity(n);
        let mut flags = Vec::with_capacity(n);
        let mut anomalies = Vec::new();
        let (mut scored, mut rows_flagged, mut max_abs_z) = (0usize, 0usize, 0.0f64);
        for i in 0..n {
            state.step(
                columns
                    .iter()
                    .map(|col| col.get(i).copied().unwrap_or(f64::NAN)),
                &mut points,
            );
            let mut row_flag = false;
            let mut row_score = 0.0f64;
            let mut row_scored = false;
            for (j, p) in points.iter().enumerate() {
                z[j].push(p.map_or(f64::NAN, |p| p.z));
                let Some(p) = p else { continue };
                row_scored = true;
                max_abs_z = max_abs_z.max(p.z.abs());
                let s = anomaly_score(Some(p.z));
                row_score = row_score.max(s);
                if p.z.abs() > c.threshold {
                    row_flag = true;
                    let value = columns[j].get(i).copied().unwrap_or(f64::NAN);
                    anomalies.push(json!({
                        "index": i,
                        "timestamp": frame.timestamps().and_then(|t| t.get(i)),
                        "field": fields[j],
                        "value": json_num(value),
                        "zscore": json_num(p.z),
                        "mean": json_num(p.mean),
                        "std": json_num(p.std),
                        "score": json_num(s),
                    }));
                }
            }
            scored += usize::from(row_scored);
            rows_flagged += usize::from(row_flag);
            scores.push(row_score);
            flags.push(row_flag);
        }
        let rate = if scored > 0 {
            rows_flagged as f64 / scored as f64
        } else {
            0.0
        };
        let data = json!({
            "method": "z_score",
            "fields": fields,
            "threshold": c.threshold,
            "windowSize": c.window_size,
            "ddof": c.ddof,
            "points": n,
            "scoredPoints": scored,
            "anomalyCount": anomalies.len(),
            "anomalousRows": rows_flagged,
            "anomalies": anomalies,
        });
        let mut outputs = Outputs::new(fields[0].clone());
        if fields.len() == 1 {
            outputs = outputs.number("zscore", z.pop().unwrap_or_default());
        } else {
            for (f, col) in fields.iter().zip(z) {
                outputs = outputs.number(&format!("zscore_{f}"), col);
            }
        }
        let outputs = outputs
            .number("anomaly_score", scores)
            .flag("is_anomaly", flags);
        let confidence = if n > 0 { scored as f64 / n as f64 } else { 0.0 };
        Ok(
            StrategyResult::new(ID, ResultType::Anomaly, data, confidence)
                .with_metric("anomaly_count", rows_flagged as f64)
                .with_metric("anomaly_rate", rate)
                .with_metric("max_abs_zscore", max_abs_z)
                .with_outputs(outputs),
        )
    }

    fn online(&self, schema: &Schema) -> Result<Option<Box<dyn OnlineStrategy>>, ConfigError> {
        let fields = self.fields(schema)?;
        let indexes = fields
            .iter()
            .filter_map(|f| schema.value_index(f))
            .collect::<Vec<_>>();
        Ok(Some(Box::new(AnomalyOnline {
            state: ZState::new(&self.config, fields.len()),
            points: Vec::with_capacity(fields.len()),
            strategy: self.clone(),
            fields,
            indexes,
        })))
    }
}

/// The online form: an `alert` event for each anomalous field of each row, nothing otherwise.
#[derive(Debug)]
struct AnomalyOnline {
    strategy: AnomalyStrategy,
    state: ZState,
    points: Vec<Option<ZPoint>>,
    fields: Vec<String>,
    indexes: Vec<usize>,
}

impl OnlineStrategy for AnomalyOnline {
    #[inline]
    fn update(&mut self, row: RowRef<'_>, out: &mut Vec<Event>) {
        let values = row.values;
        self.state.step(
            self.indexes
                .iter()
                .map(|&i| values.get(i).copied().unwrap_or(f64::NAN)),
            &mut self.points,
        );
        for (j, p) in self.points.iter().enumerate() {
            if !self.strategy.is_anomaly(p) {
                continue;
            }
            let (Some(p), Some(field)) = (p, self.fields.get(j)) else {
                continue;
            };
            let value = self
                .indexes
                .get(j)
                .and_then(|&i| values.get(i))
                .copied()
                .unwrap_or(f64::NAN);
            out.push(Event::Alert(Alert {
                stream_id: row.stream_id.to_owned(),
                strategy_id: ID.to_owned(),
                timestamp: row.timestamp,
                level: self.strategy.config.alert_level,
                message: self.strategy.message(field, value, p),
                context: self.strategy.context(field, value, p),
            }));
        }
    }

    fn reset(&mut self) {
        self.state.reset();
    }
}

#[cfg(test)]
mod tests;
