//! The typed report of `window_aggregate`: what [`StrategyResult::data`] holds, with the
//! seed's JSON names, and the data of its online events.
//!
//! [`StrategyResult::data`]: stratos_core::StrategyResult::data

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stratos_core::result::{Report, nan_if_null};
use stratos_core::{AlertLevel, Timestamp};

use super::ID;

/// The report of a `window_aggregate` run: every closed window and every alert raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowReport {
    /// The window length, in seconds.
    pub window: u64,
    /// The slide between window starts, in seconds (the window length when tumbling).
    pub slide: u64,
    /// The category field windows are kept per, if any.
    #[serde(rename = "groupBy")]
    pub group_by: Option<String>,
    /// The aggregate labels, e.g. `mean(value)`, in config order.
    pub aggregations: Vec<String>,
    /// Number of input rows.
    pub points: usize,
    /// Number of closed windows.
    #[serde(rename = "windowCount")]
    pub window_count: usize,
    /// The closed windows, in closing order.
    pub windows: Vec<WindowRecord>,
    /// Number of alerts raised.
    #[serde(rename = "alertCount")]
    pub alert_count: usize,
    /// The alerts raised, in order.
    pub alerts: Vec<WindowAlert>,
    /// Records later than the allowed lateness (ignored).
    #[serde(rename = "lateRecords")]
    pub late_records: u64,
    /// Alerts held back by their rule's suppression.
    #[serde(rename = "suppressedAlerts")]
    pub suppressed_alerts: u64,
    /// Records of groups past `max_groups`, pooled into one.
    #[serde(rename = "otherGroupRecords")]
    pub other_group_records: u64,
}

/// One closed window (also the data of a `window_aggregate` online result event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowRecord {
    /// The window's start.
    pub window_start: Option<Timestamp>,
    /// The window's end (exclusive).
    pub window_end: Option<Timestamp>,
    /// The category field windows are kept per, if any.
    pub group_by: Option<String>,
    /// The window's group, when grouped.
    pub group: Option<String>,
    /// Records in the window.
    pub count: u64,
    /// Each aggregate by its label (NaN: undefined, e.g. the mean of no values).
    #[serde(deserialize_with = "nan_if_null")]
    pub aggregates: BTreeMap<String, f64>,
    /// Whether the window saw its whole span (batch only; the first windows of a sliding
    /// run are partial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete: Option<bool>,
}

/// One alert raised by a rule (also the context of a `window_aggregate` online alert, which
/// carries its level and message itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowAlert {
    /// The rule's name.
    pub rule: String,
    /// The rule's condition, e.g. `mean(value) > 50 for 2m`.
    pub condition: String,
    /// The aggregate label the rule tests.
    pub aggregate: String,
    /// The aggregate's value.
    #[serde(deserialize_with = "nan_if_null")]
    pub value: f64,
    /// The rule's threshold.
    pub threshold: f64,
    /// The category field windows are kept per, if any.
    pub group_by: Option<String>,
    /// The window's group, when grouped.
    pub group: Option<String>,
    /// The window's start.
    pub window_start: Option<Timestamp>,
    /// The window's end.
    pub window_end: Option<Timestamp>,
    /// Consecutive windows meeting the condition.
    pub windows_in_a_row: u64,
    /// Alerts of this rule and group suppressed since the previous one.
    pub suppressed: u64,
    /// The rule's suppression, in minutes.
    pub suppression_minutes: f64,
    /// The alert's level (in the batch report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<AlertLevel>,
    /// The alert's message (in the batch report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Report for WindowReport {
    const STRATEGY_ID: &'static str = ID;
}

#[cfg(test)]
mod tests {
    use stratos_core::{BuiltinStrategy, Frame, StrategyConfig};

    use super::*;
    use crate::window::{WindowConfig, WindowStrategy};

    #[test]
    fn the_report_reads_back_from_the_result_data() {
        let times = (0..30)
            .map(|i| Timestamp::from_epoch_seconds(1_700_000_000 + 20 * i))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let values: Vec<f64> = (0..30)
            .map(|i| if i % 7 == 0 { f64::NAN } else { f64::from(i) })
            .collect();
        let frame = Frame::builder()
            .timestamps("time", times)
            .numeric("value", values)
            .build()
            .unwrap();
        let config = WindowConfig::from_json(serde_json::json!({
            "window": "2m", "slide": "1m", "aggregations": ["mean(value)", "max(value)", "count"],
            "rules": [{"condition": "max(value) > 10"}]
        }))
        .unwrap();
        let run = WindowStrategy::from_config(config)
            .unwrap()
            .run(&frame)
            .unwrap();
        let back: WindowReport = run.result.report().unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), run.result.data);
        assert!(back.alert_count > 0 && back.alerts[0].level.is_some());
        assert_eq!(back.window_count, back.windows.len());
    }
}
