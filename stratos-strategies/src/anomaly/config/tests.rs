use super::*;

#[test]
fn seed_configs_parse() {
    for c in [
        serde_json::json!({"threshold": 2.0, "window_size": 100}),
        serde_json::json!({"threshold": 2.0, "method": "z_score", "window_size": 100}),
        serde_json::json!({"threshold": 2.5, "alert_level": "CRITICAL"}),
        serde_json::json!({"threshold": 2.5, "alert_level": "CRITICAL", "fields": ["temperature", "vibration", "rpm"]}),
        serde_json::json!({"threshold": 3.0, "method": "isolation_forest", "fields": ["transaction_amount", "purchase_frequency", "location_variance"]}),
        serde_json::json!({"methods": ["z_score", "isolation_forest"], "ensemble": true, "adaptiveThreshold": true}),
        serde_json::json!({"method": "ewma", "alpha": 0.3}),
        serde_json::json!({"method": "robust_z"}),
        serde_json::json!({"method": "iqr", "threshold": 1.5}),
    ] {
        AnomalyConfig::from_json(c.clone()).unwrap_or_else(|e| panic!("{c}: {e}"));
    }
}

#[test]
fn rejects_bad_values() {
    let bad = [
        (
            serde_json::json!({"method": "lof"}),
            "unknown variant `lof`",
        ),
        (
            serde_json::json!({"threshold": 0}),
            "`threshold` = 0: expected a number > 0",
        ),
        (
            serde_json::json!({"window_size": 1}),
            "`window_size` = 1: expected a value in 2..=1000000",
        ),
        (serde_json::json!({"ddof": 2}), "`ddof` = 2"),
        (
            serde_json::json!({"alert_level": "LOUD"}),
            "unknown variant `LOUD`",
        ),
        (serde_json::json!({"fields": []}), "at least one field"),
        (
            serde_json::json!({"fields": ["a"], "data_field": "b"}),
            "not both",
        ),
        (serde_json::json!({"fields": ["a", "a"]}), "`a` repeats"),
        (
            serde_json::json!({"alpha": 0}),
            "`alpha` = 0: expected a number in (0, 1]",
        ),
        (
            serde_json::json!({"methods": ["iqr"]}),
            "`methods` only with",
        ),
        (
            serde_json::json!({"method": "ensemble", "methods": ["iqr", "iqr"]}),
            "distinct methods",
        ),
        (
            serde_json::json!({"method": "ensemble", "methods": ["iqr"], "min_votes": 2}),
            "`min_votes` = 2: expected a value in 1..=1",
        ),
        (
            serde_json::json!({"score_threshold": 1.5}),
            "`score_threshold` = 1.5",
        ),
        (
            serde_json::json!({"adaptive_window": 5}),
            "`adaptive_window` = 5",
        ),
        (
            serde_json::json!({"method": "svm"}),
            "unknown variant `svm`",
        ),
        (
            serde_json::json!({"time_window": 3600}),
            "unknown field `time_window`",
        ),
    ];
    for (c, want) in bad {
        let e = AnomalyConfig::from_json(c.clone()).unwrap_err().to_string();
        assert!(e.contains(want), "{c}: {e}");
    }
}
