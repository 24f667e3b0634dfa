//! `arima_prediction` configuration.

use serde::{Deserialize, Serialize};
use stratos_core::config::{check_finite_range, check_range};
use stratos_core::{ConfigError, ConfigKey, StrategyConfig};

/// The strategy id.
pub const ID: &str = "arima_prediction";

/// Largest AR or MA order accepted.
pub const MAX_ORDER: usize = 10;

/// Largest seasonal AR or MA order accepted in the config (the model also needs
/// `max(p + s·P, q + s·Q + 1) ≤ 40`).
pub const MAX_SEASONAL_ORDER: usize = 3;

/// The information criterion that ranks orders in `auto` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Criterion {
    /// Akaike's criterion (the default).
    #[default]
    Aic,
    /// AIC with the small-sample correction.
    Aicc,
    /// Schwarz's Bayesian criterion.
    Bic,
}

/// Config of `arima_prediction`, with the seed's keys.
///
/// ```json
/// {"p": 2, "d": 1, "q": 2, "steps": 5}
/// {"auto": true, "max_p": 3, "max_q": 3, "criterion": "aic"}
/// {"p": 0, "d": 1, "q": 1, "P": 0, "D": 1, "Q": 1, "s": 12}
/// {"auto": true, "seasonalityDetection": true}
/// ```
///
/// The seasonal part: with `s` given, or found by `seasonalityDetection` (see
/// [`crate::arima::seasonality`]), the model is SARIMA `(p, d, q)(P, D, Q, s)`. Unset, `P` is 0,
/// `Q` is 1 and `D` is 1 when the seasonal strength at `s` is at least 0.64, else 0. With
/// `auto`, `P` and `Q` are searched up to `max_P` and `max_Q`, and `d` (when unset) is chosen
/// on the seasonally differenced series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArimaConfig {
    /// AR order. Defaults to 2.
    pub p: usize,
    /// Differencing order. Defaults to 1; with `auto` and no `d`, chosen by the KPSS/ADF route.
    pub d: Option<usize>,
    /// MA order. Defaults to 2.
    pub q: usize,
    /// Forecast horizon. Defaults to 5.
    pub steps: usize,
    /// Interval level: intervals cover 1 − alpha. Defaults to 0.05 (95%).
    pub alpha: f64,
    /// Choose (p, q) — and d when not given — by `criterion` over the grid up to `max_p`,
    /// `max_q`. Defaults to false.
    pub auto: bool,
    /// Largest p searched with `auto`. Defaults to 3.
    pub max_p: usize,
    /// Largest q searched with `auto`. Defaults to 3.
    pub max_q: usize,
    /// The criterion ranking orders with `auto`. Defaults to `aic`.
    pub criterion: Criterion,
    /// Fewest usable points accepted. Defaults to 100, as the seed.
    #[serde(rename = "minDataPoints")]
    pub min_data_points: usize,
    /// The input field. Defaults to the input's main value field.
    pub data_field: Option<String>,
    /// Seasonal AR order P (unset: 0, or searched with `auto`).
    #[serde(rename = "P")]
    pub seasonal_p: Option<usize>,
    /// Seasonal differencing order D (unset: chosen by the seasonal-strength test).
    #[serde(rename = "D")]
    pub seasonal_d: Option<usize>,
    /// Seasonal MA order Q (unset: 1, or searched with `auto`).
    #[serde(rename = "Q")]
    pub seasonal_q: Option<usize>,
    /// Seasonal period s (unset: none, or detected with `seasonalityDetection`).
    pub s: Option<usize>,
    /// Detect the seasonal period when `s` is unset, and report what was found. Defaults to
    /// false.
    #[serde(rename = "seasonalityDetection")]
    pub seasonality_detection: bool,
    /// Largest P searched with `auto` when the model is seasonal. Defaults to 1.
    #[serde(rename = "max_P")]
    pub max_seasonal_p: usize,
    /// Largest Q searched with `auto` when the model is seasonal. Defaults to 1.
    #[serde(rename = "max_Q")]
    pub max_seasonal_q: usize,
    /// Predicted relative change at the horizon beyond which the signal is BUY (up) or SELL
    /// (down). Defaults to 0.02 (2%).
    pub signal_threshold: f64,
}

impl Default for ArimaConfig {
    fn default() -> Self {
        ArimaConfig {
            p: 2,
            d: None,
            q: 2,
            steps: 5,
            alpha: 0.05,
            auto: false,
            max_p: 3,
            max_q: 3,
            criterion: Criterion::Aic,
            min_data_points: 100,
            data_field: None,
            seasonal_p: None,
            seasonal_d: None,
            seasonal_q: None,
            s: None,
            seasonality_detection: false,
            max_seasonal_p: 1,
            max_seasonal_q: 1,
            signal_threshold: 0.02,
        }
    }
}

impl ArimaConfig {
    /// The differencing order of a fixed-order fit: `d`, or 1.
    pub fn d_or_default(&self) -> usize {
        self.d.unwrap_or(1)
    }
}

impl StrategyConfig for ArimaConfig {
    const STRATEGY_ID: &'static str = ID;

    fn validate(&self) -> Result<(), ConfigError> {
        check_range(ID, "p", self.p, 0..=MAX_ORDER)?;
        check_range(ID, "q", self.q, 0..=MAX_ORDER)?;
        if let Some(d) = self.d {
            check_range(ID, "d", d, 0..=2)?;
        }
        check_range(ID, "steps", self.steps, 1..=10_000)?;
        check_finite_range(ID, "alpha", self.alpha, 1e-12..=0.999_999)?;
        check_range(ID, "max_p", self.max_p, 0..=MAX_ORDER)?;
        check_range(ID, "max_q", self.max_q, 0..=MAX_ORDER)?;
        check_range(ID, "minDataPoints", self.min_data_points, 3..=100_000_000)?;
        if let Some(v) = self.seasonal_p {
            check_range(ID, "P", v, 0..=MAX_SEASONAL_ORDER)?;
        }
        if let Some(v) = self.seasonal_d {
            check_range(ID, "D", v, 0..=2)?;
        }
        if let Some(v) = self.seasonal_q {
            check_range(ID, "Q", v, 0..=MAX_SEASONAL_ORDER)?;
        }
        if let Some(v) = self.s {
            check_range(ID, "s", v, 2..=1000)?;
        }
        check_range(ID, "max_P", self.max_seasonal_p, 0..=MAX_SEASONAL_ORDER)?;
        check_range(ID, "max_Q", self.max_seasonal_q, 0..=MAX_SEASONAL_ORDER)?;
        check_finite_range(ID, "signal_threshold", self.signal_threshold, 0.0..=1.0)
    }

    fn key_docs() -> Vec<ConfigKey> {
        vec![
            ConfigKey::new("p", "integer 0..=10", "AR order"),
            ConfigKey::new(
                "d",
                "0 | 1 | 2",
                "differencing order (default 1; chosen by KPSS/ADF when auto and unset)",
            ),
            ConfigKey::new("q", "integer 0..=10", "MA order"),
            ConfigKey::new("steps", "integer 1..=10000", "forecast horizon"),
            ConfigKey::new("alpha", "number in (0, 1)", "intervals cover 1 - alpha"),
            ConfigKey::new("auto", "bool", "choose the order by `criterion`"),
            ConfigKey::new("max_p", "integer 0..=10", "largest p searched with auto"),
            ConfigKey::new("max_q", "integer 0..=10", "largest q searched with auto"),
            ConfigKey::new(
                "criterion",
                "aic | aicc | bic",
                "criterion ranking orders with auto",
            ),
            ConfigKey::new(
                "minDataPoints",
                "integer >= 3",
                "fewest usable points accepted",
            ),
            ConfigKey::new(
                "data_field",
                "a numeric field",
                "input field; default: close, price, value, else the first numeric field",
            ),
            ConfigKey::new(
                "P",
                "integer 0..=3",
                "seasonal AR order (default 0; searched with auto)",
            ),
            ConfigKey::new(
                "D",
                "0 | 1 | 2",
                "seasonal differences (default: 1 when the seasonal strength is >= 0.64)",
            ),
            ConfigKey::new(
                "Q",
                "integer 0..=3",
                "seasonal MA order (default 1 with a period; searched with auto)",
            ),
            ConfigKey::new("s", "integer 2..=1000", "seasonal period (default: none)"),
            ConfigKey::new(
                "seasonalityDetection",
                "bool",
                "detect the period from the ACF/periodogram when s is unset",
            ),
            ConfigKey::new("max_P", "integer 0..=3", "largest P searched with auto"),
            ConfigKey::new("max_Q", "integer 0..=3", "largest Q searched with auto"),
            ConfigKey::new(
                "signal_threshold",
                "number 0..=1",
                "predicted change beyond this fraction: BUY/SELL",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasonal_keys_parse_and_are_checked() {
        let c = ArimaConfig::from_json(
            serde_json::json!({"P": 1, "D": 1, "Q": 1, "s": 12, "seasonalityDetection": true}),
        )
        .unwrap();
        assert_eq!(
            (c.seasonal_p, c.seasonal_d, c.seasonal_q, c.s),
            (Some(1), Some(1), Some(1), Some(12))
        );
        assert!(c.seasonality_detection);
        for (bad, want) in [
            (serde_json::json!({"s": 1}), "`s` = 1"),
            (serde_json::json!({"D": 3}), "`D` = 3"),
            (serde_json::json!({"Q": 4}), "`Q` = 4"),
            (serde_json::json!({"max_P": 9}), "`max_P` = 9"),
        ] {
            let e = ArimaConfig::from_json(bad.clone()).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn seed_config_parses_and_ranges_are_checked() {
        let c = ArimaConfig::from_json(serde_json::json!({"p": 2, "d": 1, "q": 2, "steps": 5}))
            .unwrap();
        assert_eq!((c.p, c.d_or_default(), c.q, c.steps), (2, 1, 2, 5));
        let c = ArimaConfig::from_json(
            serde_json::json!({"minDataPoints": 30, "auto": true, "criterion": "bic"}),
        )
        .unwrap();
        assert_eq!(
            (c.min_data_points, c.criterion, c.d),
            (30, Criterion::Bic, None)
        );
        for (bad, want) in [
            (serde_json::json!({"d": 3}), "`d` = 3"),
            (serde_json::json!({"alpha": 1.0}), "`alpha` = 1"),
            (serde_json::json!({"steps": 0}), "`steps` = 0"),
            (
                serde_json::json!({"min_data_points": 5}),
                "unknown field `min_data_points`",
            ),
            (
                serde_json::json!({"criterion": "hqic"}),
                "unknown variant `hqic`",
            ),
        ] {
            let e = ArimaConfig::from_json(bad.clone()).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }
}
