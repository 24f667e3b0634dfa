//! Batch strategy results.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

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

/// A strategy's typed report: the struct a strategy builds and [`StrategyResult::data`] holds
/// serialised. Its serde attributes give the wire names, so the JSON is the same whether a
/// consumer reads it as a struct ([`StrategyResult::report`]) or as JSON.
///
/// Every built-in strategy has one (`MovingAverageReport`, `ArimaReport`, … in
/// `stratos-strategies`); a plug-in may implement it for its own report, or keep its `data`
/// free-form.
pub trait Report: Serialize + DeserializeOwned {
    /// The id of the strategy that writes this report.
    const STRATEGY_ID: &'static str;
}

/// A result whose `data` could not be read as, or written from, a typed [`Report`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The result was written by another strategy than the report's.
    #[error("a `{found}` result holds no `{expected}` report")]
    OtherStrategy {
        /// The report's strategy id.
        expected: &'static str,
        /// The result's strategy id.
        found: String,
    },
    /// The data does not have the report's shape (a missing key, a wrong type).
    #[error("{strategy}: the result's data is not its report: {source}")]
    Shape {
        /// The strategy id.
        strategy: &'static str,
        /// serde's message, naming the key.
        #[source]
        source: serde_json::Error,
    },
    /// The report could not be written as JSON (a map with non-text keys, a failing custom
    /// `Serialize`; never for the built-in reports).
    #[error("{strategy}: the report cannot be written as JSON: {source}")]
    Write {
        /// The strategy id.
        strategy: &'static str,
        /// serde's message.
        #[source]
        source: serde_json::Error,
    },
}

impl StrategyResult {
    /// A result whose `data` is `report` serialised, for `report`'s strategy; `confidence`
    /// is clamped into [0, 1] as in [`StrategyResult::new`].
    ///
    /// # Errors
    /// [`ReportError::Write`] when the report cannot be written as JSON.
    ///
    /// # Examples
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use stratos_core::result::Report;
    /// use stratos_core::{ResultType, StrategyResult};
    ///
    /// #[derive(Debug, PartialEq, Serialize, Deserialize)]
    /// struct LastReport { #[serde(rename = "lastValue")] last: f64 }
    /// impl Report for LastReport { const STRATEGY_ID: &'static str = "last_value"; }
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let r = StrategyResult::from_report(ResultType::Prediction, &LastReport { last: 2.0 }, 1.0)?;
    /// assert_eq!(r.data["lastValue"], 2.0);
    /// assert_eq!(r.report::<LastReport>()?, LastReport { last: 2.0 });
    /// # Ok(()) }
    /// ```
    pub fn from_report<R: Report>(
        kind: ResultType,
        report: &R,
        confidence: f64,
    ) -> Result<Self, ReportError> {
        let data = serde_json::to_value(report).map_err(|source| ReportError::Write {
            strategy: R::STRATEGY_ID,
            source,
        })?;
        Ok(StrategyResult::new(R::STRATEGY_ID, kind, data, confidence))
    }

    /// The typed report in `data`, for a result held only as a [`StrategyResult`] (from a
    /// `dyn Strategy`, the registry, or read back from JSON). Numbers written as `null`
    /// (undefined) read back as NaN.
    ///
    /// # Errors
    /// [`ReportError::OtherStrategy`] when the result is not from `R`'s strategy;
    /// [`ReportError::Shape`] when `data` is not `R`'s shape.
    pub fn report<R: Report>(&self) -> Result<R, ReportError> {
        if self.strategy_id != R::STRATEGY_ID {
            return Err(ReportError::OtherStrategy {
                expected: R::STRATEGY_ID,
                found: self.strategy_id.clone(),
            });
        }
        R::deserialize(&self.data).map_err(|source| ReportError::Shape {
            strategy: R::STRATEGY_ID,
            source,
        })
    }
}

/// A strategy run's typed report with the [`StrategyResult`] built from it (metrics, signal
/// and per-row outputs included): what a built-in strategy's typed API returns, so an
/// in-process consumer reads the fields without parsing JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported<R> {
    /// The typed report (the result's `data`, before serialisation).
    pub report: R,
    /// The result, as [`crate::Strategy::execute`] returns it.
    pub result: StrategyResult,
}

/// Reading a report number written as JSON `null` back as NaN: serde_json writes NaN and the
/// infinities as `null`, which a plain `f64` field cannot read. Use it as
/// `#[serde(deserialize_with = "stratos_core::result::nan_if_null")]` on `f64`, `Vec<f64>`
/// and `BTreeMap<String, f64>` fields (see [`NanIfNull`]).
///
/// # Errors
/// serde's error when the value is neither a number nor `null` (or a list or map of them).
pub fn nan_if_null<'de, D: Deserializer<'de>, T: NanIfNull>(d: D) -> Result<T, D::Error> {
    T::read(d)
}

/// The field types [`nan_if_null`] reads: `f64`, `Vec<f64>`, `BTreeMap<String, f64>`, and
/// an optional map (a missing or `null` map is `None`; give the field `#[serde(default)]`).
pub trait NanIfNull: Sized {
    /// Reads the value, `null` numbers as NaN.
    ///
    /// # Errors
    /// serde's error for any other mismatch.
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

impl NanIfNull for f64 {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

impl NanIfNull for Vec<f64> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Option<f64>>::deserialize(d)?
            .into_iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect())
    }
}

impl NanIfNull for BTreeMap<String, f64> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, Option<f64>>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
            .collect())
    }
}

impl NanIfNull for Option<BTreeMap<String, f64>> {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(
            Option::<BTreeMap<String, Option<f64>>>::deserialize(d)?.map(|m| {
                m.into_iter()
                    .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
                    .collect()
            }),
        )
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

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        #[serde(rename = "lastValue", deserialize_with = "nan_if_null")]
        last: f64,
        #[serde(deserialize_with = "nan_if_null")]
        path: Vec<f64>,
    }

    impl Report for Probe {
        const STRATEGY_ID: &'static str = "probe";
    }

    #[test]
    fn a_report_round_trips_through_data_with_nan_as_null() {
        let probe = Probe {
            last: f64::NAN,
            path: vec![1.0, f64::INFINITY],
        };
        let r = StrategyResult::from_report(ResultType::Prediction, &probe, 2.0).unwrap();
        assert_eq!(r.strategy_id, "probe");
        assert_eq!(r.confidence, 1.0);
        assert_eq!(
            r.data.to_string(),
            r#"{"lastValue":null,"path":[1.0,null]}"#
        );
        let back: Probe = r.report().unwrap();
        assert!(back.last.is_nan() && back.path[0] == 1.0 && back.path[1].is_nan());
        let mut other = r.clone();
        other.strategy_id = "moving_average".into();
        let e = other.report::<Probe>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "a `moving_average` result holds no `probe` report"
        );
        let mut bad = r;
        bad.data = serde_json::json!({"lastValue": "x", "path": []});
        let e = bad.report::<Probe>().unwrap_err();
        assert!(matches!(e, ReportError::Shape { .. }), "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }
}
