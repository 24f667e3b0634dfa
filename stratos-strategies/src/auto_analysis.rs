//! `auto_analysis`, the seed's strategy for data of unknown shape: detect the schema
//! ([`stratos_core::schema_detect::detect`]), run every suggested strategy on the input, and
//! return each one's result.
//!
//! Config (every key optional):
//!
//! ```json
//! {"strategies": ["moving_average", "anomaly_detection"],
//!  "configs": {"moving_average": {"period": 20}}}
//! ```
//!
//! - `strategies`: the strategies to run instead of the suggested ones (built-in ids).
//! - `configs`: a config per strategy id; a strategy without one runs with its defaults.
//!
//! The result (type `ANALYSIS`) holds the detection (`detected_type`, `confidence`, `schema`,
//! `suggested_strategies`, `reasons`) and `results`: one entry per strategy run, in order,
//! either `{"strategy_id", "result": {…}}` (the strategy's own result, exactly as running it
//! alone gives) or `{"strategy_id", "error": "…"}` (why it could not run on this input, e.g.
//! too few rows). Running it fails only when no strategy suits the input or none could run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stratos_core::result::Report;
use stratos_core::schema_detect::{DetectedSchema, DetectedType, detect};
use stratos_core::{
    BatchOnly, BuiltinStrategy, ConfigError, ConfigKey, Frame, Registry, Reported, ResultType,
    Schema, StrategyConfig, StrategyError, StrategyResult,
};

/// The strategy's id.
pub const ID: &str = "auto_analysis";

/// Config of `auto_analysis`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoAnalysisConfig {
    /// The strategies to run instead of the detection's suggestions (built-in ids); empty runs
    /// the suggested ones.
    pub strategies: Vec<String>,
    /// A config per strategy id (a missing one means that strategy's defaults).
    pub configs: BTreeMap<String, serde_json::Value>,
}

impl StrategyConfig for AutoAnalysisConfig {
    const STRATEGY_ID: &'static str = ID;

    fn validate(&self) -> Result<(), ConfigError> {
        let builtins = crate::builtins();
        let known = || builtins.ids().collect::<Vec<_>>().join(", ");
        for id in self.strategies.iter().chain(self.configs.keys()) {
            if !builtins.contains(id) {
                return Err(ConfigError::invalid(
                    ID,
                    if self.strategies.contains(id) {
                        "strategies"
                    } else {
                        "configs"
                    },
                    format!("{id:?}"),
                    format!("one of the built-in strategies: {}", known()),
                ));
            }
        }
        // Every given config is checked now, not when the input arrives.
        for (id, config) in &self.configs {
            builtins.build(id, config.clone())?;
        }
        Ok(())
    }

    fn key_docs() -> Vec<ConfigKey> {
        vec![
            ConfigKey::new(
                "strategies",
                "list of built-in strategy ids",
                "run these instead of the ones the schema detection suggests",
            ),
            ConfigKey::new(
                "configs",
                "object: strategy id -> its config",
                "the config of each strategy run (defaults otherwise)",
            ),
        ]
    }
}

/// The report of an `auto_analysis` run: the detection, and each strategy's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoAnalysisReport {
    /// The kind of data detected.
    pub detected_type: DetectedType,
    /// How sure the detection is, in [0, 1].
    pub confidence: f64,
    /// The frame's column roles.
    pub schema: DetectedSchema,
    /// The strategies the detection suggests, best first.
    pub suggested_strategies: Vec<String>,
    /// Why: one line per indicator found.
    pub reasons: Vec<String>,
    /// One entry per strategy run, in order.
    pub results: Vec<AnalysisEntry>,
}

/// One strategy run of an [`AutoAnalysisReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisEntry {
    /// The strategy.
    pub strategy_id: String,
    /// Its result, or why it could not run.
    #[serde(flatten)]
    pub outcome: AnalysisOutcome,
}

/// What one strategy run of `auto_analysis` gave: written as `"result": {…}` or
/// `"error": "…"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AnalysisOutcome {
    /// The strategy's own result, exactly as running it alone gives (read back from JSON,
    /// its per-row `outputs` are empty: they are written, not read).
    #[serde(rename = "result")]
    Ran(Box<StrategyResult>),
    /// Why it could not run on this input.
    #[serde(rename = "error")]
    Failed(String),
}

impl Report for AutoAnalysisReport {
    const STRATEGY_ID: &'static str = ID;
}

/// `auto_analysis`: schema detection, then every suggested strategy.
#[derive(Debug)]
pub struct AutoAnalysisStrategy {
    config: AutoAnalysisConfig,
    builtins: Registry,
}

impl AutoAnalysisStrategy {
    /// Detects the schema and runs each strategy: the typed report with the result built
    /// from it (what [`Strategy::execute`](stratos_core::Strategy::execute) returns).
    ///
    /// # Errors
    /// [`StrategyError::Numeric`] when no strategy suits the input or none could run.
    pub fn run(&self, frame: &Frame) -> Result<Reported<AutoAnalysisReport>, StrategyError> {
        let detection = detect(frame);
        let ids: &[String] = if self.config.strategies.is_empty() {
            &detection.suggested_strategies
        } else {
            &self.config.strategies
        };
        if ids.is_empty() {
            return Err(StrategyError::numeric(
                ID,
                format!(
                    "no strategy suits this input (detected {}: {}); name some with `strategies`",
                    detection.detected_type,
                    detection.reasons.join("; ")
                ),
            ));
        }
        let mut results = Vec::with_capacity(ids.len());
        let mut failures = Vec::new();
        for id in ids {
            let config = self
                .config
                .configs
                .get(id)
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            let run = self
                .builtins
                .build(id, config)
                .map_err(StrategyError::from)
                .and_then(|s| s.execute(frame));
            let outcome = match run {
                Ok(result) => AnalysisOutcome::Ran(Box::new(result)),
                Err(e) => {
                    failures.push(e.to_string());
                    AnalysisOutcome::Failed(e.to_string())
                }
            };
            results.push(AnalysisEntry {
                strategy_id: id.clone(),
                outcome,
            });
        }
        if failures.len() == ids.len() {
            return Err(StrategyError::numeric(
                ID,
                format!("no strategy could run: {}", failures.join("; ")),
            ));
        }
        let report = AutoAnalysisReport {
            detected_type: detection.detected_type,
            confidence: detection.confidence,
            schema: detection.schema.clone(),
            suggested_strategies: detection.suggested_strategies.clone(),
            reasons: detection.reasons.clone(),
            results,
        };
        let mut result =
            StrategyResult::from_report(ResultType::Analysis, &report, report.confidence)
                .map_err(|e| StrategyError::numeric(ID, e))?;
        result.metrics.insert(
            "strategies_run".to_owned(),
            (ids.len() - failures.len()) as f64,
        );
        result
            .metrics
            .insert("strategies_failed".to_owned(), failures.len() as f64);
        Ok(Reported { report, result })
    }
}

impl BuiltinStrategy for AutoAnalysisStrategy {
    type Config = AutoAnalysisConfig;
    type Online = BatchOnly;
    const NAME: &'static str = "Automatic analysis";
    const DESCRIPTION: &'static str =
        "detects what the data is and runs each suggested strategy, returning every result";
    const RESULT_TYPE: ResultType = ResultType::Analysis;

    fn from_config(config: AutoAnalysisConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(AutoAnalysisStrategy {
            config,
            builtins: crate::builtins(),
        })
    }

    fn settings(&self) -> &AutoAnalysisConfig {
        &self.config
    }

    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        Ok(schema.value_fields.clone())
    }

    fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.run(frame).map(|r| r.result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use stratos_core::Timestamp;

    /// 150 hourly readings of a temperature with one spike: sensor data, a time series.
    fn sensor_frame() -> Frame {
        let ts = (0..150)
            .map(|i| Timestamp::from_epoch_seconds(1_700_000_000 + 3600 * i))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let temp: Vec<f64> = (0..150)
            .map(|i| {
                if i == 140 {
                    60.0
                } else {
                    20.0 + (f64::from(i) / 5.0).sin()
                }
            })
            .collect();
        Frame::builder()
            .timestamps("time", ts)
            .numeric("temperature", temp)
            .build()
            .unwrap()
    }

    #[test]
    fn runs_every_suggested_strategy_and_returns_each_result() {
        let registry = crate::registry();
        let frame = sensor_frame();
        let auto = registry.build(ID, serde_json::Value::Null).unwrap();
        let r = auto.execute(&frame).unwrap();
        assert_eq!(r.kind, ResultType::Analysis);
        assert_eq!(r.data["detected_type"], "sensor_data");
        let suggested = r.data["suggested_strategies"].as_array().unwrap();
        assert_eq!(
            suggested,
            &["anomaly_detection", "moving_average", "arima_prediction"]
        );
        let results = r.data["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        // Each result is what the strategy alone gives.
        for (entry, id) in results.iter().zip(suggested) {
            let id = id.as_str().unwrap();
            assert_eq!(entry["strategy_id"], id);
            let alone = registry
                .build(id, serde_json::Value::Null)
                .unwrap()
                .execute(&frame)
                .unwrap();
            assert_eq!(
                entry["result"],
                serde_json::to_value(&alone).unwrap(),
                "{id}"
            );
        }
        // The spike at row 140 is found.
        let anomalies = results[0]["result"]["data"]["anomalies"]
            .as_array()
            .unwrap();
        assert!(anomalies.iter().any(|a| a["index"] == 140), "{anomalies:?}");
        assert_eq!(r.metrics["strategies_run"], 3.0);
    }

    #[test]
    fn configs_and_strategies_are_used_and_checked() {
        let registry = crate::registry();
        let frame = sensor_frame();
        let r = registry
            .build(
                ID,
                json!({"strategies": ["moving_average", "arima_prediction"],
                       "configs": {"moving_average": {"period": 7}, "arima_prediction": {"p": 1, "d": 0, "q": 0, "steps": 2}}}),
            )
            .unwrap()
            .execute(&frame)
            .unwrap();
        let results = r.data["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["result"]["data"]["period"], 7);
        assert_eq!(
            results[1]["result"]["data"]["predictions"]
                .as_array()
                .map(Vec::len),
            Some(2),
            "{}",
            results[1]
        );

        let e = registry
            .build(ID, json!({"strategies": ["magic"]}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("strategies") && e.contains("\"magic\""), "{e}");
        let e = registry
            .build(ID, json!({"configs": {"moving_average": {"period": 0}}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("moving_average") && e.contains("period"), "{e}");
        let e = registry
            .build(ID, json!({"strategies": ["auto_analysis"]}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"auto_analysis\""), "{e}");
    }

    #[test]
    fn a_strategy_that_cannot_run_is_reported_and_no_numbers_is_an_error() {
        let registry = crate::registry();
        let auto = registry.build(ID, serde_json::Value::Null).unwrap();
        // 50 rows: moving average runs; anomaly detection needs more than 100.
        let short = Frame::builder()
            .numeric("temperature", (0..50).map(f64::from).collect())
            .build()
            .unwrap();
        let r = auto.execute(&short).unwrap();
        let results = r.data["results"].as_array().unwrap();
        assert_eq!(results[0]["strategy_id"], "anomaly_detection");
        assert!(
            results[0]["error"]
                .as_str()
                .unwrap()
                .contains("needs at least"),
            "{}",
            results[0]
        );
        assert!(results[1]["result"].is_object());
        assert_eq!(r.metrics["strategies_failed"], 1.0);

        let mut notes = stratos_core::CategoryColumn::new("note");
        notes.push(Some("started"));
        notes.push(Some("stopped"));
        let text_only = Frame::builder().category(notes).build().unwrap();
        let e = auto.execute(&text_only).unwrap_err().to_string();
        assert!(e.contains("no strategy suits this input"), "{e}");
        let tiny = Frame::from_values("temperature", vec![1.0, 2.0]);
        let e = auto.execute(&tiny).unwrap_err().to_string();
        assert!(
            e.starts_with("auto_analysis: no strategy could run: "),
            "{e}"
        );
    }

    #[test]
    fn the_report_reads_back_with_each_strategy_report() {
        let s = AutoAnalysisStrategy::from_config(AutoAnalysisConfig {
            strategies: vec!["anomaly_detection".into(), "arima_prediction".into()],
            configs: BTreeMap::from([(
                "arima_prediction".to_owned(),
                json!({"minDataPoints": 1000}),
            )]),
        })
        .unwrap();
        let run = s.run(&sensor_frame()).unwrap();
        let back: AutoAnalysisReport = run.result.report().unwrap();
        assert_eq!(back.detected_type, run.report.detected_type);
        let AnalysisOutcome::Ran(anomaly) = &back.results[0].outcome else {
            panic!("{:?}", back.results[0]);
        };
        let anomalies = anomaly
            .report::<crate::anomaly::AnomalyReport>()
            .unwrap()
            .anomalies;
        assert!(anomalies.iter().any(|a| a.index == 140));
        assert!(
            matches!(&back.results[1].outcome, AnalysisOutcome::Failed(e) if e.contains("1000")),
            "{:?}",
            back.results[1]
        );
    }
}
