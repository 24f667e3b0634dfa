//! The typed report of `anomaly_detection`: what [`StrategyResult::data`] holds, with the
//! seed's JSON names, and the context of its online alerts.
//!
//! [`StrategyResult::data`]: stratos_core::StrategyResult::data

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stratos_core::Timestamp;
use stratos_core::result::{Report, nan_if_null};

use super::{AnomalyMethod, ID};

/// The report of an `anomaly_detection` run: the settings, the counts and every anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyReport {
    /// The method that ran (`auto` resolved to what it chose).
    pub method: AnomalyMethod,
    /// The fields scored.
    pub fields: Vec<String>,
    /// The flagging threshold of the statistic methods.
    pub threshold: f64,
    /// The reference window.
    #[serde(rename = "windowSize")]
    pub window_size: usize,
    /// Delta degrees of freedom of the rolling standard deviation.
    pub ddof: usize,
    /// Number of input rows.
    pub points: usize,
    /// Rows that got a score.
    #[serde(rename = "scoredPoints")]
    pub scored_points: usize,
    /// Number of entries in `anomalies`.
    #[serde(rename = "anomalyCount")]
    pub anomaly_count: usize,
    /// Rows flagged (a row with several flagged fields counts once).
    #[serde(rename = "anomalousRows")]
    pub anomalous_rows: usize,
    /// The anomalies, in row order.
    pub anomalies: Vec<Anomaly>,
    /// The ensemble's member methods (ensemble only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<AnomalyMethod>>,
    /// `Some(true)` when the adaptive threshold flagged the rows.
    #[serde(
        rename = "adaptiveThreshold",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub adaptive_threshold: Option<bool>,
}

/// One anomaly of an [`AnomalyReport`]: its row, and what was anomalous.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The row, 0-based.
    pub index: usize,
    /// Its time, if the input has one.
    pub timestamp: Option<Timestamp>,
    /// The anomaly score in [0, 1] (the same as the detail's `anomaly_score`).
    #[serde(deserialize_with = "nan_if_null")]
    pub score: f64,
    /// What was anomalous.
    #[serde(flatten)]
    pub detail: AnomalyDetail,
}

/// What an anomaly concerns: one field (a lone univariate method), or the whole row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnomalyDetail {
    /// A field flagged by a univariate method.
    Field(FieldAnomaly),
    /// A row flagged by a multivariate, ensemble, score-only or adaptive rule.
    Row(RowAnomaly),
}

impl AnomalyDetail {
    /// The anomaly score in [0, 1].
    pub fn anomaly_score(&self) -> f64 {
        match self {
            AnomalyDetail::Field(f) => f.anomaly_score,
            AnomalyDetail::Row(r) => r.anomaly_score,
        }
    }
}

/// A field-level anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldAnomaly {
    /// The field.
    pub field: String,
    /// Its value.
    #[serde(deserialize_with = "nan_if_null")]
    pub value: f64,
    /// The method's statistic, centre and scale.
    #[serde(flatten)]
    pub statistic: FieldStatistic,
    /// The anomaly score in [0, 1].
    #[serde(deserialize_with = "nan_if_null")]
    pub anomaly_score: f64,
}

/// The statistic of a [`FieldAnomaly`], named as its method names it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldStatistic {
    /// `z_score` and `ewma`: a z against a mean and standard deviation.
    ZScore {
        /// The z statistic.
        #[serde(deserialize_with = "nan_if_null")]
        zscore: f64,
        /// The mean it is taken against.
        #[serde(deserialize_with = "nan_if_null")]
        mean: f64,
        /// The standard deviation.
        #[serde(deserialize_with = "nan_if_null")]
        std: f64,
    },
    /// `iqr`: the distance outside the quartiles in IQRs.
    Iqr {
        /// The distance, in IQRs.
        #[serde(deserialize_with = "nan_if_null")]
        iqr_distance: f64,
        /// The median.
        #[serde(deserialize_with = "nan_if_null")]
        median: f64,
        /// The interquartile range.
        #[serde(deserialize_with = "nan_if_null")]
        iqr: f64,
    },
    /// `robust_z`: a z against the median and the scaled MAD.
    RobustZ {
        /// The robust z.
        #[serde(deserialize_with = "nan_if_null")]
        robust_z: f64,
        /// The median.
        #[serde(deserialize_with = "nan_if_null")]
        median: f64,
        /// 1.4826 × MAD.
        #[serde(deserialize_with = "nan_if_null")]
        scale: f64,
    },
}

impl FieldStatistic {
    /// The statistic of `method`, from its z, centre and scale.
    pub(crate) fn of(method: AnomalyMethod, z: f64, center: f64, scale: f64) -> Self {
        match method {
            AnomalyMethod::Iqr => FieldStatistic::Iqr {
                iqr_distance: z,
                median: center,
                iqr: scale,
            },
            AnomalyMethod::RobustZ => FieldStatistic::RobustZ {
                robust_z: z,
                median: center,
                scale,
            },
            _ => FieldStatistic::ZScore {
                zscore: z,
                mean: center,
                std: scale,
            },
        }
    }
}

/// A row-level anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowAnomaly {
    /// The fields scored together.
    pub fields: Vec<String>,
    /// Their values at the row.
    #[serde(deserialize_with = "nan_if_null")]
    pub values: BTreeMap<String, f64>,
    /// The row's anomaly score in [0, 1].
    #[serde(deserialize_with = "nan_if_null")]
    pub anomaly_score: f64,
    /// The adaptive threshold the score exceeded (adaptive only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive_threshold: Option<f64>,
    /// Each member's score, keyed `method` or `method:field` (ensemble only).
    #[serde(
        default,
        deserialize_with = "nan_if_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub member_scores: Option<BTreeMap<String, f64>>,
    /// The score threshold (score methods only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_threshold: Option<f64>,
}

/// The context of an `anomaly_detection` online alert: the anomaly with the settings that
/// flagged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyContext {
    /// What was anomalous.
    #[serde(flatten)]
    pub detail: AnomalyDetail,
    /// The flagging threshold (field-level anomalies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The reference window.
    pub window_size: usize,
    /// The method that flagged it.
    pub method: AnomalyMethod,
}

impl Report for AnomalyReport {
    const STRATEGY_ID: &'static str = ID;
}

#[cfg(test)]
mod tests {
    use stratos_core::{BuiltinStrategy, Frame, StrategyConfig};

    use super::*;
    use crate::anomaly::{AnomalyConfig, AnomalyStrategy};

    #[test]
    fn the_report_reads_back_from_the_result_data() {
        let wave = |i: usize, k: f64| (i as f64 * k).sin();
        let a: Vec<f64> = (0..200)
            .map(|i| if i == 150 { 40.0 } else { wave(i, 0.3) })
            .collect();
        let b: Vec<f64> = (0..200)
            .map(|i| if i == 170 { -30.0 } else { wave(i, 0.7) })
            .collect();
        let frame = Frame::builder()
            .numeric("a", a)
            .numeric("b", b)
            .build()
            .unwrap();
        let mut kinds = Vec::new();
        for config in [
            serde_json::json!({"window_size": 20, "data_field": "a"}),
            serde_json::json!({"window_size": 20, "method": "iqr", "fields": ["a", "b"]}),
            serde_json::json!({"window_size": 20, "method": "robust_z", "data_field": "b"}),
            serde_json::json!({"window_size": 20, "method": "ensemble", "data_field": "a"}),
            serde_json::json!({"window_size": 20, "method": "isolation_forest", "fields": ["a", "b"]}),
            serde_json::json!({"window_size": 20, "adaptiveThreshold": true, "data_field": "a"}),
        ] {
            let s =
                AnomalyStrategy::from_config(AnomalyConfig::from_json(config).unwrap()).unwrap();
            let run = s.run(&frame).unwrap();
            let back: AnomalyReport = run.result.report().unwrap();
            // Compared as JSON: NaN (written as null) reads back as NaN, which `==` rejects.
            assert_eq!(serde_json::to_value(&back).unwrap(), run.result.data);
            assert!(!back.anomalies.is_empty(), "{}", run.result.data);
            for a in &back.anomalies {
                kinds.push(match &a.detail {
                    AnomalyDetail::Field(f) => match f.statistic {
                        FieldStatistic::ZScore { .. } => "z",
                        FieldStatistic::Iqr { .. } => "iqr",
                        FieldStatistic::RobustZ { .. } => "robust",
                    },
                    AnomalyDetail::Row(r) if r.member_scores.is_some() => "members",
                    AnomalyDetail::Row(_) => "row",
                });
            }
        }
        for kind in ["z", "iqr", "robust", "members", "row"] {
            assert!(kinds.contains(&kind), "no {kind} anomaly in {kinds:?}");
        }
    }
}
