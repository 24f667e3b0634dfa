//! The typed report of `trend_analysis`: what [`StrategyResult::data`] holds, with the
//! seed's JSON names, and the data of its online events.
//!
//! [`StrategyResult::data`]: stratos_core::StrategyResult::data

use serde::{Deserialize, Serialize};
use stratos_core::Timestamp;
use stratos_core::result::{Report, nan_if_null};

use super::ID;

/// The report of a `trend_analysis` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendReport {
    /// The input field; `None` when counting records.
    pub field: Option<String>,
    /// What is measured (`count`, `sum`, `mean`, …).
    pub measure: String,
    /// The growth ratio that starts a trend.
    #[serde(rename = "growthThreshold")]
    pub growth_threshold: f64,
    /// The window, in seconds.
    #[serde(rename = "timeWindow")]
    pub time_window: u64,
    /// The smallest baseline a growth is computed against.
    #[serde(rename = "minBaseline")]
    pub min_baseline: f64,
    /// Number of input rows.
    pub points: usize,
    /// Whether a trend is open at the last row.
    pub trending: bool,
    /// The growth at the last row, when defined.
    #[serde(rename = "currentGrowth")]
    pub current_growth: Option<f64>,
    /// The current window's level at the last row.
    #[serde(rename = "currentLevel", deserialize_with = "nan_if_null")]
    pub current_level: f64,
    /// The baseline window's level at the last row.
    #[serde(rename = "baselineLevel", deserialize_with = "nan_if_null")]
    pub baseline_level: f64,
    /// Number of trend episodes.
    #[serde(rename = "trendCount")]
    pub trend_count: usize,
    /// The trend episodes, in order.
    pub trends: Vec<TrendEpisode>,
    /// Records too late for the window (ignored).
    #[serde(rename = "tooLate")]
    pub too_late: u64,
}

/// One trend: from the row whose growth crossed the threshold to the row it fell back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendEpisode {
    /// The starting row, 0-based.
    pub start_index: usize,
    /// Its time.
    pub start_timestamp: Option<Timestamp>,
    /// The growth at the start.
    pub start_growth: Option<f64>,
    /// The row the trend ended at; `None` while still open.
    pub end_index: Option<usize>,
    /// Its time.
    pub end_timestamp: Option<Timestamp>,
    /// The largest growth during the trend.
    #[serde(deserialize_with = "nan_if_null")]
    pub peak_growth: f64,
}

/// The data of a `trend_analysis` online event (and the context of its alert): a trend
/// started or ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendChange {
    /// `trend_started` or `trend_ended`.
    pub status: String,
    /// The input field; `None` when counting records.
    pub field: Option<String>,
    /// What is measured.
    pub measure: String,
    /// The growth at this row, when defined.
    pub growth: Option<f64>,
    /// The current window's level.
    #[serde(deserialize_with = "nan_if_null")]
    pub current: f64,
    /// The baseline window's level.
    #[serde(deserialize_with = "nan_if_null")]
    pub baseline: f64,
    /// The growth ratio that starts a trend.
    pub growth_threshold: f64,
    /// The window, in seconds.
    pub time_window: u64,
    /// The smallest baseline a growth is computed against.
    pub min_baseline: f64,
}

impl Report for TrendReport {
    const STRATEGY_ID: &'static str = ID;
}

#[cfg(test)]
mod tests {
    use stratos_core::{BuiltinStrategy, Frame};

    use super::*;
    use crate::trend::{TrendConfig, TrendStrategy};

    #[test]
    fn the_report_reads_back_from_the_result_data() {
        // Flat, then a tenfold jump that stays: one open trend.
        let values: Vec<f64> = (0..60).map(|i| if i < 40 { 10.0 } else { 100.0 }).collect();
        let times = (0..60)
            .map(|i| Timestamp::from_epoch_seconds(1_700_000_000 + 60 * i))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let frame = Frame::builder()
            .timestamps("time", times)
            .numeric("value", values)
            .build()
            .unwrap();
        let config = TrendConfig {
            time_window: 600,
            ..TrendConfig::default()
        };
        let run = TrendStrategy::from_config(config)
            .unwrap()
            .run(&frame)
            .unwrap();
        let back: TrendReport = run.result.report().unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), run.result.data);
        assert_eq!(back.trend_count, back.trends.len());
    }
}
