//! The typed report of `moving_average`: what [`StrategyResult::data`] holds, with the
//! seed's JSON names.
//!
//! [`StrategyResult::data`]: stratos_core::StrategyResult::data

use serde::{Deserialize, Serialize};
use stratos_core::result::{Report, nan_if_null};
use stratos_core::{Action, Signal, Timestamp};

use super::{ID, MaKind};

/// The report of a `moving_average` run, at the last row with a defined signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovingAverageReport {
    /// The input field.
    pub field: String,
    /// The kind of average.
    pub kind: MaKind,
    /// The averaging period.
    pub period: usize,
    /// The value at the reported row.
    #[serde(rename = "currentPrice", deserialize_with = "nan_if_null")]
    pub current_price: f64,
    /// The average at the reported row.
    #[serde(rename = "movingAverage", deserialize_with = "nan_if_null")]
    pub moving_average: f64,
    /// (price − average) / |average| at the reported row.
    #[serde(deserialize_with = "nan_if_null")]
    pub deviation: f64,
    /// The reported row's time, if the input has one.
    pub timestamp: Option<Timestamp>,
    /// The reported (last signalled) row, 0-based.
    pub index: usize,
    /// Number of input rows.
    pub points: usize,
    /// The reported row's signal.
    pub signal: Signal,
    /// With crossover configured: the fast and slow averages and the crossings.
    #[serde(flatten)]
    pub crossover: Option<CrossoverReport>,
}

/// The crossover part of a [`MovingAverageReport`] (`fast` and `slow` configured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossoverReport {
    /// The fast average.
    pub fast: AverageAt,
    /// The slow average.
    pub slow: AverageAt,
    /// `bullish` (fast above slow) or `bearish`.
    pub trend: String,
    /// How many crossings (BUY or SELL rows) the input had.
    pub crossovers: usize,
    /// The last crossing, if any.
    #[serde(rename = "lastCrossover")]
    pub last_crossover: Option<Crossing>,
}

/// One average of a crossover pair at the reported row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AverageAt {
    /// Its period.
    pub period: usize,
    /// Its value (NaN: undefined).
    #[serde(rename = "movingAverage", deserialize_with = "nan_if_null")]
    pub moving_average: f64,
}

/// A fast/slow crossing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// Its row, 0-based.
    pub index: usize,
    /// Its time, if the input has one.
    pub timestamp: Option<Timestamp>,
    /// BUY (fast crossed above) or SELL (below).
    pub action: Action,
}

impl Report for MovingAverageReport {
    const STRATEGY_ID: &'static str = ID;
}

#[cfg(test)]
mod tests {
    use stratos_core::{BuiltinStrategy, Frame};

    use super::*;
    use crate::moving_average::{MovingAverageConfig, MovingAverageStrategy};

    #[test]
    fn the_report_reads_back_from_the_result_data() {
        let values = [5.0, 4.0, 3.0, 2.0, 3.0, 5.0, 8.0, 6.0, 3.0, 1.0];
        let frame = Frame::from_values("close", values.to_vec());
        for (fast, slow) in [(None, None), (Some(2), Some(3))] {
            let config = MovingAverageConfig {
                period: 3,
                fast,
                slow,
                ..MovingAverageConfig::default()
            };
            let run = MovingAverageStrategy::from_config(config)
                .unwrap()
                .run(&frame)
                .unwrap();
            let back: MovingAverageReport = run.result.report().unwrap();
            assert_eq!(back, run.report);
            assert_eq!(run.report.crossover.is_some(), fast.is_some());
        }
    }
}
