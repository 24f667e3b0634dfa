//! ARIMA(p, d, q) forecasting by exact Gaussian maximum likelihood, giving statsmodels'
//! answers: state-space form with a Kalman filter, statsmodels' approximate diffuse start for
//! d > 0, L-BFGS in an unconstrained space mapped to stationary / invertible polynomials,
//! forecasts with intervals, information criteria; the ADF and KPSS stationarity tests; order
//! search; and the `arima_prediction` strategy.
//!
//! Conventions (parameterisation, sigma2, how the criteria count parameters) follow
//! statsmodels 0.15 `statsmodels.tsa.arima.model.ARIMA` with its defaults.

pub mod adf;
mod calendar;
mod config;
mod constrain;
mod error;
mod forecast;
mod kalman;
pub mod kpss;
mod likelihood;
mod model;
mod ols;
pub mod order_search;
mod report;
pub mod seasonality;
mod strategy;
mod summary;

pub use config::{ArimaConfig, Criterion, ID, MAX_ORDER, MAX_SEASONAL_ORDER};
pub use error::ArimaError;
pub use forecast::Forecast;
pub use model::{Arima, ArimaOrder, ArimaParams, DiffuseStart, FittedArima, SeasonalOrder};
pub use report::{
    ArimaReport, ConfidenceInterval, DSelectionReport, ModelParams, OrderSearchReport, Stationarity,
};
pub use strategy::{ArimaStrategy, GapFilled, fill_gaps};
pub use summary::{ArimaSummary, ParamRow, TestStat};
