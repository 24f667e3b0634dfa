//! `trend_analysis` configuration.

use serde::{Deserialize, Serialize};
use stratos_core::config::{check_finite_range, check_range};
use stratos_core::{AlertLevel, ConfigError, ConfigKey, StrategyConfig};

use super::ID;

/// What is compared between the current window and its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TrendMeasure {
    /// The mean of `data_field` over the window (NaN values skipped).
    #[default]
    Mean,
    /// The sum of `data_field` over the window.
    Sum,
    /// The number of records in the window (an event count; reads no field).
    Count,
}

impl TrendMeasure {
    /// `mean`, `sum` or `count`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrendMeasure::Mean => "mean",
            TrendMeasure::Sum => "sum",
            TrendMeasure::Count => "count",
        }
    }
}

/// Config of `trend_analysis`, with the seed's keys.
///
/// ```json
/// {"growth_threshold": 2.0, "time_window": 1800, "min_baseline": 100}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrendConfig {
    /// A trend (the seed's "viral") starts when current / baseline ≥ this. Defaults to 2.0.
    pub growth_threshold: f64,
    /// The window length in seconds: the current window is the last `time_window` seconds, its
    /// baseline the `time_window` seconds before. Defaults to 3600.
    pub time_window: u64,
    /// The baseline level below which no growth is computed (too little to grow from).
    /// Defaults to 1.0.
    pub min_baseline: f64,
    /// What is compared. Defaults to `mean`.
    pub measure: TrendMeasure,
    /// The input field (for `mean` and `sum`). Defaults to the input's main value field.
    pub data_field: Option<String>,
    /// Time buckets per window: windows move in steps of `time_window / buckets` seconds, and
    /// memory per stream is 2 × `buckets` buckets whatever the record rate. Defaults to 60.
    pub buckets: usize,
    /// The level of the alert raised when a trend starts. Defaults to `WARNING`.
    pub alert_level: AlertLevel,
}

impl Default for TrendConfig {
    fn default() -> Self {
        TrendConfig {
            growth_threshold: 2.0,
            time_window: 3600,
            min_baseline: 1.0,
            measure: TrendMeasure::Mean,
            data_field: None,
            buckets: 60,
            alert_level: AlertLevel::Warning,
        }
    }
}

impl StrategyConfig for TrendConfig {
    const STRATEGY_ID: &'static str = ID;

    fn validate(&self) -> Result<(), ConfigError> {
        check_finite_range(ID, "growth_threshold", self.growth_threshold, 0.0..=1e12)?;
        if self.growth_threshold <= 0.0 {
            return Err(ConfigError::invalid(
                ID,
                "growth_threshold",
                self.growth_threshold,
                "a number > 0",
            ));
        }
        check_range(ID, "time_window", self.time_window, 1..=31_622_400)?;
        check_finite_range(ID, "min_baseline", self.min_baseline, 0.0..=1e300)?;
        check_range(ID, "buckets", self.buckets, 1..=10_000)?;
        if self.buckets as u64 > self.time_window.saturating_mul(1_000_000) {
            return Err(ConfigError::invalid(
                ID,
                "buckets",
                self.buckets,
                "at most one bucket per microsecond of `time_window`",
            ));
        }
        if self.measure == TrendMeasure::Count && self.data_field.is_some() {
            return Err(ConfigError::invalid(
                ID,
                "data_field",
                format!("{:?}", self.data_field),
                "no field with `measure` = `count` (it counts records)",
            ));
        }
        Ok(())
    }

    fn key_docs() -> Vec<ConfigKey> {
        vec![
            ConfigKey::new(
                "growth_threshold",
                "number > 0",
                "a trend starts when current / baseline ≥ growth_threshold",
            ),
            ConfigKey::new(
                "time_window",
                "seconds 1..=31622400",
                "current window; the baseline is the window before it",
            ),
            ConfigKey::new(
                "min_baseline",
                "number ≥ 0",
                "no growth is computed from a baseline below this",
            ),
            ConfigKey::new(
                "measure",
                "mean | sum | count",
                "compare the field's mean or sum, or the record count",
            ),
            ConfigKey::new(
                "data_field",
                "a numeric field",
                "input field; default: close, price, value, else the first numeric field",
            ),
            ConfigKey::new(
                "buckets",
                "integer 1..=10000",
                "time buckets per window (resolution and memory bound)",
            ),
            ConfigKey::new(
                "alert_level",
                "INFO | WARNING | CRITICAL",
                "level of the alert raised when a trend starts",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_viral_config_parses() {
        let c = TrendConfig::from_json(
            serde_json::json!({"growth_threshold": 2.0, "time_window": 1800, "min_baseline": 100}),
        )
        .unwrap();
        assert_eq!(c.time_window, 1800);
        assert_eq!(c.min_baseline, 100.0);
    }

    #[test]
    fn rejects_bad_values() {
        for (c, want) in [
            (
                serde_json::json!({"growth_threshold": 0}),
                "`growth_threshold` = 0",
            ),
            (serde_json::json!({"time_window": 0}), "`time_window` = 0"),
            (
                serde_json::json!({"min_baseline": -1}),
                "`min_baseline` = -1",
            ),
            (serde_json::json!({"buckets": 0}), "`buckets` = 0"),
            (
                serde_json::json!({"measure": "count", "data_field": "x"}),
                "no field with `measure` = `count`",
            ),
            (serde_json::json!({"growth": 2}), "unknown field `growth`"),
        ] {
            let e = TrendConfig::from_json(c.clone()).unwrap_err().to_string();
            assert!(e.contains(want), "{c}: {e}");
        }
    }
}
