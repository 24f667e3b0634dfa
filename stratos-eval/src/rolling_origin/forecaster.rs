//! Forecasters evaluated at each origin: baselines and ARIMA.

use stratos_core::{ConfigError, StrategyConfig, StrategyRequest};

use stratos_strategies::arima::order_search::{OrderSearch, search};
use stratos_strategies::arima::{Arima, ArimaConfig, ArimaOrder};
use stratos_strategies::hybrid::HybridConfig;

/// The strategies whose forecasts a rolling origin evaluates: `arima_prediction` and
/// `hybrid_arima_ma` (whose point forecast is its ARIMA part's).
pub const FORECASTING_STRATEGIES: [&str; 2] = [
    stratos_strategies::arima::ID,
    stratos_strategies::hybrid::ID,
];

/// The error a forecaster returns; boxed so that user forecasters can return their own.
pub type ForecastError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Something that forecasts `horizon` values following a history.
///
/// `Sync` because origins are forecast on several threads.
pub trait Forecaster: Sync {
    /// A short name for reports (`naive`, `drift`, `arima(2, 1, 2)`).
    fn name(&self) -> String;

    /// Fewest history values `forecast` accepts.
    fn min_history(&self) -> usize;

    /// Forecasts the `horizon` values that follow `history` (every value finite, at least
    /// [`Forecaster::min_history`] of them).
    ///
    /// # Errors
    /// Whatever the model reports when it cannot be fitted to `history`.
    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>, ForecastError>;
}

/// The naive forecast: every step equals the last value (a random walk's forecast).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Naive;

impl Forecaster for Naive {
    fn name(&self) -> String {
        "naive".to_owned()
    }

    fn min_history(&self) -> usize {
        1
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>, ForecastError> {
        let last = history.last().copied().ok_or("empty history")?;
        Ok(vec![last; horizon])
    }
}

/// The drift forecast: the line through the history's first and last values, extended,
/// `ŷ_k = y_last + k · (y_last − y_first) / (len − 1)` (Hyndman & Athanasopoulos, FPP3 §5.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drift;

impl Forecaster for Drift {
    fn name(&self) -> String {
        "drift".to_owned()
    }

    fn min_history(&self) -> usize {
        2
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>, ForecastError> {
        let (Some(first), Some(last)) = (history.first(), history.last()) else {
            return Err("empty history".into());
        };
        if history.len() < 2 {
            return Err("drift needs at least 2 values".into());
        }
        let slope = (last - first) / (history.len() - 1) as f64;
        Ok((1..=horizon).map(|k| last + k as f64 * slope).collect())
    }
}

/// ARIMA refitted at every origin from an `arima_prediction` config: the fixed order
/// `(p, d, q)`, or with `auto` the order search (per origin, so it costs one search per
/// origin: up to `(max_p + 1)(max_q + 1)` fits). The config's `steps` is ignored: the
/// evaluation's horizon decides.
#[derive(Debug, Clone, PartialEq)]
pub struct ArimaForecaster {
    config: ArimaConfig,
}

impl ArimaForecaster {
    /// A forecaster from a config, validated.
    ///
    /// # Errors
    /// [`stratos_core::ConfigError::Invalid`] for a config `arima_prediction` rejects.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use stratos_strategies::arima::ArimaConfig;
    /// use stratos_eval::rolling_origin::{ArimaForecaster, Forecaster};
    /// let f = ArimaForecaster::try_new(ArimaConfig { p: 1, d: Some(0), q: 0, ..ArimaConfig::default() })?;
    /// assert_eq!(f.name(), "arima(1, 0, 0)");
    /// # Ok(()) }
    /// ```
    pub fn try_new(config: ArimaConfig) -> Result<Self, stratos_core::ConfigError> {
        config.validate()?;
        Ok(ArimaForecaster { config })
    }

    /// The forecaster a forecasting strategy's request describes: `arima_prediction`'s
    /// config, or `hybrid_arima_ma`'s `arimaConfig` (the hybrid's point forecast is its ARIMA
    /// part's). `None` for a strategy that makes no forecasts.
    ///
    /// # Errors
    /// [`ConfigError`] for a config the strategy rejects.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::StrategyRequest;
    /// use stratos_eval::rolling_origin::{ArimaForecaster, Forecaster};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let request: StrategyRequest = serde_json::from_str(
    ///     r#"{"strategy_id": "hybrid_arima_ma", "config": {"arimaConfig": {"p": 2, "d": 1, "q": 0}}}"#,
    /// )?;
    /// let f = ArimaForecaster::for_request(&request)?.expect("a forecaster");
    /// assert_eq!(f.name(), "arima(2, 1, 0)");
    /// let ma: StrategyRequest = serde_json::from_str(r#"{"strategy_id": "moving_average"}"#)?;
    /// assert!(ArimaForecaster::for_request(&ma)?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn for_request(request: &StrategyRequest) -> Result<Option<Self>, ConfigError> {
        let config = match request.strategy_id.as_str() {
            stratos_strategies::arima::ID => ArimaConfig::from_json(request.config.clone())?,
            stratos_strategies::hybrid::ID => {
                HybridConfig::from_json(request.config.clone())?.arima_config
            }
            _ => return Ok(None),
        };
        Self::try_new(config).map(Some)
    }

    /// The ARIMA config.
    pub fn config(&self) -> &ArimaConfig {
        &self.config
    }

    fn order(&self) -> ArimaOrder {
        ArimaOrder::new(self.config.p, self.config.d_or_default(), self.config.q)
    }
}

impl Forecaster for ArimaForecaster {
    fn name(&self) -> String {
        if self.config.auto {
            format!(
                "arima(auto, max_p {}, max_q {})",
                self.config.max_p, self.config.max_q
            )
        } else {
            format!("arima{}", self.order())
        }
    }

    fn min_history(&self) -> usize {
        let order = if self.config.auto {
            ArimaOrder::new(
                self.config.max_p,
                self.config.d.unwrap_or(2),
                self.config.max_q,
            )
        } else {
            self.order()
        };
        order.d + order.n_params() + 2
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>, ForecastError> {
        let c = &self.config;
        let fitted = if c.auto {
            let search_config = OrderSearch {
                max_p: c.max_p,
                max_q: c.max_q,
                d: c.d,
                criterion: c.criterion,
                max_d: 2,
                seasonal: None,
            };
            search(history, &search_config)?.best
        } else {
            Arima::new(self.order()).fit(history)?
        };
        let fc = fitted.forecast(horizon, c.alpha)?;
        Ok(fc.mean)
    }
}
