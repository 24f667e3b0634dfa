//! The typed report of `arima_prediction`: what [`StrategyResult::data`] holds, with the
//! seed's JSON names.
//!
//! [`StrategyResult::data`]: stratos_core::StrategyResult::data

use serde::{Deserialize, Serialize};
use stratos_core::result::{Report, nan_if_null};
use stratos_core::{Signal, Timestamp};

use super::config::{Criterion, ID};
use super::model::SeasonalOrder;
use super::order_search::DSelection;
use super::seasonality::Seasonality;
use super::summary::ArimaSummary;

/// The report of an `arima_prediction` run: the forecast, the signal, the fitted model and
/// its diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArimaReport {
    /// The input field.
    pub field: String,
    /// The last value of the (gap-filled) series.
    #[serde(rename = "currentPrice", deserialize_with = "nan_if_null")]
    pub current_price: f64,
    /// The point forecasts, one per step.
    #[serde(deserialize_with = "nan_if_null")]
    pub predictions: Vec<f64>,
    /// Their standard errors.
    #[serde(rename = "standardErrors", deserialize_with = "nan_if_null")]
    pub standard_errors: Vec<f64>,
    /// The forecast intervals.
    #[serde(rename = "confidenceInterval")]
    pub confidence_interval: ConfidenceInterval,
    /// The signal the forecast gives.
    pub signal: Signal,
    /// The fitted order.
    #[serde(rename = "modelParams")]
    pub model_params: ModelParams,
    /// The ADF test on the series.
    pub stationarity: Stationarity,
    /// AR coefficients.
    #[serde(deserialize_with = "nan_if_null")]
    pub ar: Vec<f64>,
    /// MA coefficients.
    #[serde(deserialize_with = "nan_if_null")]
    pub ma: Vec<f64>,
    /// Innovation variance.
    #[serde(deserialize_with = "nan_if_null")]
    pub sigma2: f64,
    /// Log-likelihood.
    #[serde(rename = "logLikelihood", deserialize_with = "nan_if_null")]
    pub log_likelihood: f64,
    /// Whether the optimiser converged.
    pub converged: bool,
    /// Optimiser iterations, summed over the fit's starts (see
    /// `FittedArima::iterations`).
    pub iterations: u64,
    /// Points fitted (after gap filling).
    pub points: usize,
    /// Interior missing values interpolated.
    pub interpolated: usize,
    /// Leading and trailing missing values dropped.
    pub trimmed: usize,
    /// The constant (mean or drift), when the model has one.
    #[serde(rename = "const", default, skip_serializing_if = "Option::is_none")]
    pub constant: Option<f64>,
    /// The forecast steps' times, following the input's calendar, when it has one.
    #[serde(
        rename = "forecastTimestamps",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub forecast_timestamps: Option<Vec<Timestamp>>,
    /// The calendar rule of `forecast_timestamps` (`business_days`, `month_end`, …).
    #[serde(
        rename = "forecastCalendar",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub forecast_calendar: Option<String>,
    /// The order search, in `auto` mode.
    #[serde(
        rename = "orderSearch",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub order_search: Option<OrderSearchReport>,
    /// The seasonality detection, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seasonality: Option<Seasonality>,
    /// Seasonal AR coefficients, for a seasonal model.
    #[serde(
        rename = "seasonalAr",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub seasonal_ar: Option<Vec<f64>>,
    /// Seasonal MA coefficients, for a seasonal model.
    #[serde(
        rename = "seasonalMa",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub seasonal_ma: Option<Vec<f64>>,
    /// statsmodels' `summary()` numbers; absent when the outer product of the scores is
    /// singular.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ArimaSummary>,
}

/// The forecast intervals of an [`ArimaReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// Upper bounds, one per step.
    #[serde(deserialize_with = "nan_if_null")]
    pub upper: Vec<f64>,
    /// Lower bounds, one per step.
    #[serde(deserialize_with = "nan_if_null")]
    pub lower: Vec<f64>,
    /// The coverage, `1 − alpha`.
    pub level: f64,
}

/// The fitted order: `p`, `d`, `q`, and `P`, `D`, `Q`, `s` for a seasonal model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelParams {
    /// AR order.
    pub p: usize,
    /// Differencing order.
    pub d: usize,
    /// MA order.
    pub q: usize,
    /// The seasonal order, for a seasonal model.
    #[serde(flatten)]
    pub seasonal: Option<SeasonalOrder>,
}

/// The ADF test of an [`ArimaReport`]: its answer, or why it could not run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stationarity {
    /// `p < 0.05`; `None` when the test could not run.
    #[serde(rename = "isStationary")]
    pub is_stationary: Option<bool>,
    /// The test's p-value (NaN when it could not run).
    #[serde(rename = "pValue", deserialize_with = "nan_if_null")]
    pub p_value: f64,
    /// The test statistic, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<f64>,
    /// The lag the test used, when it ran.
    #[serde(rename = "usedLag", default, skip_serializing_if = "Option::is_none")]
    pub used_lag: Option<usize>,
    /// Why the test could not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The test's name (`adf`).
    pub test: String,
}

/// The order search of an [`ArimaReport`] (`auto` mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSearchReport {
    /// The criterion that ranked the orders.
    pub criterion: Criterion,
    /// How many orders were fitted.
    #[serde(rename = "ordersTried")]
    pub orders_tried: usize,
    /// How d was chosen, when it was not given.
    #[serde(rename = "dSelection")]
    pub d_selection: Option<DSelectionReport>,
    /// The winning order, e.g. `(1, 1, 0)`.
    #[serde(rename = "chosenOrder")]
    pub chosen_order: String,
}

/// How the order search chose d (the search's [`DSelection`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DSelectionReport {
    /// The chosen d.
    pub d: usize,
    /// KPSS p-values, one per d tried.
    #[serde(rename = "kpssPValues", deserialize_with = "nan_if_null")]
    pub kpss_p_values: Vec<f64>,
    /// ADF p-values, one per d tried.
    #[serde(rename = "adfPValues", deserialize_with = "nan_if_null")]
    pub adf_p_values: Vec<f64>,
}

impl From<&DSelection> for DSelectionReport {
    fn from(s: &DSelection) -> Self {
        DSelectionReport {
            d: s.d,
            kpss_p_values: s.kpss_p_values.clone(),
            adf_p_values: s.adf_p_values.clone(),
        }
    }
}

impl Report for ArimaReport {
    const STRATEGY_ID: &'static str = ID;
}

#[cfg(test)]
mod tests {
    use stratos_core::{BuiltinStrategy, Frame, StrategyConfig};

    use super::*;
    use crate::arima::{ArimaConfig, ArimaStrategy};

    /// Monthly-like data: trend, a period-12 pattern and a little deterministic noise.
    fn frame() -> Frame {
        let pattern = [
            0.0, 2.0, 5.0, 3.0, 1.0, -1.0, -4.0, -6.0, -3.0, 0.5, 1.5, 1.0,
        ];
        let values: Vec<f64> = (0..120)
            .map(|t| 100.0 + 0.2 * t as f64 + pattern[t % 12] + ((t * 7919) % 13) as f64 / 26.0)
            .collect();
        let times = (0..120)
            .map(|i| Timestamp::from_epoch_seconds(1_700_000_000 + 86_400 * i))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        Frame::builder()
            .timestamps("time", times)
            .numeric("close", values)
            .build()
            .unwrap()
    }

    #[test]
    fn the_report_reads_back_from_the_result_data() {
        let frame = frame();
        for config in [
            serde_json::json!({"p": 1, "d": 1, "q": 0, "steps": 3}),
            serde_json::json!({"auto": true, "max_p": 1, "max_q": 1, "seasonalityDetection": true}),
            serde_json::json!({"p": 0, "d": 1, "q": 1, "P": 0, "D": 1, "Q": 1, "s": 12}),
        ] {
            let s = ArimaStrategy::from_config(ArimaConfig::from_json(config).unwrap()).unwrap();
            let run = s.run(&frame).unwrap();
            let back: ArimaReport = run.result.report().unwrap();
            // Compared as JSON: NaN (written as null) reads back as NaN, which `==` rejects.
            assert_eq!(serde_json::to_value(&back).unwrap(), run.result.data);
            assert_eq!(back.predictions.len(), s.settings().steps);
            assert!(back.forecast_timestamps.is_some());
        }
    }
}
