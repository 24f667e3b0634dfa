//! `anomaly_detection` configuration.

use serde::{Deserialize, Serialize};
use stratos_core::config::{check_finite_range, check_range};
use stratos_core::{AlertLevel, ConfigError, ConfigKey, StrategyConfig};

use super::ID;

/// Detection method. More methods (robust z, IQR, EWMA, isolation forest, ensemble) are planned;
/// an unknown name is rejected with the list of known ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum AnomalyMethod {
    /// Rolling z-score against the `window_size` values before each point.
    #[default]
    #[serde(rename = "z_score")]
    ZScore,
}

/// Config of `anomaly_detection`, with the seed's keys.
///
/// ```json
/// {"threshold": 2.5, "method": "z_score", "window_size": 100, "alert_level": "CRITICAL"}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnomalyConfig {
    /// A point is anomalous when |z| > threshold (strict). Defaults to 3.0.
    pub threshold: f64,
    /// The method. Defaults to `z_score`.
    pub method: AnomalyMethod,
    /// How many preceding values form the reference window. Defaults to 100.
    pub window_size: usize,
    /// Delta degrees of freedom of the window's standard deviation: 1 (sample, pandas' default)
    /// or 0 (population, numpy's default). Defaults to 1.
    pub ddof: usize,
    /// The input field. Defaults to the input's main value field.
    pub data_field: Option<String>,
    /// Several input fields, each scored on its own; a row is anomalous when any field is.
    /// Exclusive with `data_field`. Defaults to none.
    pub fields: Option<Vec<String>>,
    /// The level of the alerts raised. Defaults to `WARNING`.
    pub alert_level: AlertLevel,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig {
            threshold: 3.0,
            method: AnomalyMethod::ZScore,
            window_size: 100,
            ddof: 1,
            data_field: None,
            fields: None,
            alert_level: AlertLevel::Warning,
        }
    }
}

impl StrategyConfig for AnomalyConfig {
    const STRATEGY_ID: &'static str = ID;

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
            ConfigKey::new("method", "z_score", "detection method"),
            ConfigKey::new(
                "window_size",
                "integer 2..=1000000",
                "number of preceding values in the reference window",
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
                "alert_level",
                "INFO | WARNING | CRITICAL",
                "level of the alerts raised",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_configs_parse() {
        for c in [
            serde_json::json!({"threshold": 2.0, "window_size": 100}),
            serde_json::json!({"threshold": 2.0, "method": "z_score", "window_size": 100}),
            serde_json::json!({"threshold": 2.5, "alert_level": "CRITICAL"}),
            serde_json::json!({"threshold": 2.5, "alert_level": "CRITICAL", "fields": ["temperature", "vibration", "rpm"]}),
        ] {
            AnomalyConfig::from_json(c.clone()).unwrap_or_else(|e| panic!("{c}: {e}"));
        }
    }

    #[test]
    fn rejects_bad_values() {
        let bad = [
            (
                serde_json::json!({"method": "lof"}),
                "unknown variant `lof`",
            ),
            (
                serde_json::json!({"threshold": 0}),
                "`threshold` = 0: expected a number > 0",
            ),
            (
                serde_json::json!({"window_size": 1}),
                "`window_size` = 1: expected a value in 2..=1000000",
            ),
            (serde_json::json!({"ddof": 2}), "`ddof` = 2"),
            (
                serde_json::json!({"alert_level": "LOUD"}),
                "unknown variant `LOUD`",
            ),
            (serde_json::json!({"fields": []}), "at least one field"),
            (
                serde_json::json!({"fields": ["a"], "data_field": "b"}),
                "not both",
            ),
            (serde_json::json!({"fields": ["a", "a"]}), "`a` repeats"),
            (
                serde_json::json!({"time_window": 3600}),
                "unknown field `time_window`",
            ),
        ];
        for (c, want) in bad {
            let e = AnomalyConfig::from_json(c.clone()).unwrap_err().to_string();
            assert!(e.contains(want), "{c}: {e}");
        }
    }
}
