//! `hybrid_arima_ma` configuration (camelCase keys, as the seed).

use serde::{Deserialize, Serialize};
use stratos_core::config::check_finite_range;
use stratos_core::{ConfigError, ConfigKey, StrategyConfig};

use crate::arima::ArimaConfig;
use crate::moving_average::MovingAverageConfig;

/// The strategy id.
pub const ID: &str = "hybrid_arima_ma";

/// How much each model's signal counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Weight of the ARIMA signal. Defaults to 0.7.
    pub arima: f64,
    /// Weight of the moving-average signal. Defaults to 0.3.
    pub ma: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            arima: 0.7,
            ma: 0.3,
        }
    }
}

/// Config of `hybrid_arima_ma`.
///
/// ```json
/// {"arimaConfig": {"p": 2, "d": 1, "q": 2, "steps": 3}, "maConfig": {"period": 20},
///  "weights": {"arima": 0.7, "ma": 0.3}, "consensusThreshold": 0.8}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "camelCase")]
pub struct HybridConfig {
    /// The ARIMA part's config (`arima_prediction` keys). Defaults to that strategy's defaults.
    pub arima_config: ArimaConfig,
    /// The moving-average part's config (`moving_average` keys). Defaults to its defaults.
    pub ma_config: MovingAverageConfig,
    /// Weights of the two signals. Defaults to ARIMA 0.7, MA 0.3.
    pub weights: Weights,
    /// Combined strength at or above which agreeing signals make a STRONG consensus. Defaults
    /// to 0.8.
    pub consensus_threshold: f64,
    /// Input field for both parts when their configs name none. Defaults to the main value field.
    #[serde(rename = "data_field")]
    pub data_field: Option<String>,
}

impl Default for HybridConfig {
    fn default() -> Self {
        HybridConfig {
            arima_config: ArimaConfig::default(),
            ma_config: MovingAverageConfig::default(),
            weights: Weights::default(),
            consensus_threshold: 0.8,
            data_field: None,
        }
    }
}

impl StrategyConfig for HybridConfig {
    const STRATEGY_ID: &'static str = ID;

    fn validate(&self) -> Result<(), ConfigError> {
        self.arima_config.validate()?;
        self.ma_config.validate()?;
        check_finite_range(ID, "weights.arima", self.weights.arima, 0.0..=1e6)?;
        check_finite_range(ID, "weights.ma", self.weights.ma, 0.0..=1e6)?;
        if self.weights.arima + self.weights.ma <= 0.0 {
            return Err(ConfigError::invalid(
                ID,
                "weights",
                "0",
                "at least one positive weight",
            ));
        }
        check_finite_range(
            ID,
            "consensusThreshold",
            self.consensus_threshold,
            0.0..=1.0,
        )
    }

    fn key_docs() -> Vec<ConfigKey> {
        vec![
            ConfigKey::new("arimaConfig", "arima_prediction config", "the ARIMA part"),
            ConfigKey::new(
                "maConfig",
                "moving_average config",
                "the moving-average part",
            ),
            ConfigKey::new(
                "weights",
                "{arima, ma} >= 0, not both 0",
                "weights of the two signals",
            ),
            ConfigKey::new(
                "consensusThreshold",
                "number 0..=1",
                "combined strength for a STRONG consensus",
            ),
            ConfigKey::new(
                "data_field",
                "a numeric field",
                "input field for both parts",
            ),
        ]
    }
}
