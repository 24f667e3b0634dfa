//! Stratos strategies as [Apache DataFusion](https://datafusion.apache.org) functions, so that
//! SQL over Arrow, Parquet, CSV or NDJSON can run them per stream.
//!
//! | function | kind | returns | same numbers as |
//! |---|---|---|---|
//! | `stratos_sma(value, n)` | window | `DOUBLE` | `moving_average` `{"kind": "sma", "period": n}` (its `sma` column) |
//! | `stratos_ema(value, n)` | window | `DOUBLE` | `moving_average` `{"kind": "ema", "period": n}` (`adjust` false) |
//! | `stratos_wma(value, n)` | window | `DOUBLE` | `moving_average` `{"kind": "wma", "period": n}` |
//! | `stratos_zscore(value, window [, ddof])` | window | `DOUBLE` | `anomaly_detection` `{"method": "z_score", "window_size": window}` (its `zscore` column) |
//! | `stratos_anomaly_score(value, 'config')` | window | `DOUBLE` in [0, 1] | `anomaly_detection` with that config (its `anomaly_score` column) |
//! | `stratos_trend([ts,] value, 'config')` | window | `DOUBLE` | `trend_analysis` with that config (its `growth` column) |
//! | `stratos_forecast(ts, value, 'config')` | aggregate | `LIST<STRUCT<step, forecast, lower, upper>>` | `arima_prediction` with that config (`predictions`, `confidenceInterval`) |
//! | `stratos_quantile(value, q [, accuracy])` | aggregate | `DOUBLE` | the DDSketch of `window_aggregate`'s p50/p95 |
//!
//! Window functions are meant to be called as `f(…) OVER (PARTITION BY stream ORDER BY ts)`:
//! each partition is walked in the `ORDER BY` order through the same per-row kernels that
//! `stratos run` and `stratos stream` drive, so a partition gives, to the last bit, the numbers
//! `stratos run` gives on that stream. Constant arguments (periods, windows, config JSON) are
//! checked while the query is planned: a bad one is a planning error naming the function and
//! the argument or config field.
//!
//! Missing values: a NULL value is a missing value, as an empty cell is for `stratos run`
//! (each kernel's own rule applies: the SMA/WMA are undefined while the window holds it, the
//! EMA carries its last value, z-scores skip it). An undefined result is NULL. Rows without a
//! score yet (the reference window is filling) give NULL from `stratos_zscore` and
//! `stratos_anomaly_score` (`stratos run` writes 0 as the anomaly score of such rows).
//!
//! # Examples
//! ```
//! use datafusion::prelude::SessionContext;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> datafusion::error::Result<()> {
//! let ctx = SessionContext::new();
//! stratos_datafusion::register_all(&ctx)?;
//! let df = ctx
//!     .sql(
//!         "SELECT s, t, stratos_sma(v, 2) OVER (PARTITION BY s ORDER BY t) AS sma \
//!          FROM (VALUES ('a', 1, 1.0), ('a', 2, 3.0), ('b', 1, 10.0)) AS x(s, t, v) \
//!          ORDER BY s, t",
//!     )
//!     .await?;
//! let batches = df.collect().await?;
//! let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)?.to_string();
//! assert!(text.contains("| a | 2 | 2.0 |"));
//! # Ok(()) }
//! ```

mod args;
#[cfg(feature = "ballista")]
pub mod ballista;
mod forecast;
mod quantile;
mod window;

use datafusion::common::Result;
use datafusion::logical_expr::{AggregateUDF, WindowUDF};
use datafusion::prelude::SessionContext;

pub use forecast::forecast_step_fields;

/// The names of every function [`register_all`] registers: window functions, then aggregates.
pub const FUNCTION_NAMES: [&str; 8] = [
    "stratos_sma",
    "stratos_ema",
    "stratos_wma",
    "stratos_zscore",
    "stratos_anomaly_score",
    "stratos_trend",
    forecast::NAME,
    quantile::NAME,
];

/// The Stratos window functions (`stratos_sma`, `stratos_ema`, `stratos_wma`,
/// `stratos_zscore`, `stratos_anomaly_score`, `stratos_trend`), to register on any function
/// registry (a [`SessionContext`], a distributed executor's).
pub fn window_functions() -> Vec<WindowUDF> {
    window::WindowKind::ALL
        .into_iter()
        .map(window::udwf)
        .collect()
}

/// The Stratos aggregate functions (`stratos_forecast`, `stratos_quantile`).
pub fn aggregate_functions() -> Vec<AggregateUDF> {
    vec![forecast::udaf(), quantile::udaf()]
}

/// Registers every Stratos function on `ctx`.
///
/// # Errors
/// None today; the `Result` keeps room for registries that can refuse a function.
pub fn register_all(ctx: &SessionContext) -> Result<()> {
    for f in window_functions() {
        ctx.register_udwf(f);
    }
    for f in aggregate_functions() {
        ctx.register_udaf(f);
    }
    Ok(())
}
