//! Bad calls are planning errors naming the function and the argument or config field; bad
//! values never panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

const DATA: &str = "(VALUES ('a', TIMESTAMP '2025-01-01 00:00:00', 1.0), \
                    ('a', TIMESTAMP '2025-01-01 00:00:01', NULL), \
                    ('b', TIMESTAMP '2025-01-01 00:00:00', 3.0)) AS t(s, ts, v)";

async fn error_of(call: &str, window: bool) -> DataFusionError {
    let ctx = SessionContext::new();
    stratos_datafusion::register_all(&ctx).unwrap();
    let sql = if window {
        format!("SELECT {call} OVER (PARTITION BY s ORDER BY ts) FROM {DATA}")
    } else {
        format!("SELECT s, {call} FROM {DATA} GROUP BY s")
    };
    match ctx.sql(&sql).await {
        Err(e) => e,
        Ok(df) => df.collect().await.expect_err(&sql),
    }
}

async fn message(call: &str, window: bool) -> String {
    let e = error_of(call, window).await;
    assert!(
        matches!(e.find_root(), DataFusionError::Plan(_)),
        "{call}: not a planning error: {e:?}"
    );
    e.to_string()
}

#[tokio::test]
async fn bad_periods_and_windows_name_the_function_and_argument() {
    let m = message("stratos_sma(v, 0)", true).await;
    assert!(m.contains("stratos_sma") && m.contains("period"), "{m}");
    let m = message("stratos_ema(v, -2)", true).await;
    assert!(m.contains("stratos_ema") && m.contains("`n`"), "{m}");
    let m = message("stratos_wma(v, CAST(v AS BIGINT))", true).await;
    assert!(m.contains("stratos_wma") && m.contains("constant"), "{m}");
    let m = message("stratos_zscore(v, 1.5)", true).await;
    assert!(m.contains("stratos_zscore") && m.contains("window"), "{m}");
    let m = message("stratos_zscore(v)", true).await;
    assert!(
        m.contains("stratos_zscore") && m.contains("argument"),
        "{m}"
    );
    let m = message("stratos_sma('x', 3)", true).await;
    assert!(m.contains("stratos_sma") && m.contains("numeric"), "{m}");
}

#[tokio::test]
async fn bad_configs_name_the_function_and_field() {
    let m = message("stratos_anomaly_score(v, '{\"window_size\": 0}')", true).await;
    assert!(
        m.contains("stratos_anomaly_score") && m.contains("window_size"),
        "{m}"
    );
    let m = message("stratos_anomaly_score(v, '{\"windw\": 3}')", true).await;
    assert!(
        m.contains("stratos_anomaly_score") && m.contains("windw"),
        "{m}"
    );
    let m = message("stratos_anomaly_score(v, '{not json')", true).await;
    assert!(
        m.contains("stratos_anomaly_score") && m.contains("JSON"),
        "{m}"
    );
    let m = message("stratos_trend(ts, v, '{\"growth_threshold\": -1}')", true).await;
    assert!(
        m.contains("stratos_trend") && m.contains("growth_threshold"),
        "{m}"
    );
    let m = message("stratos_forecast(ts, v, '{\"p\": 99}')", false).await;
    assert!(m.contains("stratos_forecast") && m.contains('p'), "{m}");
    let m = message("stratos_forecast(ts, v, '{\"stepz\": 3}')", false).await;
    assert!(m.contains("stratos_forecast") && m.contains("stepz"), "{m}");
    let m = message("stratos_quantile(v, 1.5)", false).await;
    assert!(m.contains("stratos_quantile") && m.contains("`q`"), "{m}");
    let m = message("stratos_quantile(v, 0.5, 0.9)", false).await;
    assert!(
        m.contains("stratos_quantile") && m.contains("accuracy"),
        "{m}"
    );
}

#[tokio::test]
async fn short_groups_and_empty_input_give_nulls_not_errors() {
    let ctx = SessionContext::new();
    stratos_datafusion::register_all(&ctx).unwrap();
    let sql = format!(
        "SELECT s, stratos_forecast(ts, v, '{{}}') AS f, stratos_quantile(v, 0.5) AS q \
         FROM {DATA} GROUP BY s ORDER BY s"
    );
    let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    // Two points are too few for ARIMA: NULL; the quantile of a group is its value.
    assert!(text.contains("| a |   | 1.0 |"), "{text}");
    assert!(text.contains("| b |   | 3.0 |"), "{text}");
    let empty = "SELECT stratos_sma(v, 2) OVER (ORDER BY ts) AS m FROM (SELECT * FROM (VALUES (TIMESTAMP '2025-01-01 00:00:00', 1.0)) AS t(ts, v) WHERE v > 5)";
    let batches = ctx.sql(empty).await.unwrap().collect().await.unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
}

#[test]
fn the_lists_hold_every_function() {
    let mut names: Vec<String> = stratos_datafusion::window_functions()
        .iter()
        .map(|f| f.name().to_owned())
        .chain(
            stratos_datafusion::aggregate_functions()
                .iter()
                .map(|f| f.name().to_owned()),
        )
        .collect();
    names.sort();
    let mut want: Vec<String> = stratos_datafusion::FUNCTION_NAMES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    want.sort();
    assert_eq!(names, want);
}
