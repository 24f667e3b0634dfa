//! `backtest --evaluate`: rolling-origin evaluation of a forecasting strategy's forecasts,
//! beside the naive forecast (the last value) as a baseline.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use stratos_core::strategy::input_series;
use stratos_core::{Frame, StrategyConfig, StrategyRequest};
use stratos_eval::backtest::RefitForecast;
use stratos_eval::backtest::signals::RefitForecasts;
use stratos_eval::rolling_origin::{
    ArimaForecaster, FORECASTING_STRATEGIES, ForecastError, Forecaster, ID, Naive, RollingOrigin,
    RollingOriginConfig, RollingOriginReport,
};
use stratos_strategies::hybrid::HybridConfig;

use super::overlays::reads_close;
use super::progress::Progress;
use super::report::csv_err;
use crate::cli::{BacktestArgs, BacktestFormat};
use crate::exit::{CliError, write_err};
use crate::output::table::{Table, write_pairs};
use crate::output::{self, float_cell};

/// The forecaster of a forecasting strategy's request (its ARIMA part).
fn forecaster(request: &StrategyRequest) -> Result<ArimaForecaster, CliError> {
    ArimaForecaster::for_request(request)?.ok_or_else(|| {
        CliError::Usage(format!(
            "--evaluate: `{}` makes no forecasts; rolling-origin evaluation is for {}",
            request.strategy_id,
            FORECASTING_STRATEGIES
                .map(|id| format!("`{id}`"))
                .join(" and ")
        ))
    })
}

/// Counts the origins forecast, for the progress bar.
struct Counted<'a, F> {
    inner: &'a F,
    done: Arc<AtomicUsize>,
}

impl<F: Forecaster> Forecaster for Counted<'_, F> {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn min_history(&self) -> usize {
        self.inner.min_history()
    }
    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>, ForecastError> {
        let out = self.inner.forecast(history, horizon);
        self.done.fetch_add(1, Ordering::Relaxed);
        out
    }
}

/// Runs the evaluation and prints it in the chosen format.
pub(crate) fn run(
    args: &BacktestArgs,
    strategy_config: serde_json::Value,
    spec: &str,
    frame: &Frame,
) -> Result<(), CliError> {
    let request = StrategyRequest {
        strategy_id: args.strategy.clone(),
        config: strategy_config,
    };
    let forecaster = forecaster(&request)?;
    let eval_config: RollingOriginConfig = serde_json::from_str(spec)
        .map_err(|e| CliError::Usage(format!("--evaluate: invalid config: {e}")))?;
    let eval = RollingOrigin::try_new(eval_config).map_err(stratos_core::StrategyError::from)?;
    let series = input_series(ID, forecaster.config().data_field.as_deref(), frame)?;
    let (name, y) = (series.name, series.values);
    let progress = Progress::start("evaluating", origins_hint(&eval, y.len()));
    let counted = Counted {
        inner: &forecaster,
        done: progress.counter(),
    };
    let report = eval
        .run(&counted, y)
        .map_err(stratos_core::StrategyError::from);
    progress.finish();
    let report = report?;
    let baseline = eval
        .run(&Naive, y)
        .map_err(stratos_core::StrategyError::from)?;
    let mut out = output::stdout();
    match args.format {
        BacktestFormat::Json => {
            let value = json!({
                "strategy_id": args.strategy,
                "field": name,
                "evaluation": report,
                "baseline": baseline,
                "average_accuracy": report.average_accuracy,
            });
            serde_json::to_writer_pretty(&mut out, &value).map_err(write_err)?;
            writeln!(out).map_err(write_err)?;
        }
        BacktestFormat::Csv => write_csv(&mut out, frame, y, &report)?,
        BacktestFormat::Table => {
            write_table(&mut out, args, frame, name, &report, &baseline).map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)
}

/// The `average_accuracy` of a forecasting strategy's backtest over `close`
/// ([`RollingOrigin::aligned_with_refits`]), with the whole evaluation as JSON; `None` for a
/// strategy that makes no forecasts.
///
/// The origins are the backtest's own refits: each is answered from the forecast that refit
/// made (`refits`, [`RefitForecasts`]), so the model is fitted once per origin, not once
/// for the signal and again for the score. Origins no refit covered (a `minDataPoints` below
/// the model's minimum history, a `rebalancingFrequency`) are fitted here.
///
/// # Errors
/// A config the strategy rejects, too short a series, a failed fit.
pub(crate) fn accuracy(
    request: &StrategyRequest,
    refit_every: usize,
    close: &[f64],
    refits: &[RefitForecast],
) -> Result<Option<(f64, serde_json::Value)>, CliError> {
    let Some(forecaster) = ArimaForecaster::for_request(request)? else {
        return Ok(None);
    };
    // The refits forecast the strategy's field; they score against the close only when that
    // is the field.
    // A hybrid request names its field at the top of its config, above its ARIMA part's.
    let hybrid_field = (request.strategy_id == stratos_strategies::hybrid::ID)
        .then(|| HybridConfig::from_json(request.config.clone()).ok())
        .flatten()
        .and_then(|h| h.data_field);
    let refits = if reads_close(forecaster.config().data_field.as_deref())
        && reads_close(hybrid_field.as_deref())
    {
        refits
    } else {
        &[]
    };
    let shared = RefitForecasts::new(refits, close, &forecaster);
    let report = RollingOrigin::aligned_with_refits(&forecaster, refit_every)
        .and_then(|eval| eval.run(&shared, close))
        .map_err(stratos_core::StrategyError::from)?;
    let value = json!({
        "forecaster": report.forecaster,
        "config": report.config,
        "origins": report.forecasts.len(),
        "horizons": report.horizons,
        "average_accuracy": report.average_accuracy,
    });
    Ok(Some((report.average_accuracy, value)))
}

/// How many origins the evaluation will forecast (for the progress bar only).
fn origins_hint(eval: &RollingOrigin, n: usize) -> usize {
    let c = eval.config();
    let initial = c.initial.unwrap_or(n / 2);
    n.saturating_sub(initial + c.horizon - 1)
        .div_ceil(c.step.max(1))
}

fn write_table<W: Write>(
    out: &mut W,
    args: &BacktestArgs,
    frame: &Frame,
    field: &str,
    report: &RollingOriginReport,
    baseline: &RollingOriginReport,
) -> std::io::Result<()> {
    let c = &report.config;
    let window = match c.window {
        stratos_eval::rolling_origin::Window::Expanding => "expanding".to_owned(),
        stratos_eval::rolling_origin::Window::Sliding(n) => format!("sliding, {n} values"),
    };
    let origins = report.forecasts.len();
    // An origin is shown as the time (or index) of the last value it saw.
    let at = |origin: usize| {
        let i = origin.saturating_sub(1);
        frame
            .timestamps()
            .and_then(|t| t.get(i))
            .map_or_else(|| format!("value {i}"), |t| t.to_string())
    };
    let (first, last) = (
        report
            .forecasts
            .first()
            .map_or_else(String::new, |f| at(f.origin)),
        report
            .forecasts
            .last()
            .map_or_else(String::new, |f| at(f.origin)),
    );
    write_pairs(
        out,
        &[
            (
                "evaluation",
                format!("rolling origin, {} on `{field}`", report.forecaster),
            ),
            (
                "origins",
                format!(
                    "{origins}, every {} values, from {first} to {last}; window {window}",
                    c.step
                ),
            ),
            ("horizon", c.horizon.to_string()),
            (
                "average_accuracy",
                format!(
                    "{} (direction accuracy, mean over steps 1..={})",
                    fixed(report.average_accuracy, 4),
                    c.horizon
                ),
            ),
            ("strategy", args.strategy.clone()),
        ],
    )?;
    writeln!(out)?;
    let mut t = Table::new([
        "h",
        "origins",
        "MAPE %",
        "RMSE",
        "MAE",
        "direction",
        "naive MAPE %",
        "naive RMSE",
    ]);
    for (m, b) in report.horizons.iter().zip(&baseline.horizons) {
        t.row(vec![
            m.horizon.to_string(),
            m.count.to_string(),
            m.mape.map_or("-".to_owned(), |v| fixed(v, 3)),
            fixed(m.rmse, 4),
            fixed(m.mae, 4),
            fixed(m.direction_accuracy, 4),
            b.mape.map_or("-".to_owned(), |v| fixed(v, 3)),
            fixed(b.rmse, 4),
        ]);
    }
    t.write(out)?;
    writeln!(
        out,
        "\nnaive: the last value as the forecast (a random walk's); its direction is flat, so a \
         coin flip (0.5), not the naive forecast, is the reference for `direction`."
    )
}

fn fixed(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

/// One row per origin and step: the origin's last time, the target's time, the actual value,
/// the forecast and the error.
fn write_csv<W: Write>(
    out: &mut W,
    frame: &Frame,
    y: &[f64],
    report: &RollingOriginReport,
) -> Result<(), CliError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "origin",
        "origin_time",
        "step",
        "time",
        "actual",
        "forecast",
        "error",
    ])
    .map_err(csv_err)?;
    let time = |i: usize| {
        frame
            .timestamps()
            .and_then(|t| t.get(i))
            .map_or_else(String::new, ToString::to_string)
    };
    for f in &report.forecasts {
        for (k, forecast) in f.forecast.iter().enumerate() {
            let target = f.origin + k;
            let actual = y.get(target).copied().unwrap_or(f64::NAN);
            w.write_record([
                f.origin.to_string(),
                time(f.origin.saturating_sub(1)),
                (k + 1).to_string(),
                time(target),
                float_cell(actual),
                float_cell(*forecast),
                float_cell(actual - forecast),
            ])
            .map_err(csv_err)?;
        }
    }
    w.flush().map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_forecasting_strategies_are_evaluated() {
        assert!(
            forecaster(&StrategyRequest::new(
                "arima_prediction",
                serde_json::Value::Null
            ))
            .is_ok()
        );
        let hybrid = forecaster(&StrategyRequest::new(
            "hybrid_arima_ma",
            json!({"arimaConfig": {"p": 1, "d": 0, "q": 0}}),
        ))
        .unwrap();
        let c = hybrid.config();
        assert_eq!((c.p, c.d, c.q), (1, Some(0), 0));
        assert!(matches!(
            forecaster(&StrategyRequest::new("moving_average", json!({}))),
            Err(CliError::Usage(_))
        ));
        assert!(matches!(
            forecaster(&StrategyRequest::new("arima_prediction", json!({"p": 99}))),
            Err(CliError::Config(_))
        ));
    }
}
