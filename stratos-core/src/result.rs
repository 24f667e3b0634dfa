//! Batch strategy results.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::signal::{Action, Signal};

/// The kind of a result, as the seed names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResultType {
    /// Forecasts.
    Prediction,
    /// Trading signals.
    Signal,
    /// Anomaly flags and scores.
    Anomaly,
    /// Growth / trend detection.
    Trend,
    /// Windowed aggregates.
    Aggregate,
    /// Several strategies' results over one input (`auto_analysis`).
    Analysis,
}

impl ResultType {
    /// `PREDICTION`, `SIGNAL`, `ANOMALY`, `TREND`, `AGGREGATE` or `ANALYSIS`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultType::Prediction => "PREDICTION",
            ResultType::Signal => "SIGNAL",
            ResultType::Anomaly => "ANOMALY",
            ResultType::Trend => "TREND",
            ResultType::Aggregate => "AGGREGATE",
            ResultType::Analysis => "ANALYSIS",
        }
    }
}

impl std::fmt::Display for ResultType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The values of one per-row output column.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputValues {
    /// Numbers, NaN where undefined (written as JSON `null` / an empty CSV cell).
    Number(Vec<f64>),
    /// Flags.
    Flag(Vec<bool>),
    /// Signals, `None` where no signal is defined yet.
    Action(Vec<Option<Action>>),
}

impl OutputValues {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            OutputValues::Number(v) => v.len(),
            OutputValues::Flag(v) => v.len(),
            OutputValues::Action(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Serialize for OutputValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // serde_json writes NaN as null.
            OutputValues::Number(v) => v.serialize(s),
            OutputValues::Flag(v) => v.serialize(s),
            OutputValues::Action(v) => v.serialize(s),
        }
    }
}

/// One named per-row output (e.g. `sma`, `zscore`, `is_anomaly`).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumn {
    /// The column name, used as the CSV header.
    pub name: String,
    /// One value per input row.
    pub values: OutputValues,
}

/// The per-row outputs of a batch run: the input field they were computed from and one column
/// per output, each as long as the input. `stratos run --format csv` prints them row by row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outputs {
    /// The input field the outputs were computed from.
    pub field: Option<String>,
    /// The output columns, in display order.
    pub columns: Vec<OutputColumn>,
}

impl Outputs {
    /// Outputs computed from `field`.
    pub fn new(field: impl Into<String>) -> Self {
        Outputs {
            field: Some(field.into()),
            columns: Vec::new(),
        }
    }

    /// Adds a numeric column.
    pub fn number(mut self, name: &str, values: Vec<f64>) -> Self {
        self.columns.push(OutputColumn {
            name: name.to_owned(),
            values: OutputValues::Number(values),
        });
        self
    }

    /// Adds a flag column.
    pub fn flag(mut self, name: &str, values: Vec<bool>) -> Self {
        self.columns.push(OutputColumn {
            name: name.to_owned(),
            values: OutputValues::Flag(values),
        });
        self
    }

    /// Adds a signal column.
    pub fn action(mut self, name: &str, values: Vec<Option<Action>>) -> Self {
        self.columns.push(OutputColumn {
            name: name.to_owned(),
            values: OutputValues::Action(values),
        });
        self
    }

    /// A column by name.
    pub fn get(&self, name: &str) -> Option<&OutputValues> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.values)
    }

    /// True when there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}

impl Serialize for Outputs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Columns<'a>(&'a [OutputColumn]);
        impl Serialize for Columns<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for c in self.0 {
                    m.serialize_entry(&c.name, &c.values)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("field", &self.field)?;
        m.serialize_entry("columns", &Columns(&self.columns))?;
        m.end()
    }
}

/// What a batch strategy run returns, in the seed's shape:
///
/// ```json
/// {"result_id": "moving_average-…", "strategy_id": "moving_average", "type": "SIGNAL",
///  "data": {"currentPrice": 150.25, "movingAverage": 149.85, …},
///  "confidence": 0.9, "metrics": {"deviation": 0.0027},
///  "signal": {"action": "BUY", "strength": 0.07, "reason": "…"},
///  "outputs": {"field": "close", "columns": {"sma": [null, …]}}}
/// ```
///
/// `result_id` is a deterministic digest of the strategy id and `data`, so identical runs give
/// identical output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyResult {
    /// A digest identifying this result.
    pub result_id: String,
    /// The strategy that produced it.
    pub strategy_id: String,
    /// The kind of result.
    #[serde(rename = "type")]
    pub kind: ResultType,
    /// Strategy-specific fields, with the seed's names.
    pub data: serde_json::Value,
    /// How much to trust it, in [0, 1].
    pub confidence: f64,
    /// Named numbers (errors, counts, information criteria, …).
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    /// The signal at the last row, for signal-producing strategies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<Signal>,
    /// Per-row outputs, one value per input row.
    #[serde(skip_deserializing, skip_serializing_if = "Outputs::is_empty")]
    pub outputs: Outputs,
}

impl StrategyResult {
    /// A result with no metrics, signal or outputs; `confidence` is clamped into [0, 1].
    pub fn new(
        strategy_id: &str,
        kind: ResultType,
        data: serde_json::Value,
        confidence: f64,
    ) -> Self {
        let result_id = format!("{strategy_id}-{:016x}", fnv1a(strategy_id, &data));
        StrategyResult {
            result_id,
            strategy_id: strategy_id.to_owned(),
            kind,
            data,
            confidence: if confidence.is_nan() {
                0.0
            } else {
                confidence.clamp(0.0, 1.0)
            },
            metrics: BTreeMap::new(),
            signal: None,
            outputs: Outputs::default(),
        }
    }

    /// Adds a metric.
    pub fn with_metric(mut self, name: &str, value: f64) -> Self {
        self.metrics.insert(name.to_owned(), value);
        self
    }

    /// Sets the signal.
    pub fn with_signal(mut self, signal: Signal) -> Self {
        self.signal = Some(signal);
        self
    }

    /// Sets the per-row outputs.
    pub fn with_outputs(mut self, outputs: Outputs) -> Self {
        self.outputs = outputs;
        self
    }
}

fn fnv1a(id: &str, data: &serde_json::Value) -> u64 {
    let text = data.to_string();
    id.bytes()
        .chain([0u8])
        .chain(text.bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_serde_shape_and_deterministic_id() {
        let r = StrategyResult::new(
            "custom_ml_model",
            ResultType::Prediction,
            serde_json::json!({"prediction": 0.85, "confidence": 0.92}),
            0.92,
        )
        .with_metric("processing_time", 1.0)
        .with_outputs(
            Outputs::new("v")
                .number("p", vec![1.0, f64::NAN])
                .flag("f", vec![true, false]),
        );
        let again = StrategyResult::new(
            "custom_ml_model",
            ResultType::Prediction,
            r.data.clone(),
            0.5,
        );
        assert_eq!(r.result_id, again.result_id);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["type"], "PREDICTION");
        assert_eq!(json["data"]["prediction"], 0.85);
        assert_eq!(
            json["outputs"]["columns"]["p"],
            serde_json::json!([1.0, null])
        );
        assert_eq!(json["outputs"]["field"], "v");
        assert!(json.get("signal").is_none());
        let back: StrategyResult = serde_json::from_value(json).unwrap();
        assert_eq!(back.metrics, r.metrics);
    }
}
