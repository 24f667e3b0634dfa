//! Per-bar backtest signals from the built-in strategies and from any [`Strategy`]
//! (registry plug-ins included), as [`SignalSource`]s for [`crate::backtest`].
//!
//! | source | signal at bar t | warm-up | cost over N bars |
//! |---|---|---|---|
//! | [`MovingAverageSignals`] with `fast`/`slow` | backtesting.py's crossover: BUY when fast crosses above slow, SELL when below, else HOLD | slow−1 (SMA/WMA) | O(N), one pass |
//! | [`MovingAverageSignals`] without | price vs average: BUY above the band, SELL below, HOLD inside (a *state*: use [`SignalMode::Position`] or [`SignalMode::LongOnly`]) | period−1 | O(N) |
//! | [`StrategySignals::per_row`] | the strategy's own per-row action output from one `execute` over all bars | first defined signal | one `execute` |
//! | [`StrategySignals::walk_forward`] (`arima_prediction`, `hybrid_arima_ma`, any plug-in) | `execute` on bars 0..=t, its `signal.action`, re-decided every `refit_every` bars; `None` in between | the first bar the strategy accepts | ⌈N/refit_every⌉ fits on growing history |
//! | [`StrategySignals::rebalanced`] (the seed's `rebalancingFrequency` in the config of `arima_prediction` or `hybrid_arima_ma`) | as `walk_forward`, re-decided on the first bar of each period (hour, day, week, month, quarter, year; see [`Rebalance`]); `None` in between, so the position only moves then | the first period start the strategy accepts | one fit per period |
//!
//! [`source_for`] picks the source (and the signal mode) for a strategy request, and
//! [`request_builder`] turns a request into a parameter-sweep builder.
//!
//! In every case the signal at bar t sees bars 0..=t only; the per-row form relies on the
//! strategy's outputs being causal, which [`crate::backtest::check_lookahead`]
//! verifies.
//!
//! [`SignalMode::Position`]: crate::backtest::SignalMode::Position
//! [`SignalMode::LongOnly`]: crate::backtest::SignalMode::LongOnly

use std::fmt;

use stratos_core::prepare::Rebalance;

use crate::backtest::optimise::Params;
use crate::backtest::{BacktestError, Bars, RefitForecast, SignalMode, SignalSource, Signals};
use crate::rolling_origin::{ForecastError, Forecaster};
use stratos_core::{
    Action, BuiltinStrategy, ConfigError, Frame, OutputValues, Registry, ResultType, Strategy,
    StrategyConfig, StrategyError, StrategyRequest, StrategyResult,
};

use stratos_strategies::arima::ArimaReport;
use stratos_strategies::hybrid::HybridReport;
use stratos_strategies::moving_average::{
    MaKind, MovingAverage, MovingAverageConfig, MovingAverageStrategy,
};

/// The default refit interval of [`StrategySignals::walk_forward`]: 20 bars (about a
/// trading month of daily bars). An ARIMA(2,1,2) fit on 1 000 points takes on the order of a
/// millisecond, so 2 000 daily bars cost about 100 fits.
pub const DEFAULT_REFIT_EVERY: usize = 20;

/// Refits of a [`SignalWalk::Refit`] walk above which [`SignalSource::cost_warnings`] warns:
/// each refit is a fit on the whole history so far, so N bars refitted every bar cost N fits
/// on N/2 bars on average (an ARIMA order search on each takes minutes over a few thousand
/// bars).
pub const COSTLY_REFITS: usize = 1_000;

/// Refits a suggested `refit_every` aims at.
const SUGGESTED_REFITS: usize = 100;

fn price_column<'a>(bars: &Bars<'a>, field: Option<&str>) -> Result<&'a [f64], BacktestError> {
    let f = field.unwrap_or("close");
    let col = if f.eq_ignore_ascii_case("close") {
        Some(bars.close())
    } else if f.eq_ignore_ascii_case("open") {
        Some(bars.open())
    } else if f.eq_ignore_ascii_case("high") {
        Some(bars.high())
    } else if f.eq_ignore_ascii_case("low") {
        Some(bars.low())
    } else if f.eq_ignore_ascii_case("volume") {
        bars.volume()
    } else {
        None
    };
    col.ok_or_else(|| BacktestError::MissingColumn {
        column: f.to_owned(),
        available: "open, high, low, close, volume".to_owned(),
    })
}

/// `moving_average` signals: the crossover (with `fast` and `slow`) or price versus average.
///
/// # Examples
/// backtesting.py's SmaCross(10, 20):
/// ```
/// use stratos_eval::backtest::signals::MovingAverageSignals;
/// use stratos_strategies::moving_average::MovingAverageConfig;
/// use stratos_eval::backtest::SignalSource;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let source = MovingAverageSignals::crossover(10, 20)?;
/// assert_eq!(source.name(), "moving_average(sma,fast=10,slow=20)");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MovingAverageSignals {
    strategy: MovingAverageStrategy,
}

impl MovingAverageSignals {
    /// Signals from a `moving_average` config (its `data_field`, if set, names the bar
    /// column: `open`, `high`, `low`, `close` or `volume`; default `close`).
    ///
    /// # Errors
    /// [`ConfigError`] when the config is out of range.
    pub fn from_config(config: MovingAverageConfig) -> Result<Self, ConfigError> {
        Ok(MovingAverageSignals {
            strategy: MovingAverageStrategy::from_config(config)?,
        })
    }

    /// The SMA crossover of backtesting.py's README `SmaCross(n1=fast, n2=slow)`.
    ///
    /// # Errors
    /// [`ConfigError`] when `fast`/`slow` are out of range or `fast ≥ slow`.
    pub fn crossover(fast: usize, slow: usize) -> Result<Self, ConfigError> {
        Self::from_config(MovingAverageConfig {
            fast: Some(fast),
            slow: Some(slow),
            period: slow,
            kind: MaKind::Sma,
            ..MovingAverageConfig::default()
        })
    }

    /// The strategy behind the signals.
    pub fn strategy(&self) -> &MovingAverageStrategy {
        &self.strategy
    }
}

impl SignalSource for MovingAverageSignals {
    fn name(&self) -> String {
        let c = self.strategy.settings();
        match c.crossover() {
            Some((f, s)) => format!("moving_average({},fast={f},slow={s})", c.kind.as_str()),
            None => format!(
                "moving_average({},period={},signal_threshold={})",
                c.kind.as_str(),
                c.period,
                c.signal_threshold
            ),
        }
    }

    fn signals(&self, bars: &Bars<'_>) -> Result<Signals, BacktestError> {
        let c = self.strategy.settings();
        let values = price_column(bars, c.data_field.as_deref())?;
        if let Some((fast, slow)) = c.crossover() {
            // The crossover rule of `moving_average` (its `MaState::step`) on its own kernels,
            // without the per-row report it also builds: the same signals at a third of
            // the cost. `crossover_matches_the_strategy_rows` keeps the two equal.
            let mut f = MovingAverage::new(c.kind, fast, c.adjust);
            let mut s = MovingAverage::new(c.kind, slow, c.adjust);
            let mut prev: Option<(f64, f64)> = None;
            let actions = values
                .iter()
                .map(|&v| {
                    let (a, b) = (f.push(v), s.push(v));
                    let action = (a.is_finite() && b.is_finite()).then_some(match prev {
                        Some((pa, pb)) if pa < pb && a > b => Action::Buy,
                        Some((pa, pb)) if pa > pb && a < b => Action::Sell,
                        _ => Action::Hold,
                    });
                    prev = Some((a, b));
                    action
                })
                .collect();
            return Ok(Signals::from_actions(actions));
        }
        let actions = self
            .strategy
            .rows(values)
            .into_iter()
            .map(|r| r.signal.map(|(a, _)| a))
            .collect();
        Ok(Signals::from_actions(actions))
    }
}

/// How [`StrategySignals`] gets a signal per bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalWalk {
    /// One `execute` over all bars; the first per-row action output column is the signal.
    PerRow,
    /// `execute` on bars 0..=t every `refit_every` bars, from the first bar the strategy
    /// accepts (earlier bars answer "not enough data"); the result's `signal.action` is bar
    /// t's signal and bars in between have none.
    Refit {
        /// Bars between refits (≥ 1).
        refit_every: usize,
    },
    /// [`SignalWalk::PerRow`] when the strategy's result has a per-row action output,
    /// else [`SignalWalk::Refit`] with `refit_every` (costs one extra `execute`).
    Auto {
        /// Bars between refits when refitting (≥ 1).
        refit_every: usize,
    },
    /// `execute` on bars 0..=t on the first bar t of each period (the seed's
    /// `rebalancingFrequency`); bars in between have none, so the position moves only then.
    Rebalance {
        /// The period.
        every: Rebalance,
    },
}

/// Signals from any [`Strategy`], e.g. one built by the registry (`arima_prediction`,
/// `hybrid_arima_ma`, a user plug-in).
///
/// The strategy sees a frame with the time column `timestamp` and numeric columns `open`,
/// `high`, `low`, `close` (and `volume`), so its default field is `close`.
///
/// # Examples
/// ```
/// use stratos_core::Timestamp;
/// use stratos_eval::backtest::{Bars, SignalSource};
/// use stratos_eval::backtest::signals::StrategySignals;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = stratos_strategies::registry();
/// let ma = registry.build("moving_average", serde_json::json!({"period": 3}))?;
/// let source = StrategySignals::per_row(ma);
/// let t: Vec<Timestamp> = (0..5).map(|d| Timestamp::from_epoch_seconds(d * 86_400)).collect::<Result<_, _>>()?;
/// let c = [10.0, 10.0, 10.0, 12.0, 9.0];
/// let signals = source.signals(&Bars::new(&t, &c, &c, &c, &c)?)?;
/// assert_eq!(signals.warmup(), 2);
/// assert_eq!(signals.actions()[3], Some(stratos_core::Action::Buy));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StrategySignals {
    strategy: Box<dyn Strategy>,
    walk: SignalWalk,
}

impl StrategySignals {
    /// Per-row signals from one `execute` ([`SignalWalk::PerRow`]).
    pub fn per_row(strategy: Box<dyn Strategy>) -> Self {
        StrategySignals {
            strategy,
            walk: SignalWalk::PerRow,
        }
    }

    /// Walk-forward signals refitted every `refit_every` bars ([`SignalWalk::Refit`]);
    /// 0 is taken as 1.
    pub fn walk_forward(strategy: Box<dyn Strategy>, refit_every: usize) -> Self {
        StrategySignals {
            strategy,
            walk: SignalWalk::Refit {
                refit_every: refit_every.max(1),
            },
        }
    }

    /// Per-row signals when the strategy has them, else refits every `refit_every` bars
    /// ([`SignalWalk::Auto`]); 0 is taken as 1. The choice for user plug-ins.
    pub fn auto(strategy: Box<dyn Strategy>, refit_every: usize) -> Self {
        StrategySignals {
            strategy,
            walk: SignalWalk::Auto {
                refit_every: refit_every.max(1),
            },
        }
    }

    /// Signals re-decided on the first bar of each period ([`SignalWalk::Rebalance`]): the
    /// seed's `rebalancingFrequency`.
    pub fn rebalanced(strategy: Box<dyn Strategy>, every: Rebalance) -> Self {
        StrategySignals {
            strategy,
            walk: SignalWalk::Rebalance { every },
        }
    }

    /// How signals are produced.
    pub fn walk(&self) -> SignalWalk {
        self.walk
    }
}

/// A signal source for a strategy request, with the [`SignalMode`] that suits its signals:
/// what `stratos backtest STRATEGY` uses.
#[derive(Debug)]
pub struct SourceChoice {
    /// The signal source.
    pub source: Box<dyn SignalSource>,
    /// How its signals should become orders: [`SignalMode::Orders`] for crossover events,
    /// [`SignalMode::Position`] for state signals (price vs average, ARIMA, hybrid,
    /// plug-ins).
    pub mode: SignalMode,
}

/// Picks the signal source for `request` (`{"strategy_id": …, "config": {…}}`):
///
/// | strategy | source | mode |
/// |---|---|---|
/// | `moving_average` with `fast`/`slow` | [`MovingAverageSignals`] (crossover) | [`SignalMode::Orders`] |
/// | `moving_average` otherwise | [`MovingAverageSignals`] (price vs average) | [`SignalMode::Position`] |
/// | `arima_prediction`, `hybrid_arima_ma` | [`StrategySignals::walk_forward`] every `refit_every` bars | [`SignalMode::Position`] |
/// | anything else (plug-ins, `anomaly_detection`, …) | [`StrategySignals::auto`] | [`SignalMode::Position`] |
///
/// `refit_every` defaults to [`DEFAULT_REFIT_EVERY`]. A config of `arima_prediction` or
/// `hybrid_arima_ma` holding the seed's `rebalancingFrequency` (`"daily"`, `"weekly"`, …)
/// gets [`StrategySignals::rebalanced`] instead: the signal is re-decided, and the position
/// moved, on the first bar of each period.
///
/// # Errors
/// [`ConfigError`] for an unknown strategy or an invalid config, and for
/// `rebalancingFrequency` in the config of any other strategy.
///
/// # Examples
/// ```
/// use stratos_core::StrategyRequest;
/// use stratos_eval::backtest::SignalMode;
/// use stratos_eval::backtest::signals::source_for;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let request: StrategyRequest = serde_json::from_str(
///     r#"{"strategy_id": "moving_average", "config": {"fast": 10, "slow": 20}}"#,
/// )?;
/// let choice = source_for(&stratos_strategies::registry(), &request, None)?;
/// assert_eq!(choice.mode, SignalMode::Orders);
/// assert_eq!(choice.source.name(), "moving_average(sma,fast=10,slow=20)");
/// # Ok(()) }
/// ```
pub fn source_for(
    registry: &Registry,
    request: &StrategyRequest,
    refit_every: Option<usize>,
) -> Result<SourceChoice, ConfigError> {
    let refit = refit_every.unwrap_or(DEFAULT_REFIT_EVERY);
    let refitted = [
        stratos_strategies::arima::ID,
        stratos_strategies::hybrid::ID,
    ];
    if !refitted.contains(&request.strategy_id.as_str())
        && let Some(value) = request.config.get(REBALANCE_KEY)
    {
        return Err(ConfigError::invalid(
            &request.strategy_id,
            REBALANCE_KEY,
            value,
            "no such key in backtests of this strategy: rebalancingFrequency applies to \
             arima_prediction and hybrid_arima_ma (whose signals are refitted); remove the key",
        ));
    }
    match request.strategy_id.as_str() {
        stratos_strategies::moving_average::ID => {
            let config = MovingAverageConfig::from_json(request.config.clone())?;
            let crossover = config.crossover().is_some();
            Ok(SourceChoice {
                source: Box::new(MovingAverageSignals::from_config(config)?),
                mode: if crossover {
                    SignalMode::Orders
                } else {
                    SignalMode::Position
                },
            })
        }
        stratos_strategies::arima::ID | stratos_strategies::hybrid::ID => {
            let (request, rebalance) = take_rebalance(request)?;
            let strategy = registry.build_request(&request)?;
            Ok(SourceChoice {
                source: Box::new(match rebalance {
                    Some(every) => StrategySignals::rebalanced(strategy, every),
                    None => StrategySignals::walk_forward(strategy, refit),
                }),
                mode: SignalMode::Position,
            })
        }
        _ => Ok(SourceChoice {
            source: Box::new(StrategySignals::auto(
                registry.build_request(request)?,
                refit,
            )),
            mode: SignalMode::Position,
        }),
    }
}

/// The seed's key for [`Rebalance`].
const REBALANCE_KEY: &str = "rebalancingFrequency";

/// `request` without the seed's `rebalancingFrequency`, and that frequency, read.
fn take_rebalance(
    request: &StrategyRequest,
) -> Result<(StrategyRequest, Option<Rebalance>), ConfigError> {
    let mut request = request.clone();
    let value = request
        .config
        .as_object_mut()
        .and_then(|m| m.remove(REBALANCE_KEY));
    let every = value
        .map(|v| Rebalance::from_value(&request.strategy_id, &v))
        .transpose()?;
    Ok((request, every))
}

/// Checks that `strategy_id` names a strategy whose results carry BUY/SELL signals (a
/// `SIGNAL` or `PREDICTION` strategy): anomaly detection, trends and aggregates give nothing
/// to trade on. A strategy the registry does not hold passes ([`source_for`] names it).
///
/// # Errors
/// [`ConfigError::Invalid`] (key `strategy_id`) for a strategy that gives no BUY/SELL
/// signals.
///
/// # Examples
/// ```
/// use stratos_eval::backtest::signals::check_trades;
/// let registry = stratos_strategies::registry();
/// assert!(check_trades(&registry, "moving_average").is_ok());
/// let e = check_trades(&registry, "anomaly_detection").unwrap_err();
/// assert!(e.to_string().contains("no BUY/SELL signals"));
/// ```
pub fn check_trades(registry: &Registry, strategy_id: &str) -> Result<(), ConfigError> {
    let trades = registry
        .info(strategy_id)
        .is_none_or(|i| matches!(i.result_type, ResultType::Signal | ResultType::Prediction));
    if trades {
        return Ok(());
    }
    Err(ConfigError::invalid(
        strategy_id,
        "strategy_id",
        strategy_id,
        "a signal strategy: this one gives no BUY/SELL signals to trade on (see `stratos \
         strategies`)",
    ))
}

/// [`check_trades`], then [`source_for`]: the source a backtest of `request` trades on.
///
/// # Errors
/// As [`check_trades`] and [`source_for`].
pub fn trading_source_for(
    registry: &Registry,
    request: &StrategyRequest,
    refit_every: Option<usize>,
) -> Result<SourceChoice, ConfigError> {
    check_trades(registry, &request.strategy_id)?;
    source_for(registry, request, refit_every)
}

fn bars_frame(bars: &Bars<'_>) -> Result<Frame, BacktestError> {
    let mut b = Frame::builder()
        .timestamps("timestamp", bars.timestamps().to_vec())
        .numeric("open", bars.open().to_vec())
        .numeric("high", bars.high().to_vec())
        .numeric("low", bars.low().to_vec())
        .numeric("close", bars.close().to_vec());
    if let Some(v) = bars.volume() {
        b = b.numeric("volume", v.to_vec());
    }
    b.build().map_err(|e| BacktestError::signal("bars", e))
}

impl StrategySignals {
    fn fail(&self, bar: Option<usize>, e: StrategyError) -> BacktestError {
        BacktestError::Signal {
            source_name: self.name(),
            bar,
            source: Box::new(e),
        }
    }
}

impl SignalSource for StrategySignals {
    fn name(&self) -> String {
        let name = format!("{}({})", self.strategy.id(), self.strategy.config());
        match self.walk {
            SignalWalk::Rebalance { every } => format!("{name} rebalanced {every}"),
            _ => name,
        }
    }

    /// The strategy's own [`Strategy::cost_warnings`], then, for a [`SignalWalk::Refit`]
    /// walk of more than [`COSTLY_REFITS`] refits over `bars` bars, the refits it costs and
    /// the `refit_every` that would cost about a hundred.
    fn cost_warnings(&self, bars: usize) -> Vec<String> {
        let mut w = self.strategy.cost_warnings();
        if let SignalWalk::Refit { refit_every } = self.walk {
            let fits = bars.div_ceil(refit_every.max(1));
            if fits > COSTLY_REFITS {
                let suggest = bars
                    .div_ceil(SUGGESTED_REFITS)
                    .max(DEFAULT_REFIT_EVERY)
                    .max(refit_every + 1);
                let bar_fits = (fits as f64) * (bars as f64) / 2.0;
                w.push(format!(
                    "refit_every = {refit_every}: {fits} refits of {} over {bars} bars, each on \
                     the whole history so far (about {bar_fits:.3e} bars fitted in all); set \
                     refit_every (--refit-every) to {suggest} for about {} refits",
                    self.strategy.id(),
                    bars.div_ceil(suggest),
                ));
            }
        }
        w
    }

    fn signals(&self, bars: &Bars<'_>) -> Result<Signals, BacktestError> {
        // Refits every `refit_every` bars from the first accepted one, or, with `every`, on
        // the first bar of each period.
        let walk =
            |refit_every: usize, every: Option<Rebalance>| -> Result<Signals, BacktestError> {
                let n = bars.len();
                let times = bars.timestamps();
                let mut actions: Vec<Option<Action>> = vec![None; n];
                let mut forecasts = Vec::new();
                let mut anchor: Option<usize> = None;
                for (t, slot) in actions.iter_mut().enumerate() {
                    let skip = match (every, anchor) {
                        (Some(every), _) => !every.starts_period(times, t),
                        (None, Some(a)) => (t - a) % refit_every != 0,
                        (None, None) => false,
                    };
                    if skip {
                        continue;
                    }
                    let frame = bars_frame(&bars.prefix(t + 1))?;
                    match self.strategy.execute(&frame) {
                        Ok(result) => {
                            anchor.get_or_insert(t);
                            if let Some(mean) = forecast_mean(&result) {
                                forecasts.push(RefitForecast { bar: t, mean });
                            }
                            *slot = Some(result.signal.map_or(Action::Hold, |s| s.action));
                        }
                        Err(StrategyError::NotEnoughData { .. }) if anchor.is_none() => {}
                        Err(e) => return Err(self.fail(Some(t), e)),
                    }
                }
                Ok(Signals::from_actions(actions).with_forecasts(forecasts))
            };
        let refit = |refit_every: usize| walk(refit_every, None);
        match self.walk {
            SignalWalk::Refit { refit_every } => refit(refit_every),
            SignalWalk::Rebalance { every } => walk(1, Some(every)),
            SignalWalk::PerRow | SignalWalk::Auto { .. } => {
                let frame = bars_frame(bars)?;
                let result = match self.strategy.execute(&frame) {
                    Ok(r) => r,
                    Err(StrategyError::NotEnoughData { .. })
                        if matches!(self.walk, SignalWalk::Auto { .. }) =>
                    {
                        return Ok(Signals::from_actions(vec![None; bars.len()]));
                    }
                    Err(e) => return Err(self.fail(None, e)),
                };
                let per_row = result.outputs.columns.iter().find_map(|c| match &c.values {
                    OutputValues::Action(v) => Some(v.clone()),
                    _ => None,
                });
                if let (None, SignalWalk::Auto { refit_every }) = (&per_row, self.walk) {
                    return refit(refit_every);
                }
                let actions = per_row.ok_or_else(|| {
                    BacktestError::signal(
                        self.name(),
                        "the strategy has no per-row signal output; use \
                         StrategySignals::walk_forward",
                    )
                })?;
                if actions.len() != bars.len() {
                    return Err(BacktestError::Length {
                        column: "signals".to_owned(),
                        expected: bars.len(),
                        got: actions.len(),
                    });
                }
                Ok(Signals::from_actions(actions))
            }
        }
    }
}

/// The point forecast in a built-in forecasting strategy's result: the typed
/// [`ArimaReport::predictions`] (`arima_prediction`) or the ARIMA part of a [`HybridReport`]
/// (`hybrid_arima_ma`); `None` for any other strategy, or when a step is not a finite number.
fn forecast_mean(result: &StrategyResult) -> Option<Vec<f64>> {
    let mean = match result.strategy_id.as_str() {
        stratos_strategies::arima::ID => result.report::<ArimaReport>().ok()?.predictions,
        stratos_strategies::hybrid::ID => result.report::<HybridReport>().ok()?.arima.predictions,
        _ => return None,
    };
    mean.iter().all(|x| x.is_finite()).then_some(mean)
}

impl fmt::Display for SignalWalk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignalWalk::PerRow => f.write_str("per-row"),
            SignalWalk::Refit { refit_every } => write!(f, "refit every {refit_every} bars"),
            SignalWalk::Auto { refit_every } => {
                write!(f, "per-row, else refit every {refit_every} bars")
            }
            SignalWalk::Rebalance { every } => write!(f, "refit {every}"),
        }
    }
}

/// `base` (a strategy config object, or `null`) with `params` written over it; values that
/// are whole numbers are written as JSON integers, so `fast=10` fills a `usize` key.
///
/// # Examples
/// ```
/// use stratos_eval::backtest::optimise::Params;
/// use stratos_eval::backtest::signals::config_with_params;
/// let params = Params::from([("fast".to_owned(), 10.0), ("signal_threshold".to_owned(), 0.5)]);
/// let config = config_with_params(&serde_json::json!({"slow": 20}), &params);
/// assert_eq!(config, serde_json::json!({"slow": 20, "fast": 10, "signal_threshold": 0.5}));
/// ```
pub fn config_with_params(base: &serde_json::Value, params: &Params) -> serde_json::Value {
    let mut map = match base {
        serde_json::Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    for (k, &v) in params {
        let value = if v.fract() == 0.0 && v.abs() < 9.0e15 {
            // Whole and exactly representable: an integer.
            serde_json::Value::from(v as i64)
        } else {
            serde_json::Value::from(v)
        };
        map.insert(k.clone(), value);
    }
    serde_json::Value::Object(map)
}

/// A [`crate::backtest::optimise::sweep`] builder for a strategy request: each
/// combination's parameters are written over the request's config
/// ([`config_with_params`]) and turned into a source by [`source_for`]. Combinations the
/// strategy rejects as invalid (e.g. `fast ≥ slow`) are skipped.
///
/// The signal mode of the sweep's config is the caller's; [`source_for`] tells which suits
/// the strategy.
///
/// # Examples
/// ```
/// use stratos_core::StrategyRequest;
/// use stratos_eval::backtest::optimise::Params;
/// use stratos_eval::backtest::signals::request_builder;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = stratos_strategies::registry();
/// let request: StrategyRequest = serde_json::from_str(r#"{"strategy_id": "moving_average"}"#)?;
/// let build = request_builder(&registry, &request, None);
/// let ok = Params::from([("fast".to_owned(), 5.0), ("slow".to_owned(), 20.0)]);
/// assert!(build(&ok)?.is_some());
/// let invalid = Params::from([("fast".to_owned(), 20.0), ("slow".to_owned(), 5.0)]);
/// assert!(build(&invalid)?.is_none());
/// # Ok(()) }
/// ```
pub fn request_builder<'r>(
    registry: &'r Registry,
    request: &'r StrategyRequest,
    refit_every: Option<usize>,
) -> impl Fn(&Params) -> Result<Option<Box<dyn SignalSource>>, BacktestError> + Sync + 'r {
    move |params: &Params| {
        let req = StrategyRequest {
            strategy_id: request.strategy_id.clone(),
            config: config_with_params(&request.config, params),
        };
        match source_for(registry, &req, refit_every) {
            Ok(choice) => Ok(Some(choice.source)),
            Err(ConfigError::Invalid { .. }) => Ok(None),
            Err(e) => Err(BacktestError::signal(request.strategy_id.clone(), e)),
        }
    }
}

#[cfg(test)]
mod tests;

/// A [`Forecaster`] that answers from the forecasts a backtest's refits already made
/// ([`Signals::forecasts`], [`crate::backtest::BacktestResult::forecasts`]), and fits
/// `fallback` only at origins no refit covered: the `average_accuracy` of an ARIMA backtest
/// comes from the same fits as its signals, one fit per origin instead of two.
///
/// An origin `o` of an expanding-window evaluation over the bars' series is covered by the
/// refit at bar `o − 1` (which saw bars `0..o`) when it forecast at least the horizon. The
/// history handed to [`Forecaster::forecast`] is matched by its length and its first and last
/// values, so a sliding window or another series falls back to fitting.
///
/// # Examples
/// ```
/// use stratos_eval::backtest::RefitForecast;
/// use stratos_eval::backtest::signals::RefitForecasts;
/// use stratos_eval::rolling_origin::{Forecaster, Naive};
/// # fn main() -> Result<(), stratos_eval::rolling_origin::ForecastError> {
/// let y = [1.0, 2.0, 3.0, 4.0];
/// let recorded = [RefitForecast { bar: 2, mean: vec![3.5, 3.6] }];
/// let shared = RefitForecasts::new(&recorded, &y, &Naive);
/// assert_eq!(shared.forecast(&y[..3], 2)?, [3.5, 3.6]); // the refit at bar 2
/// assert_eq!(shared.forecast(&y[..2], 2)?, [2.0, 2.0]); // no refit at bar 1: fitted
/// assert_eq!((shared.reused(), shared.fitted()), (1, 1));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RefitForecasts<'a, F: ?Sized> {
    by_len: std::collections::BTreeMap<usize, &'a [f64]>,
    series: &'a [f64],
    fallback: &'a F,
    reused: std::sync::atomic::AtomicUsize,
    fitted: std::sync::atomic::AtomicUsize,
}

impl<'a, F: Forecaster + ?Sized> RefitForecasts<'a, F> {
    /// Forecasts `recorded` over `series` (the values the refits saw, one per bar), with
    /// `fallback` for the origins they do not cover.
    pub fn new(recorded: &'a [RefitForecast], series: &'a [f64], fallback: &'a F) -> Self {
        let by_len = recorded
            .iter()
            .filter(|r| r.bar < series.len())
            .map(|r| (r.bar + 1, r.mean.as_slice()))
            .collect();
        RefitForecasts {
            by_len,
            series,
            fallback,
            reused: std::sync::atomic::AtomicUsize::new(0),
            fitted: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Origins answered from a recorded refit so far.
    pub fn reused(&self) -> usize {
        self.reused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Origins `fallback` was fitted for so far.
    pub fn fitted(&self) -> usize {
        self.fitted.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn recorded(&self, history: &[f64], horizon: usize) -> Option<&'a [f64]> {
        let mean = self.by_len.get(&history.len())?;
        let prefix = self.series.get(..history.len())?;
        let same =
            |a: Option<&f64>, b: Option<&f64>| a.map(|x| x.to_bits()) == b.map(|x| x.to_bits());
        (same(history.first(), prefix.first()) && same(history.last(), prefix.last()))
            .then(|| mean.get(..horizon))
            .flatten()
    }
}

impl<F: Forecaster + ?Sized> Forecaster for RefitForecasts<'_, F> {
    fn name(&self) -> String {
        self.fallback.name()
    }

    fn min_history(&self) -> usize {
        self.fallback.min_history()
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>, ForecastError> {
        if let Some(mean) = self.recorded(history, horizon) {
            self.reused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(mean.to_vec());
        }
        self.fitted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.fallback.forecast(history, horizon)
    }
}
