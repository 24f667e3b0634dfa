//! The typed report of `anomaly_detection`: what [`StrategyResult::data`] holds, with the
//! seed's JSON names, and the context of its online alerts.
//!
//! [`StrategyResult::data`]: stratos_core::StrategyResult::data

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stratos_core::Timestamp;
use stratos_core::result::{Report, nan_if_null};

use super::{AnomalyMethod, ID};
use crate::number_text::json_num;

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

impl AnomalyContext {
    /// The context as the JSON value an alert carries: the same value as
    /// `serde_json::to_value(&context)`, built directly for a row-level anomaly (the
    /// serializer's path through the flattened detail costs several times as much).
    pub(crate) fn into_value(self) -> serde_json::Value {
        use serde_json::{Map, Value};
        let AnomalyContext {
            detail,
            threshold,
            window_size,
            method,
        } = self;
        let row = match detail {
            AnomalyDetail::Row(row) => row,
            detail => {
                let context = AnomalyContext {
                    detail,
                    threshold,
                    window_size,
                    method,
                };
                // Text keys and derived impls only: writing it cannot fail.
                return serde_json::to_value(context).unwrap_or_default();
            }
        };
        let numbers = |m: BTreeMap<String, f64>| {
            Value::Object(m.into_iter().map(|(k, v)| (k, json_num(v))).collect())
        };
        let mut map = Map::new();
        map.insert(
            "fields".to_owned(),
            Value::Array(row.fields.into_iter().map(Value::String).collect()),
        );
        map.insert("values".to_owned(), numbers(row.values));
        map.insert("anomaly_score".to_owned(), json_num(row.anomaly_score));
        if let Some(t) = row.adaptive_threshold {
            map.insert("adaptive_threshold".to_owned(), json_num(t));
        }
        if let Some(m) = row.member_scores {
            map.insert("member_scores".to_owned(), numbers(m));
        }
        if let Some(t) = row.score_threshold {
            map.insert("score_threshold".to_owned(), json_num(t));
        }
        if let Some(t) = threshold {
            map.insert("threshold".to_owned(), json_num(t));
        }
        map.insert("window_size".to_owned(), Value::from(window_size));
        map.insert("method".to_owned(), Value::String(method.name().to_owned()));
        Value::Object(map)
    }
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
    fn a_context_value_is_the_serialized_context() {
        let methods = [
            AnomalyMethod::ZScore,
            AnomalyMethod::RobustZ,
            AnomalyMethod::Iqr,
            AnomalyMethod::Ewma,
            AnomalyMethod::IsolationForest,
            AnomalyMethod::Ensemble,
            AnomalyMethod::Art,
            AnomalyMethod::OneClassSvm,
            AnomalyMethod::Seasonal,
            AnomalyMethod::Contextual,
            AnomalyMethod::KnnCad,
            AnomalyMethod::RelativeEntropy,
            AnomalyMethod::Auto,
        ];
        let numbers = [0.75, f64::NAN, -0.0, 1e300, f64::INFINITY];
        let mut contexts = Vec::new();
        for (i, &method) in methods.iter().enumerate() {
            let x = numbers[i % numbers.len()];
            let y = numbers[(i + 1) % numbers.len()];
            let row = RowAnomaly {
                fields: vec!["a".into(), "b \"q\"".into()],
                values: [("a".to_owned(), x), ("b \"q\"".to_owned(), 2.5)].into(),
                anomaly_score: y,
                adaptive_threshold: (i % 2 == 0).then_some(x),
                member_scores: (i % 3 == 0).then(|| [("z_score".to_owned(), y)].into()),
                score_threshold: (i % 4 != 0).then_some(0.75),
            };
            contexts.push(AnomalyContext {
                detail: AnomalyDetail::Row(row),
                threshold: (i % 5 == 0).then_some(y),
                window_size: i * 7,
                method,
            });
            contexts.push(AnomalyContext {
                detail: AnomalyDetail::Field(FieldAnomaly {
                    field: "a".into(),
                    value: x,
                    statistic: FieldStatistic::of(method, y, 1.0, 2.0),
                    anomaly_score: 0.5,
                }),
                threshold: Some(3.0),
                window_size: 20,
                method,
            });
        }
        for context in contexts {
            let want = serde_json::to_value(&context).unwrap();
            assert_eq!(context.into_value(), want);
        }
    }

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
