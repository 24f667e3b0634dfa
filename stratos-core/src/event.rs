//! Events emitted by online strategies: results and alerts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::result::ResultType;
use crate::signal::Signal;
use crate::timestamp::Timestamp;

/// How urgent an alert is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertLevel {
    /// For information.
    Info,
    /// Needs a look (the default).
    #[default]
    Warning,
    /// Something failed (the seed's `error` level).
    Error,
    /// Needs action now.
    Critical,
}

impl AlertLevel {
    /// `INFO`, `WARNING` or `CRITICAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertLevel::Info => "INFO",
            AlertLevel::Warning => "WARNING",
            AlertLevel::Error => "ERROR",
            AlertLevel::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for AlertLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlertLevel {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "INFO" => Ok(AlertLevel::Info),
            "WARNING" => Ok(AlertLevel::Warning),
            "CRITICAL" => Ok(AlertLevel::Critical),
            _ => Err(ConfigError::invalid(
                "alert",
                "level",
                s,
                "INFO, WARNING or CRITICAL",
            )),
        }
    }
}

/// One online result for one record of one stream (the seed's `strategy_result` event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultEvent {
    /// The stream the record came from.
    pub stream_id: String,
    /// The strategy that produced it.
    pub strategy_id: String,
    /// The record's time, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// The kind of result.
    #[serde(rename = "type")]
    pub kind: ResultType,
    /// Strategy-specific fields, with the seed's names.
    pub data: serde_json::Value,
    /// A signal, for signal-producing strategies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<Signal>,
}

/// An alert (the seed's `alert` event): `level`, `message`, and the `context` behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The stream the record came from.
    pub stream_id: String,
    /// The strategy that raised it.
    pub strategy_id: String,
    /// The record's time, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// How urgent.
    pub level: AlertLevel,
    /// One human sentence.
    pub message: String,
    /// The numbers behind the alert (value, score, threshold, …).
    pub context: serde_json::Value,
}

/// What an online strategy emits, serialized with an `event` tag:
/// `{"event": "alert", "stream_id": …, "level": "CRITICAL", "message": …, "context": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A result for one record.
    StrategyResult(ResultEvent),
    /// An alert.
    Alert(Alert),
}

impl Event {
    /// The stream the event belongs to.
    pub fn stream_id(&self) -> &str {
        match self {
            Event::StrategyResult(r) => &r.stream_id,
            Event::Alert(a) => &a.stream_id,
        }
    }

    /// True for alerts.
    pub fn is_alert(&self) -> bool {
        matches!(self, Event::Alert(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_serde_shape() {
        let e = Event::Alert(Alert {
            stream_id: "motor_01".into(),
            strategy_id: "anomaly_detection".into(),
            timestamp: Some(Timestamp::from_epoch_seconds(1_705_312_200).unwrap()),
            level: AlertLevel::Critical,
            message: "anomaly".into(),
            context: serde_json::json!({"value": 85.5}),
        });
        let s = serde_json::to_string(&e).unwrap();
        assert_eq!(
            s,
            r#"{"event":"alert","stream_id":"motor_01","strategy_id":"anomaly_detection","timestamp":"2024-01-15T09:50:00Z","level":"CRITICAL","message":"anomaly","context":{"value":85.5}}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&s).unwrap(), e);
        assert_eq!(
            "critical".parse::<AlertLevel>().unwrap(),
            AlertLevel::Critical
        );
        assert!("LOUD".parse::<AlertLevel>().is_err());
    }
}
