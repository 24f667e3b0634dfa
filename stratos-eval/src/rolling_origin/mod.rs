//! Rolling-origin evaluation of forecasters: for each origin, fit on the data up to the origin,
//! forecast `horizon` steps, and score the forecasts against what happened, per horizon.
//!
//! ```text
//! origins    o = initial, initial + step, initial + 2·step, …  while o + horizon ≤ n
//! training   expanding: y[0 .. o]          sliding(w): y[o − w .. o]
//! forecast   ŷ_{o,k}, k = 1..=horizon, for y[o + k − 1]
//! per k      e = y[o+k−1] − ŷ_{o,k}
//!            RMSE = sqrt(mean e²)        MAE = mean |e|
//!            MAPE = 100 · mean |e / y[o+k−1]|   over the actuals ≠ 0 (None when every one is 0)
//!            direction accuracy = share of origins with
//!                sign(ŷ_{o,k} − y[o−1]) = sign(y[o+k−1] − y[o−1])   (sign ∈ {−1, 0, +1})
//! average_accuracy = mean of the per-horizon direction accuracies (the seed's field)
//! ```
//!
//! This is the "evaluation on a rolling forecasting origin" of Hyndman & Athanasopoulos,
//! *Forecasting: Principles and Practice* (3rd ed., §5.10), with the training window either
//! growing (expanding) or of fixed length (sliding). Only origins whose whole horizon lies in the
//! data are scored, so every horizon is scored over the same origins.
//!
//! Forecasters: [`Naive`] (the last value), [`Drift`] (the line through the window's first and
//! last values) and [`ArimaForecaster`] (an `arima_prediction` config, refitted at every
//! origin). The `hybrid_arima_ma` strategy's point forecast is its ARIMA part's, so it is
//! evaluated with [`ArimaForecaster`] built from its `arimaConfig`. Any type implementing
//! [`Forecaster`] can be evaluated.
//!
//! # Examples
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use stratos_eval::rolling_origin::{Naive, RollingOrigin, RollingOriginConfig, Window};
//! let y = [10.0, 11.0, 13.0, 12.0, 15.0, 14.0];
//! let config = RollingOriginConfig {
//!     horizon: 2,
//!     initial: Some(3),
//!     window: Window::Expanding,
//!     ..RollingOriginConfig::default()
//! };
//! let report = RollingOrigin::try_new(config)?.run(&Naive, &y)?;
//! assert_eq!(report.origins(), [3, 4]);
//! assert_eq!(report.horizons[1].rmse, 2.0); // errors 15 − 13 and 14 − 12
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};
use stratos_core::ConfigError;
use stratos_core::config::check_range;

mod error;
mod forecaster;

pub use error::RollingOriginError;
pub use forecaster::{
    ArimaForecaster, Drift, FORECASTING_STRATEGIES, ForecastError, Forecaster, Naive,
};

/// The name evaluation errors are reported under.
pub const ID: &str = "rolling_origin";

/// Largest horizon accepted.
const MAX_HORIZON: usize = 10_000;

/// The training window at each origin.
///
/// In JSON: `"expanding"` or `{"sliding": 250}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    /// Every value before the origin (the default).
    #[default]
    Expanding,
    /// The last `n` values before the origin.
    Sliding(usize),
}

/// Config of a rolling-origin evaluation.
///
/// ```json
/// {"horizon": 5, "step": 20, "initial": 500, "window": {"sliding": 250}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RollingOriginConfig {
    /// Steps forecast at each origin (1..=10000). Defaults to 5.
    pub horizon: usize,
    /// Values between consecutive origins (≥ 1). Defaults to 1 (every value is an origin).
    pub step: usize,
    /// The first origin: how many values precede the first forecast. Defaults to half the
    /// series, raised to the sliding window's size and the forecaster's minimum history.
    pub initial: Option<usize>,
    /// The training window. Defaults to expanding.
    pub window: Window,
}

impl Default for RollingOriginConfig {
    fn default() -> Self {
        RollingOriginConfig {
            horizon: 5,
            step: 1,
            initial: None,
            window: Window::Expanding,
        }
    }
}

impl RollingOriginConfig {
    /// Checks every key against its range.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key: `horizon` outside 1..=10000, `step` 0,
    /// `initial` 0, `window.sliding` 0 or larger than `initial`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_range(ID, "horizon", self.horizon, 1..=MAX_HORIZON)?;
        check_range(ID, "step", self.step, 1..=usize::MAX)?;
        if let Some(initial) = self.initial {
            check_range(ID, "initial", initial, 1..=usize::MAX)?;
        }
        if let Window::Sliding(size) = self.window {
            let max = self.initial.unwrap_or(usize::MAX);
            if size == 0 || size > max {
                return Err(ConfigError::invalid(
                    ID,
                    "window.sliding",
                    size,
                    format!("a size in 1..={max} (at most `initial`)"),
                ));
            }
        }
        Ok(())
    }
}

/// The scores of one horizon step over every origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonMetrics {
    /// The step ahead, 1-based.
    pub horizon: usize,
    /// Origins scored.
    pub count: usize,
    /// Mean absolute percentage error, in percent, over the actuals that are not 0; `None`
    /// when every actual is 0.
    pub mape: Option<f64>,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Share of origins, in [0, 1], where the forecast moved from the origin's last value in
    /// the same direction (up, down or flat) as the actual value.
    pub direction_accuracy: f64,
}

/// The forecast made at one origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginForecast {
    /// The origin: the number of values before the first forecast step (so the forecast of
    /// step k is for index `origin + k − 1`).
    pub origin: usize,
    /// The forecasts of steps 1..=horizon.
    pub forecast: Vec<f64>,
}

/// What a rolling-origin evaluation found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingOriginReport {
    /// The forecaster's name.
    pub forecaster: String,
    /// The config, with `initial` resolved.
    pub config: RollingOriginConfig,
    /// Scores per horizon step, steps 1..=horizon.
    pub horizons: Vec<HorizonMetrics>,
    /// The mean of the per-horizon direction accuracies (the seed's `average_accuracy`).
    pub average_accuracy: f64,
    /// Every origin's forecast, in origin order.
    pub forecasts: Vec<OriginForecast>,
}

impl RollingOriginReport {
    /// The origins, in order.
    pub fn origins(&self) -> Vec<usize> {
        self.forecasts.iter().map(|f| f.origin).collect()
    }
}

/// A validated rolling-origin evaluation, ready to run over any series and forecaster.
#[derive(Debug, Clone, PartialEq)]
pub struct RollingOrigin {
    config: RollingOriginConfig,
}

impl RollingOrigin {
    /// Validates the config.
    ///
    /// # Errors
    /// [`RollingOriginError::Config`] from [`RollingOriginConfig::validate`].
    pub fn try_new(config: RollingOriginConfig) -> Result<Self, RollingOriginError> {
        config.validate()?;
        Ok(RollingOrigin { config })
    }

    /// The evaluation a forecasting strategy's backtest reports its `average_accuracy` from,
    /// aligned with its walk-forward signals: horizon = the config's `steps`, an origin every
    /// `refit_every` bars, the first at `minDataPoints` (at least the model's minimum
    /// history), expanding window.
    ///
    /// # Errors
    /// [`RollingOriginError::Config`] when that config is out of range (e.g. `steps` 0).
    pub fn aligned_with_refits(
        forecaster: &ArimaForecaster,
        refit_every: usize,
    ) -> Result<Self, RollingOriginError> {
        let arima = forecaster.config();
        Self::try_new(RollingOriginConfig {
            horizon: arima.steps,
            step: refit_every.max(1),
            initial: Some(arima.min_data_points.max(forecaster.min_history())),
            window: Window::Expanding,
        })
    }

    /// The validated config.
    pub fn config(&self) -> &RollingOriginConfig {
        &self.config
    }

    /// The first origin for a series of `n` values: `initial`, or half the series raised to
    /// the sliding window's size and `min_history`.
    fn initial(&self, n: usize, min_history: usize) -> usize {
        self.config.initial.unwrap_or_else(|| {
            let size = match self.config.window {
                Window::Sliding(size) => size,
                Window::Expanding => 0,
            };
            (n / 2).max(size).max(min_history).max(1)
        })
    }

    /// Forecasts from every origin and scores the forecasts per horizon (see the module
    /// docs). Origins are forecast on all available cores; the result does not depend on
    /// how many.
    ///
    /// # Errors
    /// - [`RollingOriginError::NonFinite`] for a NaN or infinite value in `y`;
    /// - [`RollingOriginError::Config`] (key `initial` or `window.sliding`) when the training
    ///   window is shorter than the forecaster's minimum history;
    /// - [`RollingOriginError::TooShort`] when no origin has its whole horizon in the data;
    /// - [`RollingOriginError::Forecast`] / [`RollingOriginError::BadForecast`] when the forecaster
    ///   fails or answers with the wrong length or non-finite values at an origin.
    pub fn run<F: Forecaster + ?Sized>(
        &self,
        forecaster: &F,
        y: &[f64],
    ) -> Result<RollingOriginReport, RollingOriginError> {
        if let Some((index, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(RollingOriginError::NonFinite { index, value });
        }
        let c = &self.config;
        let h = c.horizon;
        let min_history = forecaster.min_history();
        let initial = self.initial(y.len(), min_history);
        let (train_len, key) = match c.window {
            Window::Expanding => (initial, "initial"),
            Window::Sliding(size) => (size, "window.sliding"),
        };
        if train_len < min_history {
            return Err(ConfigError::invalid(
                ID,
                key,
                train_len,
                format!(
                    "at least {min_history} (the fewest values {} fits)",
                    forecaster.name()
                ),
            )
            .into());
        }
        let origins: Vec<usize> = (initial..)
            .step_by(c.step)
            .take_while(|o| o.checked_add(h).is_some_and(|end| end <= y.len()))
            .collect();
        if origins.is_empty() {
            return Err(RollingOriginError::TooShort {
                needed: initial.saturating_add(h),
                got: y.len(),
                initial,
                horizon: h,
            });
        }
        let forecasts = forecast_all(forecaster, y, &origins, c.window, h)?;
        let horizons: Vec<HorizonMetrics> = (1..=h).map(|k| score(y, &forecasts, k)).collect();
        let average_accuracy =
            horizons.iter().map(|m| m.direction_accuracy).sum::<f64>() / horizons.len() as f64;
        Ok(RollingOriginReport {
            forecaster: forecaster.name(),
            config: RollingOriginConfig {
                initial: Some(initial),
                ..c.clone()
            },
            horizons,
            average_accuracy,
            forecasts,
        })
    }
}

/// Forecasts every origin, spreading origins over the available cores round-robin (later
/// origins of an expanding window cost more, so contiguous blocks would be unbalanced).
fn forecast_all<F: Forecaster + ?Sized>(
    forecaster: &F,
    y: &[f64],
    origins: &[usize],
    window: Window,
    h: usize,
) -> Result<Vec<OriginForecast>, RollingOriginError> {
    let one = |origin: usize| -> Result<OriginForecast, RollingOriginError> {
        let start = match window {
            Window::Expanding => 0,
            Window::Sliding(size) => origin - size,
        };
        let history = &y[start..origin];
        let forecast = forecaster
            .forecast(history, h)
            .map_err(|source: ForecastError| RollingOriginError::Forecast { origin, source })?;
        if forecast.len() != h {
            return Err(RollingOriginError::BadForecast {
                origin,
                message: format!("expected {h} values, got {}", forecast.len()),
            });
        }
        if let Some((k, v)) = forecast.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(RollingOriginError::BadForecast {
                origin,
                message: format!("step {} is not finite ({v})", k + 1),
            });
        }
        Ok(OriginForecast { origin, forecast })
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(origins.len());
    if threads <= 1 {
        return origins.iter().map(|&o| one(o)).collect();
    }
    let parts: Vec<Result<Vec<(usize, OriginForecast)>, RollingOriginError>> =
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let one = &one;
                    s.spawn(move || {
                        (t..origins.len())
                            .step_by(threads)
                            .map(|i| one(origins[i]).map(|f| (i, f)))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .enumerate()
                .map(|(t, h)| {
                    h.join().unwrap_or_else(|_| {
                        // Thread t started with origin t; the panic was there or later.
                        Err(RollingOriginError::BadForecast {
                            origin: origins.get(t).copied().unwrap_or(0),
                            message: "the forecaster panicked at this origin or a later one \
                                      forecast by the same thread"
                                .to_owned(),
                        })
                    })
                })
                .collect()
        });
    let mut slots: Vec<Option<OriginForecast>> = vec![None; origins.len()];
    // Report the error of the earliest failing origin, whatever thread found it.
    let mut first_err: Option<RollingOriginError> = None;
    for part in parts {
        match part {
            Ok(done) => {
                for (i, f) in done {
                    slots[i] = Some(f);
                }
            }
            Err(e) => {
                let origin = |e: &RollingOriginError| match e {
                    RollingOriginError::Forecast { origin, .. }
                    | RollingOriginError::BadForecast { origin, .. } => *origin,
                    _ => 0,
                };
                if first_err.as_ref().is_none_or(|f| origin(&e) < origin(f)) {
                    first_err = Some(e);
                }
            }
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    slots
        .into_iter()
        .zip(origins)
        .map(|(f, &origin)| {
            f.ok_or_else(|| RollingOriginError::BadForecast {
                origin,
                message: "no forecast was made".to_owned(),
            })
        })
        .collect()
}

/// The scores of step `k` (1-based) over every origin's forecast.
fn score(y: &[f64], forecasts: &[OriginForecast], k: usize) -> HorizonMetrics {
    let (mut sse, mut sae, mut ape, mut n_ape, mut hits) = (0.0, 0.0, 0.0, 0usize, 0usize);
    for f in forecasts {
        let actual = y[f.origin + k - 1];
        let predicted = f.forecast[k - 1];
        let base = y[f.origin - 1];
        let e = actual - predicted;
        sse += e * e;
        sae += e.abs();
        if actual != 0.0 {
            ape += (e / actual).abs();
            n_ape += 1;
        }
        if direction(predicted - base) == direction(actual - base) {
            hits += 1;
        }
    }
    let n = forecasts.len() as f64;
    HorizonMetrics {
        horizon: k,
        count: forecasts.len(),
        mape: (n_ape > 0).then(|| 100.0 * ape / n_ape as f64),
        rmse: (sse / n).sqrt(),
        mae: sae / n,
        direction_accuracy: hits as f64 / n,
    }
}

/// −1, 0 or +1.
fn direction(change: f64) -> i8 {
    if change > 0.0 {
        1
    } else if change < 0.0 {
        -1
    } else {
        0
    }
}

#[cfg(test)]
mod tests;
