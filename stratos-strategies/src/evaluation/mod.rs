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
//! use stratos_strategies::evaluation::{Naive, RollingOrigin, RollingOriginConfig, Window};
//! let y = [10.0, 11.0, 13.0, 12.0, 15.0, 14.0];
//! let config = RollingOriginConfig {
//!     horizon: 2,
//!     initial: Some(3),
//!     window: Window::Expanding,
//!     ..RollingOriginConfig::default()
//! };
//! let report = RollingOrigin::try_new(config)?.evaluate(&Naive, &y)?;
//! assert_eq!(report.origins(), [3, 4]);
//! assert_eq!(report.horizons[1].rmse, 2.0); // errors 15 − 13 and 14 − 12
//! # Ok(()) }
//! ```

mod error;
mod forecaster;
mod rolling_origin;

pub use error::EvaluationError;
pub use forecaster::{ArimaForecaster, Drift, ForecastError, Forecaster, Naive};
pub use rolling_origin::{
    HorizonMetrics, ID, OriginForecast, RollingOrigin, RollingOriginConfig, RollingOriginReport,
    Window,
};
