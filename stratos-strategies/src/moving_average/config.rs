//! `moving_average` configuration.

use serde::{Deserialize, Serialize};
use stratos_core::config::{check_finite_range, check_range};
use stratos_core::{ConfigError, ConfigKey, StrategyConfig};

use super::ID;

/// Largest accepted period.
pub const MAX_PERIOD: usize = 1_000_000;

/// Which average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MaKind {
    /// Simple moving average over `period` values (pandas `rolling(period).mean()`).
    #[default]
    Sma,
    /// Exponential moving average with span `period`, α = 2 / (period + 1) (pandas
    /// `ewm(span=period, adjust=…).mean()`).
    Ema,
    /// Linearly weighted moving average: weights 1..=period, newest heaviest.
    Wma,
}

impl MaKind {
    /// `sma`, `ema` or `wma`.
    pub fn as_str(self) -> &'static str {
        match self {
            MaKind::Sma => "sma",
            MaKind::Ema => "ema",
            MaKind::Wma => "wma",
        }
    }

    /// `SMA`, `EMA` or `WMA`.
    pub fn label(self) -> &'static str {
        match self {
            MaKind::Sma => "SMA",
            MaKind::Ema => "EMA",
            MaKind::Wma => "WMA",
        }
    }
}

/// Config of `moving_average`, with the seed's keys (`period`, `data_field`,
/// `signal_threshold`) and the design's (`kind`, `adjust`, `fast`, `slow`).
///
/// ```json
/// {"period": 20, "data_field": "price", "signal_threshold": 0.02}
/// {"kind": "ema", "fast": 12, "slow": 26}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MovingAverageConfig {
    /// Window length (SMA, WMA) or span (EMA). Defaults to 20.
    pub period: usize,
    /// The input field. Defaults to the input's main value field (`close`, `price`, `value`,
    /// else the first numeric field).
    pub data_field: Option<String>,
    /// Relative distance of price from its average beyond which the signal is BUY (above) or
    /// SELL (below); inside the band it is HOLD. Defaults to 0.02 (2%).
    pub signal_threshold: f64,
    /// `sma`, `ema` or `wma`. Defaults to `sma`.
    pub kind: MaKind,
    /// EMA only: pandas' `adjust` (true: weights normalised over the whole history). Defaults
    /// to false.
    pub adjust: bool,
    /// Fast period for crossover signals; set together with `slow`. Defaults to none.
    pub fast: Option<usize>,
    /// Slow period for crossover signals; set together with `fast`. Defaults to none.
    pub slow: Option<usize>,
}

impl Default for MovingAverageConfig {
    fn default() -> Self {
        MovingAverageConfig {
            period: 20,
            data_field: None,
            signal_threshold: 0.02,
            kind: MaKind::Sma,
            adjust: false,
            fast: None,
            slow: None,
        }
    }
}

impl MovingAverageConfig {
    /// The crossover periods, when both are set.
    pub fn crossover(&self) -> Option<(usize, usize)> {
        self.fast.zip(self.slow)
    }
}

impl StrategyConfig for MovingAverageConfig {
    const STRATEGY_ID: &'static str = ID;

    fn validate(&self) -> Result<(), ConfigError> {
        check_range(ID, "period", self.period, 1..=MAX_PERIOD)?;
        check_finite_range(ID, "signal_threshold", self.signal_threshold, 0.0..=1.0)?;
        if let Some(fast) = self.fast {
            check_range(ID, "fast", fast, 1..=MAX_PERIOD)?;
        }
        if let Some(slow) = self.slow {
            check_range(ID, "slow", slow, 1..=MAX_PERIOD)?;
        }
        match (self.fast, self.slow) {
            (Some(fast), Some(slow)) if fast >= slow => Err(ConfigError::invalid(
                ID,
                "fast",
                fast,
                format!("a period shorter than `slow` ({slow})"),
            )),
            (Some(_), None) => Err(ConfigError::invalid(
                ID,
                "slow",
                "null",
                "a period, since `fast` is set",
            )),
            (None, Some(_)) => Err(ConfigError::invalid(
                ID,
                "fast",
                "null",
                "a period, since `slow` is set",
            )),
            _ => Ok(()),
        }
    }

    fn key_docs() -> Vec<ConfigKey> {
        vec![
            ConfigKey::new(
                "period",
                "integer 1..=1000000",
                "window length (SMA, WMA) or span (EMA)",
            ),
            ConfigKey::new(
                "data_field",
                "a numeric field",
                "input field; default: close, price, value, else the first numeric field",
            ),
            ConfigKey::new(
                "signal_threshold",
                "number 0..=1",
                "price above/below its average by more than this fraction: BUY/SELL",
            ),
            ConfigKey::new("kind", "sma | ema | wma", "which average"),
            ConfigKey::new("adjust", "bool", "EMA: pandas adjust=True weighting"),
            ConfigKey::new(
                "fast",
                "integer 1..=1000000, < slow",
                "fast period for crossover signals",
            ),
            ConfigKey::new(
                "slow",
                "integer 1..=1000000, > fast",
                "slow period for crossover signals",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_configs_parse() {
        let c = MovingAverageConfig::from_json(
            serde_json::json!({"period": 20, "data_field": "price"}),
        )
        .unwrap();
        assert_eq!(c.data_field.as_deref(), Some("price"));
        let c = MovingAverageConfig::from_json(
            serde_json::json!({"period": 20, "signal_threshold": 0.02}),
        )
        .unwrap();
        assert_eq!(c.signal_threshold, 0.02);
        assert_eq!(
            MovingAverageConfig::from_json(serde_json::Value::Null).unwrap(),
            MovingAverageConfig::default()
        );
    }

    #[test]
    fn rejects_unknown_keys_and_out_of_range_values() {
        let e = MovingAverageConfig::from_json(serde_json::json!({"period": 20, "quick": true}))
            .unwrap_err();
        assert!(e.to_string().contains("unknown field `quick`"), "{e}");
        let e = MovingAverageConfig::from_json(serde_json::json!({"period": 0})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "moving_average: `period` = 0: expected a value in 1..=1000000"
        );
        let e = MovingAverageConfig::from_json(serde_json::json!({"fast": 30, "slow": 10}))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "moving_average: `fast` = 30: expected a period shorter than `slow` (10)"
        );
        let e = MovingAverageConfig::from_json(serde_json::json!({"fast": 3})).unwrap_err();
        assert!(e.to_string().contains("`slow`"), "{e}");
        let e = MovingAverageConfig::from_json(serde_json::json!({"kind": "hma"})).unwrap_err();
        assert!(e.to_string().contains("unknown variant `hma`"), "{e}");
        let e = MovingAverageConfig::from_json(serde_json::json!({"signal_threshold": -0.1}))
            .unwrap_err();
        assert!(e.to_string().contains("signal_threshold"), "{e}");
    }

    #[test]
    fn keys_carry_defaults() {
        let keys = MovingAverageConfig::keys();
        let period = keys.iter().find(|k| k.name == "period").unwrap();
        assert_eq!(period.default, serde_json::json!(20));
        assert_eq!(
            keys.iter().find(|k| k.name == "kind").unwrap().default,
            serde_json::json!("sma")
        );
    }
}
