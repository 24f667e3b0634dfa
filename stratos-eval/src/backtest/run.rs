//! The simulation loop: signals in, trades, equity and statistics out.

use std::fmt;

use serde::{Deserialize, Serialize};

use stratos_core::signal::Action;

use super::bars::Bars;
use super::broker::{BarPrices, Broker, Warning};
use super::config::{BacktestConfig, EndOfData};
use super::equity::EquityCurve;
use super::error::BacktestError;
use super::stats::{Stats, StatsInput, Summary, compute};
use super::timedelta::Timedelta;
use super::trade::{ExitReason, OpenTrade, Trade};

/// One signal per bar plus the warm-up bar.
///
/// The signal at bar t must be computed from bars 0..=t only (see [`check_lookahead`]). The
/// engine acts on the signals of bars `warmup+1 ..= N−1` only, as backtesting.py starts
/// calling `next()` one bar after every indicator is defined; `warmup` is also the bar the
/// Buy & Hold return is measured from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    actions: Vec<Option<Action>>,
    warmup: usize,
    /// The forecasts the source's refits made, when it forecasts (see [`RefitForecast`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    forecasts: Vec<RefitForecast>,
}

/// The point forecast one refit of a forecasting signal source made: the model fitted on bars
/// `0..=bar` forecast the values of bars `bar+1 ..= bar+mean.len()`.
///
/// A walk-forward source that refits a forecasting strategy (`arima_prediction`,
/// `hybrid_arima_ma`) records one per refit, so that a rolling-origin evaluation of the same
/// model at the same origins reuses these fits instead of fitting again
/// (`signals::RefitForecasts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefitForecast {
    /// The last bar the model saw.
    pub bar: usize,
    /// The forecast mean, steps 1, 2, ….
    pub mean: Vec<f64>,
}

impl Signals {
    /// Signals with an explicit warm-up bar `w`: the first bar at which every input of the
    /// signal is defined (for SMA(n) that is n−1; for a fast/slow crossover, slow−1).
    pub fn new(actions: Vec<Option<Action>>, warmup: usize) -> Self {
        Signals {
            actions,
            warmup,
            forecasts: Vec::new(),
        }
    }

    /// Signals whose warm-up is the first bar with a defined signal (`Some`), or 0 when none
    /// is. For the `moving_average` crossover, whose signal is defined from bar slow−1 on,
    /// this is slow−1, as backtesting.py derives it from the SMA indicators.
    pub fn from_actions(actions: Vec<Option<Action>>) -> Self {
        let warmup = actions.iter().position(Option::is_some).unwrap_or(0);
        Signals::new(actions, warmup)
    }

    /// These signals with the forecasts their refits made, in bar order.
    pub fn with_forecasts(mut self, forecasts: Vec<RefitForecast>) -> Self {
        self.forecasts = forecasts;
        self
    }

    /// The forecasts the refits made (empty for sources that do not forecast).
    pub fn forecasts(&self) -> &[RefitForecast] {
        &self.forecasts
    }

    /// The per-bar signals.
    pub fn actions(&self) -> &[Option<Action>] {
        &self.actions
    }

    /// The warm-up bar.
    pub fn warmup(&self) -> usize {
        self.warmup
    }

    /// The number of bars covered.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True when there are no signals.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// Anything that turns bars into per-bar signals: built-in strategy adaptors (in
/// `stratos-strategies`' `backtest_signals`), closures ([`FnSource`]), or your own type.
///
/// Contract: the signal at bar t depends on bars 0..=t only, and the result has one entry
/// per bar. [`check_lookahead`] verifies the first half by recomputing on truncated history.
pub trait SignalSource: Send + Sync + fmt::Debug {
    /// A display name, e.g. `moving_average(fast=10,slow=20)` (backtesting.py's `_strategy`).
    fn name(&self) -> String;

    /// The signals over `bars`.
    ///
    /// # Errors
    /// [`BacktestError::Signal`] when the underlying strategy fails.
    fn signals(&self, bars: &Bars<'_>) -> Result<Signals, BacktestError>;

    /// Warnings about a valid source known to be slow over `bars` bars (e.g. a strategy
    /// refitted at every bar), one sentence each saying what to set instead, for the caller
    /// to show before the run. Defaults to none.
    fn cost_warnings(&self, bars: usize) -> Vec<String> {
        let _ = bars;
        Vec::new()
    }
}

/// A [`SignalSource`] from a closure.
pub struct FnSource<F> {
    name: String,
    f: F,
}

impl<F> FnSource<F>
where
    F: Fn(&Bars<'_>) -> Result<Signals, BacktestError> + Send + Sync,
{
    /// Wraps `f` under `name`.
    pub fn new(name: impl Into<String>, f: F) -> Self {
        FnSource {
            name: name.into(),
            f,
        }
    }
}

impl<F> fmt::Debug for FnSource<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnSource")
            .field("name", &self.name)
            .finish()
    }
}

impl<F> SignalSource for FnSource<F>
where
    F: Fn(&Bars<'_>) -> Result<Signals, BacktestError> + Send + Sync,
{
    fn name(&self) -> String {
        self.name.clone()
    }

    fn signals(&self, bars: &Bars<'_>) -> Result<Signals, BacktestError> {
        (self.f)(bars)
    }
}

/// Everything a run produces. Its JSON form:
///
/// ```text
/// {"strategy": "moving_average(sma,fast=10,slow=20)", "warmup": 19,
///  "stats": {"Start": "2004-08-19T00:00:00Z", …, "Duration": {"timedelta": "3116 days 00:00:00",
///            "seconds": 269222400.0}, …, "# Trades": 93, …, "Kelly Criterion": 0.209},
///  "summary": {"total_trades": 93, "winning_trades": 49, "win_rate": 0.527, "total_return": 4.626,
///              "sharpe_ratio": 0.601, "max_drawdown": 0.339},
///  "trades": [{"size": -59, "entry_bar": 63, "exit_bar": 75, "entry_price": 169.02, …,
///              "pnl": -637.57, "commission": 41.08, "return_pct": -0.0639,
///              "entry_time": "2004-11-17T00:00:00Z", …, "exit_reason": "signal"}, …],
///  "open_trades": [{"size": 69, "entry_bar": 2087, …, "unrealized_pnl": 7172.55}],
///  "equity": {"timestamps": […], "equity": […], "drawdown_pct": […],
///             "drawdown_duration": [null, …, {"timedelta": "2 days 00:00:00", "seconds": 172800.0}, …]},
///  "warnings": [{"kind": "open_trades_at_end", "count": 1}]}
/// ```
///
/// NaN statistics are `null`; `Commissions [$]` is absent when 0 (as in backtesting.py).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestResult {
    /// The signal source's name (backtesting.py's `_strategy`), empty for bare signals.
    pub strategy: String,
    /// The warm-up bar; the first traded bar is `warmup + 1`.
    pub warmup: usize,
    /// The statistics, keyed by backtesting.py's names in JSON.
    pub stats: Stats,
    /// The seed's summary fields.
    pub summary: Summary,
    /// Closed trades, in the order they closed.
    pub trades: Vec<Trade>,
    /// Trades still open after the last bar.
    pub open_trades: Vec<OpenTrade>,
    /// Equity and drawdown per bar.
    pub equity: EquityCurve,
    /// What the broker warned about.
    pub warnings: Vec<Warning>,
    /// The forecasts the signal source's refits made ([`Signals::forecasts`]); not
    /// serialised.
    #[serde(skip)]
    pub forecasts: Vec<RefitForecast>,
}

impl BacktestResult {
    /// The seed's summary with `average_accuracy` set (from a rolling-origin evaluation).
    pub fn with_average_accuracy(mut self, accuracy: f64) -> Self {
        self.summary.average_accuracy = Some(accuracy);
        self
    }
}

/// Runs a backtest of per-bar `signals` over `bars`.
///
/// The loop, as backtesting.py's `Backtest.run`: for each bar i from `warmup+1` to N−1 the
/// broker first fills pending orders at bar i's prices and marks equity at `Close[i]`; then bar
/// i's signal places orders (see [`super::SignalMode`]), which fill on bar i+1 (or, with
/// [`super::Fill::ThisClose`], at `Close[i]` when bar i+1 is processed). Bars before the first
/// traded bar carry the first recorded equity. If equity reaches ≤ 0 the broker closes the
/// trades at that bar's close and the run stops with equity 0 from then on.
///
/// # Errors
/// [`BacktestError::Config`] for an invalid config; [`BacktestError::Length`] when there is
/// not one signal per bar; [`BacktestError::InvalidBracket`] when a stop-loss or take-profit
/// level is on the wrong side of an order's price.
///
/// # Examples
/// ```
/// use stratos_core::{Action, Timestamp};
/// use stratos_eval::backtest::{BacktestConfig, Bars, Signals, run};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let t: Vec<Timestamp> = (0..4).map(|d| Timestamp::from_epoch_seconds(d * 86_400)).collect::<Result<_, _>>()?;
/// let open = [10.0, 10.0, 12.0, 13.0];
/// let close = [10.0, 11.0, 13.0, 14.0];
/// let bars = Bars::new(&t, &open, &close, &open, &close)?;
/// // BUY on bar 1: filled at bar 2's open (12), 833 units of 10 000 cash.
/// let signals = Signals::new(vec![None, Some(Action::Buy), None, None], 0);
/// let result = run(&bars, &signals, &BacktestConfig::default())?;
/// assert_eq!(result.open_trades[0].size, 833);
/// assert_eq!(result.open_trades[0].entry_bar, 2);
/// assert_eq!(result.stats.equity_final, 10_000.0 + 833.0 * 2.0);
/// # Ok(()) }
/// ```
pub fn run(
    bars: &Bars<'_>,
    signals: &Signals,
    config: &BacktestConfig,
) -> Result<BacktestResult, BacktestError> {
    config.validate()?;
    let n = bars.len();
    if signals.len() != n {
        return Err(BacktestError::Length {
            column: "signals".to_owned(),
            expected: n,
            got: signals.len(),
        });
    }
    let (open, high, low, close) = (bars.open(), bars.high(), bars.low(), bars.close());
    let actions = signals.actions();
    let start = signals.warmup().saturating_add(1);
    let mut equity = vec![f64::NAN; n];
    let mut broker = Broker::new(config);
    let prices = |i: usize| BarPrices {
        i,
        open: open[i],
        high: high[i],
        low: low[i],
        close: close[i],
        prev_close: close[i.saturating_sub(1)],
    };
    let mut out_of_money = false;
    for i in start..n {
        let (e, broke) = broker.next(prices(i));
        if broke {
            equity[i..].iter_mut().for_each(|x| *x = 0.0);
            out_of_money = true;
            break;
        }
        equity[i] = e;
        if let Some(action) = actions[i] {
            broker.on_signal(action, close[i], i)?;
        }
    }
    if !out_of_money {
        match config.end_of_data {
            EndOfData::CloseOnLastBar => {
                broker.close_all_reversed(ExitReason::EndOfData);
                if start < n {
                    let (e, broke) = broker.next(prices(n - 1));
                    if broke {
                        equity[n - 1] = 0.0;
                    } else {
                        equity[n - 1] = e;
                    }
                }
            }
            EndOfData::LeaveOpen if !broker.trades.is_empty() => {
                broker.warnings.push(Warning::OpenTradesAtEnd {
                    count: broker.trades.len(),
                });
            }
            EndOfData::LeaveOpen => {}
        }
    }
    // bfill, then the remaining cash.
    let first = equity.iter().position(|e| !e.is_nan());
    match first {
        Some(k) => {
            let v = equity[k];
            equity[..k].iter_mut().for_each(|x| *x = v);
        }
        None => equity.iter_mut().for_each(|x| *x = broker.cash),
    }

    let ts = bars.timestamps();
    let trades: Vec<Trade> = broker
        .closed
        .iter()
        .map(|c| {
            let size = c.size as f64;
            let pnl = size * (c.exit_price - c.entry_price) - c.commission;
            let return_pct = 1f64.copysign(size) * (c.exit_price / c.entry_price - 1.0)
                - c.commission / (size.abs() * c.entry_price);
            let (et, xt) = (ts[c.entry_bar.min(n - 1)], ts[c.exit_bar.min(n - 1)]);
            Trade {
                size: c.size,
                entry_bar: c.entry_bar,
                exit_bar: c.exit_bar,
                entry_price: c.entry_price,
                exit_price: c.exit_price,
                sl: c.sl,
                tp: c.tp,
                pnl,
                commission: c.commission,
                return_pct,
                entry_time: et,
                exit_time: xt,
                duration: Timedelta::from_micros(xt.micros() - et.micros()),
                exit_reason: c.reason,
            }
        })
        .collect();
    let last_close = close[n - 1];
    let open_trades: Vec<OpenTrade> = broker
        .trades
        .iter()
        .map(|t| OpenTrade {
            size: t.size,
            entry_bar: t.entry_bar,
            entry_price: t.entry_price,
            entry_time: ts[t.entry_bar.min(n - 1)],
            unrealized_pnl: t.size as f64 * (last_close - t.entry_price),
            sl: t.sl,
            tp: t.tp,
        })
        .collect();
    let (curve, episodes) = EquityCurve::build(ts, equity);
    let stats = compute(&StatsInput {
        timestamps: ts,
        close,
        equity: &curve.equity,
        drawdown: &curve.drawdown_pct,
        episodes: &episodes,
        trades: &trades,
        warmup: signals.warmup(),
        risk_free_rate: config.risk_free_rate,
    });
    let summary = stats.summary(&trades);
    Ok(BacktestResult {
        strategy: String::new(),
        warmup: signals.warmup(),
        stats,
        summary,
        trades,
        open_trades,
        equity: curve,
        warnings: broker.warnings,
        forecasts: signals.forecasts().to_vec(),
    })
}

/// How much of the look-ahead guard to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookAheadCheck {
    /// No check. The default at run time.
    #[default]
    Off,
    /// Recompute the signals on `k` truncated histories, cut at bars spread evenly over
    /// warm-up..N−2 (always including the last): costs `k` extra signal computations on up
    /// to N bars, i.e. about `k/2` times the run's own signal cost.
    Sampled(usize),
    /// Recompute on every prefix 0..=t: N signal computations, O(N²) for linear-time
    /// sources. For tests on short data.
    Every,
}

/// The look-ahead guard: recomputes `source`'s signals on truncated histories bars 0..=cut
/// and fails if any signal at a bar ≤ cut differs from the full-history run (`full`).
///
/// # Errors
/// [`BacktestError::LookAhead`] naming the first bar whose signal changed and the cut that
/// exposed it; [`BacktestError::Length`] when the source returns the wrong number of
/// signals; the source's own errors.
pub fn check_lookahead(
    bars: &Bars<'_>,
    source: &dyn SignalSource,
    full: &Signals,
    check: LookAheadCheck,
) -> Result<(), BacktestError> {
    let n = bars.len();
    if n < 2 {
        return Ok(());
    }
    let cuts: Vec<usize> = match check {
        LookAheadCheck::Off => return Ok(()),
        LookAheadCheck::Every => (0..n - 1).collect(),
        LookAheadCheck::Sampled(k) => {
            let lo = full.warmup().min(n - 2);
            let hi = n - 2;
            let k = k.max(1);
            let mut cuts: Vec<usize> = (0..k)
                .map(|j| {
                    if k == 1 {
                        hi
                    } else {
                        lo + (hi - lo) * j / (k - 1)
                    }
                })
                .collect();
            cuts.dedup();
            cuts
        }
    };
    for cut in cuts {
        let part = source.signals(&bars.prefix(cut + 1))?;
        if part.len() != cut + 1 {
            return Err(BacktestError::Length {
                column: "signals".to_owned(),
                expected: cut + 1,
                got: part.len(),
            });
        }
        let mismatch = part
            .actions()
            .iter()
            .zip(full.actions())
            .position(|(a, b)| a != b);
        if let Some(bar) = mismatch {
            return Err(BacktestError::LookAhead {
                bar,
                cut,
                bars: n,
                full: full.actions()[bar],
                truncated: part.actions()[bar],
            });
        }
    }
    Ok(())
}

/// Computes `source`'s signals, optionally checks them for look-ahead, and runs the backtest.
///
/// # Errors
/// As [`run`] and [`check_lookahead`].
pub fn run_source(
    bars: &Bars<'_>,
    source: &dyn SignalSource,
    config: &BacktestConfig,
    check: LookAheadCheck,
) -> Result<BacktestResult, BacktestError> {
    let signals = source.signals(bars)?;
    check_lookahead(bars, source, &signals, check)?;
    let mut result = run(bars, &signals, config)?;
    result.strategy = source.name();
    Ok(result)
}
