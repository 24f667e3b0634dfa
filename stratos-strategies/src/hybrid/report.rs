//! The typed report of `hybrid_arima_ma`: what [`StrategyResult::data`] holds, with the
//! seed's JSON names.
//!
//! [`StrategyResult::data`]: stratos_core::StrategyResult::data

use serde::{Deserialize, Serialize};
use stratos_core::result::{Report, nan_if_null};
use stratos_core::{Action, Signal};

use super::{ID, Weights};
use crate::arima::{ConfidenceInterval, ModelParams};

/// The report of a `hybrid_arima_ma` run: each model's part and the combined signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HybridReport {
    /// The ARIMA model's forecast and signal.
    pub arima: HybridArima,
    /// The moving average's level and signal.
    #[serde(rename = "movingAverage")]
    pub moving_average: HybridMovingAverage,
    /// The weighted combination of the two signals.
    #[serde(rename = "combinedSignal")]
    pub combined_signal: Signal,
    /// `STRONG`, `WEAK` or `CONFLICT` (see the module docs).
    pub consensus: String,
    /// The weights used.
    pub weights: Weights,
}

/// The ARIMA part of a [`HybridReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HybridArima {
    /// The point forecasts, one per step.
    #[serde(deserialize_with = "nan_if_null")]
    pub predictions: Vec<f64>,
    /// The forecast intervals.
    #[serde(rename = "confidenceInterval")]
    pub confidence_interval: ConfidenceInterval,
    /// The fitted order.
    #[serde(rename = "modelParams")]
    pub model_params: ModelParams,
    /// The ARIMA signal.
    pub signal: Signal,
}

/// The moving-average part of a [`HybridReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HybridMovingAverage {
    /// The average at the last signalled row.
    #[serde(rename = "movingAverage", deserialize_with = "nan_if_null")]
    pub moving_average: f64,
    /// The value at that row.
    #[serde(rename = "currentPrice", deserialize_with = "nan_if_null")]
    pub current_price: f64,
    /// The moving-average signal's action.
    pub signal: Action,
    /// Its strength.
    pub strength: f64,
    /// Its reason.
    pub reason: String,
}

impl Report for HybridReport {
    const STRATEGY_ID: &'static str = ID;
}
