//! Parameter sweeps and walk-forward optimisation.
//!
//! * [`sweep`] runs every combination of a [`ParamGrid`] on all cores (scoped threads, one
//!   shared work counter, results stored by grid index, so the output never depends on
//!   scheduling) and ranks them by one statistic ([`Objective`]). The best entry is
//!   reproduced exactly by a single [`super::run_source`] with its parameters.
//! * [`walk_forward`] optimises on a training window, trades the following test window with
//!   the winning parameters, rolls forward by the test length, and reports the
//!   out-of-sample statistics of the chained test windows.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::bars::Bars;
use super::config::{BacktestConfig, EndOfData};
use super::equity::EquityCurve;
use super::error::BacktestError;
use super::run::{BacktestResult, LookAheadCheck, SignalSource, Signals, run, run_source};
use super::stats::{STAT_KEYS, Stats, StatsInput, compute};
use super::trade::Trade;

/// The most combinations any sweep runs, whatever its options (10^6): each costs a full
/// backtest, and the grid is held in memory.
pub const MAX_COMBINATIONS: usize = 1_000_000;

/// The most combinations a sweep runs unless [`SweepOptions::max_combinations`] says
/// otherwise (10^5; the CLI's `--max-combinations` default).
pub const DEFAULT_MAX_COMBINATIONS: usize = 100_000;

/// One combination of parameter values, by name (ordered, so it prints deterministically).
pub type Params = BTreeMap<String, f64>;

/// Named parameter axes; their cartesian product is the grid.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ParamGrid {
    axes: Vec<(String, Vec<f64>)>,
}

fn opt_err(message: impl Into<String>) -> BacktestError {
    BacktestError::Optimise {
        message: message.into(),
    }
}

impl ParamGrid {
    /// An empty grid (one combination with no parameters).
    pub fn new() -> Self {
        ParamGrid::default()
    }

    /// Adds an axis.
    pub fn axis(mut self, name: impl Into<String>, values: Vec<f64>) -> Self {
        self.axes.push((name.into(), values));
        self
    }

    /// Parses `name=a..b:step` (inclusive range), `name=v1|v2|v3` or `name=v`, comma-
    /// separated: `fast=5..30:5,slow=20..100:10`.
    ///
    /// # Errors
    /// [`BacktestError::Optimise`] naming the malformed part.
    ///
    /// # Examples
    /// ```
    /// use stratos_eval::backtest::optimise::ParamGrid;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let grid = ParamGrid::parse("fast=5..15:5,slow=20|40")?;
    /// assert_eq!(grid.len(), 6);
    /// assert_eq!(grid.combinations()[1]["slow"], 40.0);
    /// # Ok(()) }
    /// ```
    pub fn parse(spec: &str) -> Result<Self, BacktestError> {
        let mut grid = ParamGrid::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, values) = part
                .split_once('=')
                .ok_or_else(|| opt_err(format!("grid part `{part}`: expected name=values")))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(opt_err(format!("grid part `{part}`: empty name")));
            }
            let num = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        opt_err(format!("grid part `{part}`: `{s}` is not a finite number"))
                    })
            };
            let vals = if let Some((range, step)) = values.split_once(':') {
                let (a, b) = range
                    .split_once("..")
                    .ok_or_else(|| opt_err(format!("grid part `{part}`: expected a..b:step")))?;
                let (a, b, step) = (num(a)?, num(b)?, num(step)?);
                if step <= 0.0 || b < a {
                    return Err(opt_err(format!(
                        "grid part `{part}`: expected a ≤ b and step > 0"
                    )));
                }
                let count = ((b - a) / step + 1e-9).floor() as usize + 1;
                if count > 1_000_000 {
                    return Err(opt_err(format!(
                        "grid part `{part}`: {count} values is too many"
                    )));
                }
                (0..count).map(|k| a + step * k as f64).collect()
            } else {
                values.split('|').map(num).collect::<Result<Vec<_>, _>>()?
            };
            grid.axes.push((name.to_owned(), vals));
        }
        Ok(grid)
    }

    /// The number of combinations (saturating at `usize::MAX`).
    pub fn len(&self) -> usize {
        self.axes
            .iter()
            .fold(1usize, |acc, (_, v)| acc.saturating_mul(v.len()))
    }

    /// True when some axis has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the grid's size before anything is allocated: at most `max` combinations (and
    /// never more than [`MAX_COMBINATIONS`]). Returns the size.
    ///
    /// # Errors
    /// [`BacktestError::Optimise`] naming the size, the limit and the axes.
    ///
    /// # Examples
    /// ```
    /// use stratos_eval::backtest::optimise::ParamGrid;
    /// let grid = ParamGrid::parse("a=1..1000000:1,b=1..1000000:1").unwrap();
    /// let e = grid.check_size(100_000).unwrap_err();
    /// assert!(e.to_string().contains("1000000000000 combinations"), "{e}");
    /// assert_eq!(ParamGrid::parse("a=1|2").unwrap().check_size(100_000).unwrap(), 2);
    /// ```
    pub fn check_size(&self, max: usize) -> Result<usize, BacktestError> {
        let len = self.len();
        let max = max.min(MAX_COMBINATIONS);
        if len > max {
            let axes: Vec<String> = self
                .axes
                .iter()
                .map(|(name, v)| format!("{name}: {}", v.len()))
                .collect();
            let shown = if len == usize::MAX {
                "more than 18446744073709551615".to_owned()
            } else {
                len.to_string()
            };
            return Err(opt_err(format!(
                "the parameter grid has {shown} combinations ({}), more than the limit of \
                 {max}; narrow the grid or raise the limit (--max-combinations, at most \
                 {MAX_COMBINATIONS})",
                axes.join(" × ")
            )));
        }
        Ok(len)
    }

    /// Every combination, the last axis varying fastest. Check the size first
    /// ([`ParamGrid::check_size`]): the grid is materialised whole.
    pub fn combinations(&self) -> Vec<Params> {
        let mut out = vec![Params::new()];
        for (name, values) in &self.axes {
            let mut next = Vec::with_capacity(out.len() * values.len());
            for p in &out {
                for &v in values {
                    let mut q = p.clone();
                    q.insert(name.clone(), v);
                    next.push(q);
                }
            }
            out = next;
        }
        out
    }
}

/// Which statistic ranks the results, and in which direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Objective {
    /// A backtesting.py key from [`STAT_KEYS`], e.g. `"SQN"`, `"Return [%]"`,
    /// `"Sharpe Ratio"`.
    pub key: String,
    /// Larger is better (true) or smaller is better.
    pub maximize: bool,
}

impl Default for Objective {
    /// `SQN`, maximised: backtesting.py's `Backtest.optimize` default.
    fn default() -> Self {
        Objective {
            key: "SQN".to_owned(),
            maximize: true,
        }
    }
}

impl Objective {
    /// Maximise `key`.
    pub fn maximize(key: &str) -> Self {
        Objective {
            key: key.to_owned(),
            maximize: true,
        }
    }

    /// Minimise `key`.
    pub fn minimize(key: &str) -> Self {
        Objective {
            key: key.to_owned(),
            maximize: false,
        }
    }

    fn check(&self) -> Result<(), BacktestError> {
        if STAT_KEYS.contains(&self.key.as_str()) {
            Ok(())
        } else {
            Err(opt_err(format!(
                "unknown statistic `{}` (known: {})",
                self.key,
                STAT_KEYS.join(", ")
            )))
        }
    }

    fn score(&self, stats: &Stats) -> f64 {
        stats.get(&self.key).map_or(f64::NAN, |v| v.as_f64())
    }
}

/// One sweep result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepEntry {
    /// The parameters.
    pub params: Params,
    /// The objective's value (NaN ranks last).
    pub score: f64,
    /// The run's statistics.
    pub stats: Stats,
}

/// Builds the signal source for one parameter combination; `Ok(None)` skips combinations
/// that make no sense (e.g. fast ≥ slow).
pub type SourceBuilder<'f> =
    dyn Fn(&Params) -> Result<Option<Box<dyn SignalSource>>, BacktestError> + Sync + 'f;

/// The number of worker threads: `threads`, or every available core when 0.
fn workers(threads: usize) -> usize {
    if threads > 0 {
        threads
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Runs every combination of `grid` and ranks them by `objective`, best first (ties and
/// NaN scores keep grid order, NaN last).
///
/// `threads` = 0 uses every available core. Each combination is an independent
/// [`super::run_source`] (no look-ahead check), so results equal single runs bit for bit.
///
/// # Errors
/// [`BacktestError::Optimise`] for an unknown statistic or an empty grid; the first error
/// (in grid order) of a builder or a run.
///
/// # Examples
/// ```
/// use stratos_core::{Action, Timestamp};
/// use stratos_eval::backtest::optimise::{Objective, ParamGrid, sweep};
/// use stratos_eval::backtest::{BacktestConfig, Bars, FnSource, Signals, SignalSource};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let t: Vec<Timestamp> = (0..50).map(|d| Timestamp::from_epoch_seconds(d * 86_400)).collect::<Result<_, _>>()?;
/// let close: Vec<f64> = (0..50).map(|i| 100.0 + (i as f64 * 0.7).sin() * 5.0).collect();
/// let bars = Bars::new(&t, &close, &close, &close, &close)?;
/// // Buy every `every`-th bar, sell on the others' multiples of 3.
/// let build = |p: &stratos_eval::backtest::optimise::Params| -> Result<Option<Box<dyn SignalSource>>, _> {
///     let every = p["every"] as usize;
///     Ok(Some(Box::new(FnSource::new(format!("every={every}"), move |b: &Bars<'_>| {
///         Ok(Signals::new((0..b.len()).map(|i| (i % every == 0).then_some(Action::Buy)
///             .or((i % 3 == 0).then_some(Action::Sell))).collect(), 0))
///     })) as Box<dyn SignalSource>))
/// };
/// let grid = ParamGrid::parse("every=2..8:2")?;
/// let ranked = sweep(&bars, &grid, &BacktestConfig::default(), &Objective::maximize("Return [%]"), &build, 0)?;
/// assert_eq!(ranked.len(), 4);
/// assert!(ranked[0].score >= ranked[1].score);
/// # Ok(()) }
/// ```
pub fn sweep(
    bars: &Bars<'_>,
    grid: &ParamGrid,
    config: &BacktestConfig,
    objective: &Objective,
    build: &SourceBuilder<'_>,
    threads: usize,
) -> Result<Vec<SweepEntry>, BacktestError> {
    sweep_with(
        bars,
        grid,
        config,
        objective,
        build,
        &SweepOptions {
            threads,
            ..SweepOptions::default()
        },
    )
}

/// Options of [`sweep_with`].
#[derive(Clone, Copy)]
pub struct SweepOptions<'p> {
    /// Worker threads; 0 uses every available core.
    pub threads: usize,
    /// Called after each finished combination with (done, total), from the worker threads
    /// (for a progress bar).
    pub progress: Option<&'p (dyn Fn(usize, usize) + Sync)>,
    /// The most combinations run ([`DEFAULT_MAX_COMBINATIONS`] by default, at most
    /// [`MAX_COMBINATIONS`]); a bigger grid is refused before it is built.
    pub max_combinations: usize,
}

impl Default for SweepOptions<'_> {
    fn default() -> Self {
        SweepOptions {
            threads: 0,
            progress: None,
            max_combinations: DEFAULT_MAX_COMBINATIONS,
        }
    }
}

impl std::fmt::Debug for SweepOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepOptions")
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .field("max_combinations", &self.max_combinations)
            .finish()
    }
}

/// [`sweep`] with a progress callback.
///
/// # Errors
/// As [`sweep`].
pub fn sweep_with(
    bars: &Bars<'_>,
    grid: &ParamGrid,
    config: &BacktestConfig,
    objective: &Objective,
    build: &SourceBuilder<'_>,
    options: &SweepOptions<'_>,
) -> Result<Vec<SweepEntry>, BacktestError> {
    let threads = options.threads;
    objective.check()?;
    config.validate()?;
    grid.check_size(options.max_combinations)?;
    let combos = grid.combinations();
    if combos.is_empty() {
        return Err(opt_err("the parameter grid has no combinations"));
    }
    type Slot = Option<Result<Option<SweepEntry>, BacktestError>>;
    let slots: Vec<Mutex<Slot>> = combos.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let total = combos.len();
    let one = |params: &Params| -> Result<Option<SweepEntry>, BacktestError> {
        let Some(source) = build(params)? else {
            return Ok(None);
        };
        let result = run_source(bars, source.as_ref(), config, LookAheadCheck::Off)?;
        Ok(Some(SweepEntry {
            params: params.clone(),
            score: objective.score(&result.stats),
            stats: result.stats,
        }))
    };
    let n_workers = workers(threads).min(combos.len());
    std::thread::scope(|s| {
        for _ in 0..n_workers {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(params) = combos.get(k) else {
                        break;
                    };
                    let r = one(params);
                    if let Ok(mut slot) = slots[k].lock() {
                        *slot = Some(r);
                    }
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if let Some(progress) = options.progress {
                        progress(finished, total);
                    }
                }
            });
        }
    });
    let mut entries = Vec::with_capacity(combos.len());
    for slot in slots {
        let r = slot
            .into_inner()
            .map_err(|_| opt_err("a sweep worker panicked"))?
            .ok_or_else(|| opt_err("a sweep worker stopped early"))?;
        if let Some(e) = r? {
            entries.push(e);
        }
    }
    rank(&mut entries, objective.maximize);
    Ok(entries)
}

fn rank(entries: &mut [SweepEntry], maximize: bool) {
    entries.sort_by(|a, b| {
        use std::cmp::Ordering as O;
        match (a.score.is_nan(), b.score.is_nan()) {
            (true, true) => O::Equal,
            (true, false) => O::Greater,
            (false, true) => O::Less,
            _ if maximize => b.score.total_cmp(&a.score),
            _ => a.score.total_cmp(&b.score),
        }
    });
}

/// Walk-forward windows, in bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WalkForward {
    /// Training window length (≥ 2).
    pub train: usize,
    /// Test window length (≥ 2); the windows roll forward by this much.
    pub test: usize,
    /// Training always starts at bar 0 and grows (true), or slides with a fixed length.
    pub anchored: bool,
}

/// One walk-forward step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkForwardWindow {
    /// Training bars `train_start..train_end`.
    pub train_start: usize,
    /// End (exclusive) of the training bars.
    pub train_end: usize,
    /// Test bars `test_start..test_end` (test_start = train_end).
    pub test_start: usize,
    /// End (exclusive) of the test bars.
    pub test_end: usize,
    /// The parameters chosen on the training window.
    pub params: Params,
    /// The objective on the training window (in-sample).
    pub in_sample_score: f64,
    /// The test window's own statistics (out-of-sample).
    pub out_of_sample: Stats,
}

/// The walk-forward report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkForwardReport {
    /// Each step.
    pub windows: Vec<WalkForwardWindow>,
    /// Statistics of the chained test windows, bars `windows[0].test_start ..
    /// last.test_end`: each window starts with the previous one's final equity.
    pub out_of_sample: Stats,
    /// The chained out-of-sample trades (bar indices relative to the first test bar).
    pub trades: Vec<Trade>,
    /// The chained out-of-sample equity curve.
    pub equity: EquityCurve,
}

/// Walk-forward optimisation: for each step, [`sweep`] the grid on the training bars, then
/// trade the next `test` bars with the best parameters.
///
/// Signals for a test window are computed on bars 0..test_end (history before the window
/// is allowed, the future is not) and acted on from the window's first bar; the account
/// starts the window with the previous window's final equity and every trade still open at
/// the window's end is closed on its last bar ([`EndOfData::CloseOnLastBar`]), so no
/// position leaks across windows.
///
/// # Errors
/// [`BacktestError::Optimise`] when the windows do not fit in the bars or a training window
/// yields no valid combination; errors of [`sweep`] and [`super::run`].
pub fn walk_forward(
    bars: &Bars<'_>,
    grid: &ParamGrid,
    config: &BacktestConfig,
    objective: &Objective,
    build: &SourceBuilder<'_>,
    windows: WalkForward,
    threads: usize,
) -> Result<WalkForwardReport, BacktestError> {
    let n = bars.len();
    if windows.train < 2 || windows.test < 2 {
        return Err(opt_err(format!(
            "walk-forward windows need train ≥ 2 and test ≥ 2 bars, got train={} test={}",
            windows.train, windows.test
        )));
    }
    if windows.train + windows.test > n {
        return Err(opt_err(format!(
            "walk-forward needs at least train+test = {} bars, got {n}",
            windows.train + windows.test
        )));
    }
    let mut cfg = config.clone();
    cfg.end_of_data = EndOfData::CloseOnLastBar;
    let first_test = windows.train;
    let mut steps = Vec::new();
    let mut equity: Vec<f64> = Vec::new();
    let mut trades: Vec<Trade> = Vec::new();
    let mut cash = config.cash;
    let mut test_start = first_test;
    while test_start + 2 <= n && cash > 0.0 {
        let test_end = (test_start + windows.test).min(n);
        let train_start = if windows.anchored {
            0
        } else {
            test_start - windows.train
        };
        let train = bars.range(train_start, test_start);
        let ranked = sweep(&train, grid, config, objective, build, threads)?;
        let best = ranked.into_iter().next().ok_or_else(|| {
            opt_err(format!(
                "no valid parameter combination on training bars {train_start}..{test_start}"
            ))
        })?;
        let source = build(&best.params)?
            .ok_or_else(|| opt_err("the builder skipped the parameters it chose".to_owned()))?;
        let history = bars.prefix(test_end);
        let all = source.signals(&history)?;
        if all.len() != test_end {
            return Err(BacktestError::Length {
                column: "signals".to_owned(),
                expected: test_end,
                got: all.len(),
            });
        }
        // The reference bar test_start−1 (flat, never traded) then the test bars.
        let window = bars.range(test_start - 1, test_end);
        let signals = Signals::new(all.actions()[test_start - 1..test_end].to_vec(), 0);
        cfg.cash = cash;
        let result: BacktestResult = run(&window, &signals, &cfg)?;
        let offset = test_start - first_test;
        for t in &result.trades {
            let mut t = t.clone();
            // Local bar j ↦ combined bar offset + j − 1 (the reference bar is dropped).
            t.entry_bar = (offset + t.entry_bar).saturating_sub(1);
            t.exit_bar = (offset + t.exit_bar).saturating_sub(1);
            trades.push(t);
        }
        equity.extend_from_slice(&result.equity.equity[1..]);
        cash = result.stats.equity_final;
        steps.push(WalkForwardWindow {
            train_start,
            train_end: test_start,
            test_start,
            test_end,
            params: best.params,
            in_sample_score: best.score,
            out_of_sample: result.stats,
        });
        test_start = test_end;
    }
    let last_end = steps.last().map_or(first_test, |w| w.test_end);
    let span = bars.range(first_test, last_end);
    let ts = span.timestamps();
    equity.truncate(ts.len());
    if equity.len() < ts.len() {
        // The account ran out of money: equity stays at 0.
        equity.resize(ts.len(), 0.0);
    }
    let (curve, episodes) = EquityCurve::build(ts, equity);
    let stats = compute(&StatsInput {
        timestamps: ts,
        close: span.close(),
        equity: &curve.equity,
        drawdown: &curve.drawdown_pct,
        episodes: &episodes,
        trades: &trades,
        warmup: 0,
        risk_free_rate: config.risk_free_rate,
    });
    Ok(WalkForwardReport {
        windows: steps,
        out_of_sample: stats,
        trades,
        equity: curve,
    })
}
