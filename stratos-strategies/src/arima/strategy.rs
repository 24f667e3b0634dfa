//! The `arima_prediction` strategy: fit (or search) an ARIMA model, forecast `steps` ahead with
//! intervals, and turn the forecast into a BUY/SELL/HOLD signal.
//!
//! ```text
//! change   = (forecast[steps] − current) / |current|
//! action   = BUY if change > signal_threshold, SELL if change < −signal_threshold, else HOLD
//! strength = 2·Φ(|forecast[steps] − current| / se[steps]) − 1
//!            (the probability mass, under the forecast distribution, on the predicted side of
//!            the current price beyond that of a coin flip; HOLD: 1 − that)
//! confidence = (1 − MAPE/100) clamped to [0, 1], halved when the optimiser did not converge
//! ```

#[cfg(test)]
use serde_json::json;
#[cfg(test)]
use stratos_core::Strategy;
use stratos_core::numeric::normal_cdf;
use stratos_core::strategy::{input_series, resolve_field};
use stratos_core::{
    Action, BatchOnly, BuiltinStrategy, ConfigError, Frame, Outputs, Reported, ResultType, Schema,
    Signal, StrategyError, StrategyResult, Timestamp,
};

use super::config::{ArimaConfig, ID};
use super::order_search::{OrderSearch, SeasonalSearch, search};
use super::report::{
    ArimaReport, ConfidenceInterval, ModelParams, OrderSearchReport, Stationarity,
};
use super::seasonality::{self, STRENGTH_THRESHOLD, Seasonality};
use super::{Arima, ArimaOrder, FittedArima, Forecast, adf, calendar};
use crate::number_text::num;

/// The `arima_prediction` strategy.
#[derive(Debug, Clone)]
pub struct ArimaStrategy {
    config: ArimaConfig,
}

/// A series made usable for ARIMA: leading and trailing missing values dropped, interior ones
/// linearly interpolated (the seed's `outlierHandling: interpolate`).
#[derive(Debug, Clone, PartialEq)]
pub struct GapFilled {
    /// The cleaned values.
    pub values: Vec<f64>,
    /// Index of the first kept input row.
    pub start: usize,
    /// How many interior values were interpolated.
    pub interpolated: usize,
    /// How many leading or trailing missing values were dropped.
    pub trimmed: usize,
}

/// Cleans a series for fitting (see [`GapFilled`]); non-finite values count as missing.
pub fn fill_gaps(values: &[f64]) -> GapFilled {
    let first = values.iter().position(|v| v.is_finite());
    let last = values.iter().rposition(|v| v.is_finite());
    let (Some(first), Some(last)) = (first, last) else {
        return GapFilled {
            values: Vec::new(),
            start: 0,
            interpolated: 0,
            trimmed: values.len(),
        };
    };
    let mut out: Vec<f64> = values[first..=last].to_vec();
    let mut interpolated = 0;
    let mut i = 0;
    while i < out.len() {
        if out[i].is_finite() {
            i += 1;
            continue;
        }
        let gap_start = i;
        while i < out.len() && !out[i].is_finite() {
            i += 1;
        }
        // The slice starts and ends finite, so both neighbours exist.
        let (a, b) = (out[gap_start - 1], out[i]);
        let span = (i - gap_start + 1) as f64;
        for (k, slot) in out[gap_start..i].iter_mut().enumerate() {
            *slot = a + (b - a) * (k + 1) as f64 / span;
        }
        interpolated += i - gap_start;
    }
    GapFilled {
        values: out,
        start: first,
        interpolated,
        trimmed: values.len() - (last - first + 1),
    }
}

impl ArimaStrategy {
    /// The validated config.
    pub fn settings(&self) -> &ArimaConfig {
        &self.config
    }

    /// The seasonal period and D: `s` as given or detected (`seasonalityDetection`), D as
    /// given or by the seasonal-strength test; with the detection report when it ran.
    fn season(&self, y: &[f64]) -> (Option<(usize, usize)>, Option<Seasonality>) {
        let c = &self.config;
        let detected = (c.seasonality_detection && c.s.is_none()).then(|| seasonality::detect(y));
        let s = c.s.or_else(|| {
            detected
                .as_ref()
                .filter(|d| d.seasonal)
                .and_then(|d| d.period)
        });
        let Some(s) = s else {
            return (None, detected);
        };
        let sd = c.seasonal_d.unwrap_or_else(|| {
            let strength = match &detected {
                Some(d) if d.period == Some(s) => d.strength,
                _ => seasonality::strength(y, s),
            };
            usize::from(strength >= STRENGTH_THRESHOLD)
        });
        (Some((s, sd)), detected)
    }

    /// The fit, with the order search's report in `auto` mode and the seasonality
    /// detection's when it ran.
    #[allow(clippy::type_complexity)]
    fn fit(
        &self,
        y: &[f64],
    ) -> Result<(FittedArima, Option<OrderSearchReport>, Option<Seasonality>), StrategyError> {
        let c = &self.config;
        let (season, detected) = self.season(y);
        if c.auto {
            let search_config = OrderSearch {
                max_p: c.max_p,
                max_q: c.max_q,
                d: c.d,
                criterion: c.criterion,
                max_d: 2,
                seasonal: season.map(|(s, sd)| SeasonalSearch {
                    s,
                    d: sd,
                    max_p: c.seasonal_p.unwrap_or(c.max_seasonal_p),
                    max_q: c.seasonal_q.unwrap_or(c.max_seasonal_q),
                }),
            };
            let found = search(y, &search_config)?;
            let summary = OrderSearchReport {
                criterion: c.criterion,
                orders_tried: found.cells.len(),
                d_selection: found.d_selection.as_ref().map(Into::into),
                chosen_order: found.best.order().to_string(),
            };
            Ok((found.best, Some(summary), detected))
        } else {
            let mut order = ArimaOrder::new(c.p, c.d_or_default(), c.q);
            if let Some((s, sd)) = season {
                order = order.with_seasonal(
                    c.seasonal_p.unwrap_or(0),
                    sd,
                    c.seasonal_q.unwrap_or(1),
                    s,
                );
            }
            Ok((Arima::try_new(order)?.fit(y)?, None, detected))
        }
    }

    fn signal(&self, current: f64, forecast: &Forecast) -> Signal {
        let (Some(&last), Some(&se)) = (forecast.mean.last(), forecast.se.last()) else {
            return Signal::new(Action::Hold, 0.0, "no forecast");
        };
        let change = if current != 0.0 {
            (last - current) / current.abs()
        } else {
            0.0
        };
        let sure = if se > 0.0 && se.is_finite() {
            2.0 * normal_cdf((last - current).abs() / se) - 1.0
        } else {
            1.0
        };
        let pct = num(change.abs() * 100.0, 2);
        let steps = forecast.mean.len();
        let horizon = if steps == 1 {
            "next step".to_owned()
        } else {
            format!("{steps} steps")
        };
        let t = self.config.signal_threshold;
        if change > t {
            Signal::new(
                Action::Buy,
                sure,
                format!("ARIMA predicts {pct}% price increase over {horizon}"),
            )
        } else if change < -t {
            Signal::new(
                Action::Sell,
                sure,
                format!("ARIMA predicts {pct}% price decrease over {horizon}"),
            )
        } else {
            let dir = if change >= 0.0 {
                "increase"
            } else {
                "decrease"
            };
            Signal::new(
                Action::Hold,
                1.0 - sure,
                format!(
                    "ARIMA predicts {pct}% {dir} over {horizon}, within the {}% threshold",
                    num(t * 100.0, 2)
                ),
            )
        }
    }
}

/// Timestamps for the forecast steps following the input's calendar (business days, month
/// ends, …; the rule is in `calendar`'s docs), with the rule's name; none when the input has
/// no time column or it does not advance.
fn forecast_times(
    times: Option<&[Timestamp]>,
    steps: usize,
) -> Option<(Vec<Timestamp>, &'static str)> {
    let times = times?;
    let cal = calendar::detect(times)?;
    Some((calendar::extend(times, cal, steps)?, cal.name()))
}

impl BuiltinStrategy for ArimaStrategy {
    type Config = ArimaConfig;
    type Online = BatchOnly;
    const NAME: &'static str = "ARIMA prediction";
    const DESCRIPTION: &'static str = "ARIMA(p,d,q) by exact maximum likelihood (statsmodels' answers): forecasts with intervals, ADF stationarity, order search, BUY/SELL/HOLD";
    const RESULT_TYPE: ResultType = ResultType::Prediction;

    fn from_config(config: ArimaConfig) -> Result<Self, ConfigError> {
        use stratos_core::StrategyConfig;
        config.validate()?;
        Ok(ArimaStrategy { config })
    }

    fn settings(&self) -> &ArimaConfig {
        &self.config
    }

    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        resolve_field(ID, self.config.data_field.as_deref(), schema).map(|f| vec![f])
    }

    fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.run(frame).map(|r| r.result)
    }
}

impl ArimaStrategy {
    /// Fits, forecasts and signals over a whole frame: the typed report with the result
    /// built from it (what [`Strategy::execute`](stratos_core::Strategy::execute) returns).
    ///
    /// # Errors
    /// As [`Strategy::execute`](stratos_core::Strategy::execute):
    /// [`StrategyError::NotEnoughData`] below `minDataPoints`, [`StrategyError::Numeric`]
    /// for a constant series or a failed fit, [`StrategyError::Config`] for a missing field.
    pub fn run(&self, frame: &Frame) -> Result<Reported<ArimaReport>, StrategyError> {
        let c = &self.config;
        let series = input_series(ID, c.data_field.as_deref(), frame)?;
        let filled = fill_gaps(series.values);
        let y = &filled.values;
        if y.len() < c.min_data_points {
            return Err(StrategyError::NotEnoughData {
                strategy: ID.to_owned(),
                field: series.name.to_owned(),
                needed: c.min_data_points,
                got: y.len(),
            });
        }
        if y.iter().all(|v| v.to_bits() == y[0].to_bits()) {
            return Err(StrategyError::numeric(
                ID,
                format!(
                    "`{}` is constant ({}): an ARIMA model has no variance to fit",
                    series.name, y[0]
                ),
            ));
        }
        let (fit, order_search, seasonality) = self.fit(y)?;
        let forecast = fit.forecast(c.steps, c.alpha)?;
        let current = *y.last().unwrap_or(&f64::NAN);
        let signal = self.signal(current, &forecast);
        let stationarity = match adf::adf(y, &adf::AdfConfig::default()) {
            Ok(r) => Stationarity {
                is_stationary: Some(r.p_value < 0.05),
                p_value: r.p_value,
                statistic: Some(r.statistic),
                used_lag: Some(r.used_lag),
                error: None,
                test: "adf".to_owned(),
            },
            Err(e) => Stationarity {
                is_stationary: None,
                p_value: f64::NAN,
                statistic: None,
                used_lag: None,
                error: Some(e.to_string()),
                test: "adf".to_owned(),
            },
        };
        let order = fit.order();
        let params = fit.params();
        let seasonal = (!order.seasonal.is_none()).then_some(order.seasonal);
        let forecast_times = forecast_times(series.timestamps, c.steps);
        let report = ArimaReport {
            field: series.name.to_owned(),
            current_price: current,
            predictions: forecast.mean.to_vec(),
            standard_errors: forecast.se.to_vec(),
            confidence_interval: ConfidenceInterval {
                upper: forecast.upper.to_vec(),
                lower: forecast.lower.to_vec(),
                level: 1.0 - c.alpha,
            },
            signal: signal.clone(),
            model_params: ModelParams {
                p: order.p,
                d: order.d,
                q: order.q,
                seasonal,
            },
            stationarity,
            ar: params.ar.to_vec(),
            ma: params.ma.to_vec(),
            sigma2: params.sigma2,
            log_likelihood: fit.llf(),
            converged: fit.converged(),
            iterations: fit.iterations(),
            points: y.len(),
            interpolated: filled.interpolated,
            trimmed: filled.trimmed,
            constant: params.constant,
            forecast_calendar: forecast_times.as_ref().map(|(_, rule)| (*rule).to_owned()),
            forecast_timestamps: forecast_times.map(|(times, _)| times),
            order_search,
            seasonality,
            seasonal_ar: seasonal.map(|_| params.seasonal_ar.to_vec()),
            seasonal_ma: seasonal.map(|_| params.seasonal_ma.to_vec()),
            // statsmodels' summary() numbers (OPG standard errors, residual diagnostics);
            // absent when the outer product of the scores is singular.
            summary: fit.summary(y).ok(),
        };
        let mape = fit.mape();
        let confidence =
            (1.0 - mape / 100.0).clamp(0.0, 1.0) * if fit.converged() { 1.0 } else { 0.5 };
        // Per-row outputs over the input rows; rows dropped or before the fit are NaN.
        let n = series.len();
        let mut fitted = vec![f64::NAN; n];
        let mut resid = vec![f64::NAN; n];
        for (i, (f, r)) in fit
            .fitted_values()
            .iter()
            .zip(fit.residuals())
            .enumerate()
            .skip(order.burn())
        {
            if let Some(slot) = fitted.get_mut(filled.start + i) {
                *slot = *f;
            }
            if let Some(slot) = resid.get_mut(filled.start + i) {
                *slot = *r;
            }
        }
        let outputs = Outputs::new(series.name)
            .number("fitted", fitted)
            .number("residual", resid);
        let result = StrategyResult::from_report(ResultType::Prediction, &report, confidence)
            .map_err(|e| StrategyError::numeric(ID, e))?;
        Ok(Reported {
            report,
            result: result
                .with_metric("aic", fit.aic())
                .with_metric("bic", fit.bic())
                .with_metric("aicc", fit.aicc())
                .with_metric("hqic", fit.hqic())
                .with_metric("mape", mape)
                .with_metric("rmse", fit.rmse())
                .with_signal(signal)
                .with_outputs(outputs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_trims_and_interpolates() {
        let nan = f64::NAN;
        let p = fill_gaps(&[nan, 1.0, nan, nan, 4.0, 5.0, nan]);
        assert_eq!(p.values, [1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!((p.start, p.interpolated, p.trimmed), (1, 2, 2));
        assert!(fill_gaps(&[nan, nan]).values.is_empty());
    }

    fn strategy(config: serde_json::Value) -> ArimaStrategy {
        use stratos_core::StrategyConfig;
        ArimaStrategy::from_config(ArimaConfig::from_json(config).unwrap()).unwrap()
    }

    /// A seeded AR(1) around a trend: deterministic, non-constant, 200 points.
    fn series(n: usize) -> Vec<f64> {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        let mut x = 0.0;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                x = 0.6 * x + ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5);
                100.0 + 0.05 * i as f64 + x
            })
            .collect()
    }

    #[test]
    fn executes_with_the_seed_fields() {
        let s = strategy(json!({"p": 1, "d": 1, "q": 1, "steps": 4}));
        let r = s
            .execute(&Frame::from_values("close", series(200)))
            .unwrap();
        let d = &r.data;
        for key in [
            "currentPrice",
            "predictions",
            "confidenceInterval",
            "signal",
            "modelParams",
            "stationarity",
            "ar",
            "ma",
            "sigma2",
            "logLikelihood",
            "converged",
        ] {
            assert!(d.get(key).is_some(), "missing {key}");
        }
        assert_eq!(d["predictions"].as_array().unwrap().len(), 4);
        assert_eq!(d["modelParams"], json!({"p": 1, "d": 1, "q": 1}));
        assert!(d.get("const").is_none(), "no constant when d > 0");
        for m in ["aic", "bic", "aicc", "hqic", "mape", "rmse"] {
            assert!(r.metrics[m].is_finite(), "{m}");
        }
        let upper = d["confidenceInterval"]["upper"][0].as_f64().unwrap();
        let lower = d["confidenceInterval"]["lower"][0].as_f64().unwrap();
        let mean = d["predictions"][0].as_f64().unwrap();
        assert!(lower < mean && mean < upper);
        assert_eq!(r.outputs.columns.len(), 2);
        let r0 = strategy(json!({"p": 1, "d": 0, "q": 0}))
            .execute(&Frame::from_values("close", series(200)))
            .unwrap();
        assert!(
            r0.data["const"].as_f64().unwrap().is_finite(),
            "a mean when d = 0"
        );
    }

    #[test]
    fn nans_are_interpolated_and_reported() {
        let mut y = series(150);
        y[10] = f64::NAN;
        y[11] = f64::NAN;
        y[0] = f64::NAN;
        let r = strategy(json!({"p": 1, "d": 1, "q": 0}))
            .execute(&Frame::from_values("close", y))
            .unwrap();
        assert_eq!(r.data["interpolated"], 2);
        assert_eq!(r.data["trimmed"], 1);
    }

    #[test]
    fn short_and_constant_inputs_are_typed_errors() {
        let s = strategy(json!({}));
        let e = s
            .execute(&Frame::from_values("close", series(50)))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "arima_prediction: needs at least 100 data points in `close`, got 50"
        );
        let e = s
            .execute(&Frame::from_values("close", vec![5.0; 120]))
            .unwrap_err();
        assert!(e.to_string().contains("is constant"), "{e}");
        let ok = strategy(json!({"minDataPoints": 30, "p": 0, "q": 1}))
            .execute(&Frame::from_values("close", series(50)));
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn auto_reports_the_chosen_order() {
        let r = strategy(json!({"auto": true, "max_p": 2, "max_q": 1}))
            .execute(&Frame::from_values("close", series(200)))
            .unwrap();
        assert_eq!(r.data["orderSearch"]["ordersTried"], 6);
        let d = r.data["orderSearch"]["dSelection"]["d"].as_u64().unwrap();
        assert_eq!(r.data["modelParams"]["d"].as_u64().unwrap(), d);
        assert!(r.data["modelParams"]["p"].as_u64().unwrap() <= 2);
    }

    /// A monthly-like series: trend, a 12-period pattern and deterministic noise.
    fn seasonal_series(n: usize) -> Vec<f64> {
        let pattern = [
            0.0, 2.0, 5.0, 3.0, 1.0, -1.0, -4.0, -6.0, -3.0, 0.5, 1.5, 1.0,
        ];
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        (0..n)
            .map(|t| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let e = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                100.0 + 0.2 * t as f64 + pattern[t % 12] + e
            })
            .collect()
    }

    #[test]
    fn seasonal_keys_fit_a_sarima_and_report_it() {
        let y = seasonal_series(180);
        let r = strategy(json!({"p": 0, "d": 1, "q": 1, "P": 0, "D": 1, "Q": 1, "s": 12}))
            .execute(&Frame::from_values("close", y.clone()))
            .unwrap();
        let m = &r.data["modelParams"];
        assert_eq!(
            (m["P"].as_u64(), m["D"].as_u64(), m["Q"].as_u64()),
            (Some(0), Some(1), Some(1))
        );
        assert_eq!(m["s"], 12);
        assert_eq!(r.data["seasonalMa"].as_array().unwrap().len(), 1);
        let names: Vec<&str> = r.data["summary"]["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["ma.L1", "ma.S.L12", "sigma2"]);
        // The forecast carries the seasonal pattern: month 7 (index 7, −6) below month 2 (+5).
        let preds: Vec<f64> = r.data["predictions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(preds.len(), 5);
        let r =
            strategy(json!({"seasonalityDetection": true, "p": 0, "d": 1, "q": 1, "steps": 12}))
                .execute(&Frame::from_values("close", y))
                .unwrap();
        assert_eq!(r.data["seasonality"]["period"], 12);
        assert_eq!(r.data["seasonality"]["seasonal"], true);
        assert_eq!(r.data["modelParams"]["s"], 12);
        assert_eq!(r.data["modelParams"]["D"], 1);
        let preds: Vec<f64> = r.data["predictions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        // n = 180 ends at phase 11, so step h is phase h − 1: phase 7 (−6) is step 8, phase 2
        // (+5) is step 3.
        assert!(preds[7] < preds[2] - 5.0, "{preds:?}");
    }

    #[test]
    fn auto_searches_the_seasonal_orders() {
        let r = strategy(json!({"auto": true, "max_p": 0, "max_q": 1, "d": 1, "s": 12}))
            .execute(&Frame::from_values("close", seasonal_series(150)))
            .unwrap();
        assert_eq!(r.data["orderSearch"]["ordersTried"], 8);
        assert_eq!(r.data["modelParams"]["D"], 1);
        assert!(
            r.data["orderSearch"]["chosenOrder"]
                .as_str()
                .unwrap()
                .contains("x(")
        );
    }

    #[test]
    fn signal_follows_the_predicted_change() {
        let s = strategy(json!({"signal_threshold": 0.02}));
        let f = |mean: f64, se: f64| Forecast {
            mean: vec![mean],
            se: vec![se],
            lower: vec![],
            upper: vec![],
            alpha: 0.05,
        };
        let up = s.signal(100.0, &f(103.0, 1.0));
        assert_eq!(up.action, Action::Buy);
        assert_eq!(up.reason, "ARIMA predicts 3% price increase over next step");
        assert!((up.strength - (2.0 * normal_cdf(3.0) - 1.0)).abs() < 1e-15);
        assert_eq!(s.signal(100.0, &f(97.0, 1.0)).action, Action::Sell);
        assert_eq!(s.signal(100.0, &f(101.0, 1.0)).action, Action::Hold);
    }

    #[test]
    fn forecast_times_follow_the_median_step() {
        let t: Vec<Timestamp> = [0, 86_400, 172_800, 259_200]
            .iter()
            .map(|s| Timestamp::from_epoch_seconds(*s).unwrap())
            .collect();
        let (f, rule) = forecast_times(Some(&t), 2).unwrap();
        assert_eq!(f[1].to_string(), "1970-01-06T00:00:00Z");
        assert_eq!(rule, "median_step");
        assert!(forecast_times(None, 2).is_none());
    }
}
