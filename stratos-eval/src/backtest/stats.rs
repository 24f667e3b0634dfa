//! backtesting.py 0.6.6's statistics (`compute_stats` in `_stats.py`), with its key names.
//!
//! Definitions (E: equity per bar, C: close, dd: drawdown fraction, rf: risk-free rate,
//! w: the warm-up bar; "trades" are closed trades):
//!
//! ```text
//! Exposure Time [%]     100 · share of bars inside some closed trade's [EntryBar, ExitBar]
//! Return [%]            100 · (E[N−1] − E[0]) / E[0]
//! Buy & Hold Return [%] 100 · (C[N−1] − C[w]) / C[w]
//! r                     pct-changes of E resampled to calendar days (last value per day,
//!                       empty days dropped); weekly / monthly / yearly when the median spacing
//!                       of the last 100 timestamps is 7 / 31 / 365 days
//! g                     exp(mean ln(1+r)) − 1, or 0 when some 1+r ≤ 0
//! T                     252; 365 when weekend bars are > 0.6·2/7 of all bars; 52 / 12 / 1
//! Return (Ann.) [%]     100 · ((1+g)^T − 1)
//! Volatility (Ann.) [%] 100 · sqrt((var(r, ddof 1) + (1+g)²)^T − (1+g)^(2T))
//! CAGR [%]              100 · ((E[N−1]/E[0])^(1/years) − 1), years = Duration in days / 365.25
//! Sharpe Ratio          (Ann% − 100·rf) / Vol%
//! Sortino Ratio         (Ann − rf) / (sqrt(mean(min(r, 0)²)) · sqrt(T))
//! Calmar Ratio          Ann / max dd
//! Beta                  cov(ln E_t/E_t−1, ln C_t/C_t−1) / var(ln C_t/C_t−1), every bar
//! Alpha [%]             Return% − 100·rf − β·(B&H% − 100·rf)
//! Max. / Avg. Drawdown  −100 · max dd / −100 · mean of each episode's largest dd
//! Drawdown Durations    max / mean episode duration, rounded up to the data's resolution
//! Win Rate [%]          100 · share of trades with PnL > 0
//! Best / Worst Trade    100 · max / min ReturnPct
//! Avg. Trade [%]        100 · (exp(mean ln(1+ReturnPct)) − 1)
//! Trade Durations       max / mean of ExitTime − EntryTime, rounded up to the resolution
//! Profit Factor         Σ positive ReturnPct / |Σ negative ReturnPct|
//! Expectancy [%]        100 · mean ReturnPct
//! SQN                   sqrt(#trades) · mean(PnL) / std(PnL, ddof 1)
//! Kelly Criterion       W − (1−W) / (mean winning PnL / mean |losing PnL|)
//! ```
//!
//! Undefined values are NaN (JSON `null`), as in backtesting.py: no trades gives NaN win
//! rate, trade returns, SQN and Kelly; a zero denominator gives NaN where backtesting.py
//! writes `x or np.nan`. One deliberate difference: when the equity never leaves a drawdown
//! through a full episode, backtesting.py fills the drawdown *durations* with drawdown
//! fractions (a pandas shortcut); we report them as absent (`None`).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use stratos_core::timestamp::Timestamp;

use super::equity::Episode;
use super::timedelta::Timedelta;
use super::trade::Trade;

/// The statistics of one run, field by field; [`Stats::entries`] gives them under
/// backtesting.py's key names in its order, which is also their JSON form.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// `Start`: the first bar's time.
    pub start: Timestamp,
    /// `End`: the last bar's time.
    pub end: Timestamp,
    /// `Duration`: End − Start.
    pub duration: Timedelta,
    /// `Exposure Time [%]`.
    pub exposure_time_pct: f64,
    /// `Equity Final [$]`.
    pub equity_final: f64,
    /// `Equity Peak [$]`.
    pub equity_peak: f64,
    /// `Commissions [$]` (the key is left out when 0).
    pub commissions: f64,
    /// `Return [%]`.
    pub return_pct: f64,
    /// `Buy & Hold Return [%]`, measured from the warm-up bar.
    pub buy_hold_return_pct: f64,
    /// `Return (Ann.) [%]`.
    pub return_ann_pct: f64,
    /// `Volatility (Ann.) [%]`.
    pub volatility_ann_pct: f64,
    /// `CAGR [%]`.
    pub cagr_pct: f64,
    /// `Sharpe Ratio`.
    pub sharpe_ratio: f64,
    /// `Sortino Ratio`.
    pub sortino_ratio: f64,
    /// `Calmar Ratio`.
    pub calmar_ratio: f64,
    /// `Alpha [%]`.
    pub alpha_pct: f64,
    /// `Beta`.
    pub beta: f64,
    /// `Max. Drawdown [%]` (≤ 0).
    pub max_drawdown_pct: f64,
    /// `Avg. Drawdown [%]` (≤ 0).
    pub avg_drawdown_pct: f64,
    /// `Max. Drawdown Duration`.
    pub max_drawdown_duration: Option<Timedelta>,
    /// `Avg. Drawdown Duration`.
    pub avg_drawdown_duration: Option<Timedelta>,
    /// `# Trades` (closed trades).
    pub trades: usize,
    /// `Win Rate [%]`.
    pub win_rate_pct: f64,
    /// `Best Trade [%]`.
    pub best_trade_pct: f64,
    /// `Worst Trade [%]`.
    pub worst_trade_pct: f64,
    /// `Avg. Trade [%]` (geometric mean).
    pub avg_trade_pct: f64,
    /// `Max. Trade Duration`.
    pub max_trade_duration: Option<Timedelta>,
    /// `Avg. Trade Duration`.
    pub avg_trade_duration: Option<Timedelta>,
    /// `Profit Factor`.
    pub profit_factor: f64,
    /// `Expectancy [%]`.
    pub expectancy_pct: f64,
    /// `SQN`.
    pub sqn: f64,
    /// `Kelly Criterion`.
    pub kelly_criterion: f64,
}

/// One statistic's value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StatValue {
    /// A time (`Start`, `End`).
    Time(Timestamp),
    /// A duration, `None` when undefined.
    Duration(Option<Timedelta>),
    /// A count (`# Trades`).
    Count(usize),
    /// A number, NaN when undefined (JSON `null`).
    Number(f64),
}

impl StatValue {
    /// The value as a number: durations in seconds, times in epoch seconds, counts as is;
    /// NaN when undefined. Used to rank sweep results.
    pub fn as_f64(self) -> f64 {
        match self {
            StatValue::Time(t) => t.as_epoch_f64(),
            StatValue::Duration(d) => d.map_or(f64::NAN, Timedelta::seconds),
            StatValue::Count(c) => c as f64,
            StatValue::Number(x) => x,
        }
    }
}

/// backtesting.py's statistic keys, in its order (`Commissions [$]` included).
pub const STAT_KEYS: [&str; 32] = [
    "Start",
    "End",
    "Duration",
    "Exposure Time [%]",
    "Equity Final [$]",
    "Equity Peak [$]",
    "Commissions [$]",
    "Return [%]",
    "Buy & Hold Return [%]",
    "Return (Ann.) [%]",
    "Volatility (Ann.) [%]",
    "CAGR [%]",
    "Sharpe Ratio",
    "Sortino Ratio",
    "Calmar Ratio",
    "Alpha [%]",
    "Beta",
    "Max. Drawdown [%]",
    "Avg. Drawdown [%]",
    "Max. Drawdown Duration",
    "Avg. Drawdown Duration",
    "# Trades",
    "Win Rate [%]",
    "Best Trade [%]",
    "Worst Trade [%]",
    "Avg. Trade [%]",
    "Max. Trade Duration",
    "Avg. Trade Duration",
    "Profit Factor",
    "Expectancy [%]",
    "SQN",
    "Kelly Criterion",
];

impl Stats {
    /// Every statistic under backtesting.py's key, in its order; `Commissions [$]` is left
    /// out when it is 0, as backtesting.py does.
    pub fn entries(&self) -> Vec<(&'static str, StatValue)> {
        use StatValue::{Count, Duration, Number, Time};
        let mut v = vec![
            ("Start", Time(self.start)),
            ("End", Time(self.end)),
            ("Duration", Duration(Some(self.duration))),
            ("Exposure Time [%]", Number(self.exposure_time_pct)),
            ("Equity Final [$]", Number(self.equity_final)),
            ("Equity Peak [$]", Number(self.equity_peak)),
        ];
        if self.commissions != 0.0 {
            v.push(("Commissions [$]", Number(self.commissions)));
        }
        v.extend([
            ("Return [%]", Number(self.return_pct)),
            ("Buy & Hold Return [%]", Number(self.buy_hold_return_pct)),
            ("Return (Ann.) [%]", Number(self.return_ann_pct)),
            ("Volatility (Ann.) [%]", Number(self.volatility_ann_pct)),
            ("CAGR [%]", Number(self.cagr_pct)),
            ("Sharpe Ratio", Number(self.sharpe_ratio)),
            ("Sortino Ratio", Number(self.sortino_ratio)),
            ("Calmar Ratio", Number(self.calmar_ratio)),
            ("Alpha [%]", Number(self.alpha_pct)),
            ("Beta", Number(self.beta)),
            ("Max. Drawdown [%]", Number(self.max_drawdown_pct)),
            ("Avg. Drawdown [%]", Number(self.avg_drawdown_pct)),
            (
                "Max. Drawdown Duration",
                Duration(self.max_drawdown_duration),
            ),
            (
                "Avg. Drawdown Duration",
                Duration(self.avg_drawdown_duration),
            ),
            ("# Trades", Count(self.trades)),
            ("Win Rate [%]", Number(self.win_rate_pct)),
            ("Best Trade [%]", Number(self.best_trade_pct)),
            ("Worst Trade [%]", Number(self.worst_trade_pct)),
            ("Avg. Trade [%]", Number(self.avg_trade_pct)),
            ("Max. Trade Duration", Duration(self.max_trade_duration)),
            ("Avg. Trade Duration", Duration(self.avg_trade_duration)),
            ("Profit Factor", Number(self.profit_factor)),
            ("Expectancy [%]", Number(self.expectancy_pct)),
            ("SQN", Number(self.sqn)),
            ("Kelly Criterion", Number(self.kelly_criterion)),
        ]);
        v
    }

    /// A statistic by its backtesting.py key (`"Return [%]"`, `"# Trades"`, …).
    /// `Commissions [$]` is found even when 0.
    pub fn get(&self, key: &str) -> Option<StatValue> {
        if key == "Commissions [$]" {
            return Some(StatValue::Number(self.commissions));
        }
        self.entries()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

impl Serialize for Stats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entries = self.entries();
        let mut m = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            m.serialize_entry(k, &v)?;
        }
        m.end()
    }
}

/// The seed's summary of a backtest (`/api/strategy/backtest`), fractions not percent:
/// `{"total_trades": 245, "winning_trades": 156, "win_rate": 0.637, "total_return": 0.184,
/// "sharpe_ratio": 1.23, "max_drawdown": 0.087, "average_accuracy": 0.891}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Closed trades.
    pub total_trades: usize,
    /// Closed trades with PnL > 0.
    pub winning_trades: usize,
    /// `winning_trades / total_trades` (NaN → `null` without trades).
    pub win_rate: f64,
    /// `(E[N−1] − E[0]) / E[0]`.
    pub total_return: f64,
    /// backtesting.py's Sharpe ratio (annualised return over annualised volatility).
    pub sharpe_ratio: f64,
    /// The largest drawdown as a positive fraction.
    pub max_drawdown: f64,
    /// Forecast direction accuracy from a rolling-origin evaluation, for forecasting
    /// strategies; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_accuracy: Option<f64>,
}

/// Inputs of [`compute`].
pub(crate) struct StatsInput<'a> {
    pub(crate) timestamps: &'a [Timestamp],
    pub(crate) close: &'a [f64],
    pub(crate) equity: &'a [f64],
    pub(crate) drawdown: &'a [f64],
    pub(crate) episodes: &'a [Episode],
    pub(crate) trades: &'a [Trade],
    pub(crate) warmup: usize,
    pub(crate) risk_free_rate: f64,
}

const NS_PER_MICRO: i128 = 1_000;

/// The data's period (median spacing of the last 100 timestamps) in nanoseconds; None with
/// a single bar.
fn data_period_ns(ts: &[Timestamp]) -> Option<i128> {
    let tail = &ts[ts.len().saturating_sub(100)..];
    if tail.len() < 2 {
        return None;
    }
    let mut diffs: Vec<i64> = tail
        .windows(2)
        .map(|w| w[1].micros() - w[0].micros())
        .collect();
    diffs.sort_unstable();
    let m = diffs.len();
    let ns = if m % 2 == 1 {
        i128::from(diffs[m / 2]) * NS_PER_MICRO
    } else {
        (i128::from(diffs[m / 2 - 1]) + i128::from(diffs[m / 2])) * NS_PER_MICRO / 2
    };
    Some(ns)
}

/// pandas' `Timedelta.resolution_string` as a unit in nanoseconds: the largest of day, hour,
/// minute, second, milli, micro, nano that divides the period.
fn resolution_ns(period_ns: Option<i128>) -> i128 {
    let p = period_ns.unwrap_or(0);
    const UNITS: [i128; 7] = [
        86_400_000_000_000,
        3_600_000_000_000,
        60_000_000_000,
        1_000_000_000,
        1_000_000,
        1_000,
        1,
    ];
    // Days are the resolution when only the day component is set.
    UNITS.into_iter().find(|u| p % u == 0).unwrap_or(1)
}

/// Rounds a span given as `num / den` nanoseconds up to a multiple of `unit` nanoseconds
/// (`Timedelta.ceil(resolution)`), in whole microseconds.
fn ceil_span(num: i128, den: i128, unit: i128) -> Timedelta {
    if den <= 0 {
        return Timedelta::from_micros(0);
    }
    let step = den * unit;
    let q = num.div_euclid(step) + i128::from(num.rem_euclid(step) != 0);
    let ns = q * unit;
    Timedelta::from_micros(i64::try_from(ns / NS_PER_MICRO).unwrap_or(i64::MAX))
}

fn max_span(spans: impl Iterator<Item = Timedelta>, unit: i128) -> Option<Timedelta> {
    spans
        .max()
        .map(|m| ceil_span(i128::from(m.micros()) * NS_PER_MICRO, 1, unit))
}

fn mean_span(spans: impl Iterator<Item = Timedelta>, unit: i128) -> Option<Timedelta> {
    let (sum, n) = spans.fold((0i128, 0i128), |(s, n), d| {
        (s + i128::from(d.micros()) * NS_PER_MICRO, n + 1)
    });
    (n > 0).then(|| ceil_span(sum, n, unit))
}

/// backtesting.py's `geometric_mean`: exp(mean ln(1+r)) − 1; 0 when some 1+r ≤ 0; NaN when
/// empty.
fn geometric_mean(r: &[f64]) -> f64 {
    if r.iter().any(|x| 1.0 + x <= 0.0) {
        return 0.0;
    }
    if r.is_empty() {
        return f64::NAN;
    }
    let s: f64 = r.iter().map(|x| (1.0 + x).ln()).sum();
    (s / r.len() as f64).exp() - 1.0
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

fn var_ddof1(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return f64::NAN;
    }
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64
}

/// `x or np.nan`: a zero (or NaN, which Python treats as true) denominator.
fn or_nan(x: f64) -> f64 {
    if x == 0.0 { f64::NAN } else { x }
}

fn nan_max(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(f64::NAN, |m, x| if m.is_nan() || x > m { x } else { m })
}

fn nan_min(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(f64::NAN, |m, x| if m.is_nan() || x < m { x } else { m })
}

/// Year and month of a day count since 1970-01-01.
fn year_month(z: i64) -> (i64, i64) {
    let (y, m, _) = stratos_core::timestamp::civil_from_days(z);
    (y, m)
}

#[derive(Clone, Copy, PartialEq)]
enum Bucket {
    Day,
    Week,
    Month,
    Year,
}

/// One pass over the bars: the pct-changes of equity resampled to `bucket` (last value per
/// bucket, NaN skipped, empty buckets dropped, NaN changes dropped) and the number of bars on
/// a Saturday or Sunday. Calendar arithmetic runs once per calendar day, not per bar.
fn resampled_returns(ts: &[Timestamp], equity: &[f64], bucket: Bucket) -> (Vec<f64>, usize) {
    const DAY: i64 = 86_400_000_000;
    let bucket_key = |day: i64, dow: i64| -> i64 {
        match bucket {
            Bucket::Day => day,
            Bucket::Week => day - dow,
            Bucket::Month => {
                let (y, m) = year_month(day);
                y * 12 + m
            }
            Bucket::Year => year_month(day).0,
        }
    };
    let mut lasts: Vec<f64> = Vec::new();
    let mut weekend_bars = 0usize;
    // The current calendar day [day_start, day_end) and its bucket and weekday.
    let mut day_start = i64::MAX;
    let mut day_end = i64::MIN;
    let mut key = i64::MIN;
    let mut weekend = false;
    let mut last = f64::NAN;
    let mut started = false;
    for (&t, &e) in ts.iter().zip(equity) {
        let m = t.micros();
        if m >= day_end || m < day_start {
            let day = m.div_euclid(DAY);
            let dow = (day + 3).rem_euclid(7);
            day_start = day * DAY;
            day_end = day_start + DAY;
            weekend = dow >= 5;
            let k = bucket_key(day, dow);
            if started && k != key {
                if !last.is_nan() {
                    lasts.push(last);
                }
                last = f64::NAN;
            }
            key = k;
            started = true;
        }
        weekend_bars += usize::from(weekend);
        if !e.is_nan() {
            last = e;
        }
    }
    if !last.is_nan() {
        lasts.push(last);
    }
    let returns = lasts
        .windows(2)
        .map(|w| w[1] / w[0] - 1.0)
        .filter(|r| !r.is_nan())
        .collect();
    (returns, weekend_bars)
}

/// backtesting.py's `compute_stats`.
pub(crate) fn compute(inp: &StatsInput<'_>) -> Stats {
    let ts = inp.timestamps;
    let n = ts.len();
    let eq = inp.equity;
    let c = inp.close;
    let rf = inp.risk_free_rate;
    let period = data_period_ns(ts);
    let unit = resolution_ns(period);

    let start = ts[0];
    let end = ts[n - 1];
    let duration = Timedelta::from_micros(end.micros() - start.micros());

    let mut covered = vec![false; n];
    for t in inp.trades {
        let hi = t.exit_bar.min(n - 1);
        if t.entry_bar <= hi {
            covered[t.entry_bar..=hi].iter_mut().for_each(|b| *b = true);
        }
    }
    let exposure_time_pct = covered.iter().filter(|&&b| b).count() as f64 / n as f64 * 100.0;
    let equity_final = eq[n - 1];
    let equity_peak = nan_max(eq.iter().copied());
    let commissions: f64 = inp.trades.iter().map(|t| t.commission).sum();
    let return_pct = (eq[n - 1] - eq[0]) / eq[0] * 100.0;
    let w = inp.warmup.min(n - 1);
    let buy_hold_return_pct = (c[n - 1] - c[w]) / c[w] * 100.0;

    // Annualised figures.
    let (gmean, day_returns, annual) = match period {
        None => (f64::NAN, Vec::new(), f64::NAN),
        Some(p) => {
            let freq_days = p.div_euclid(86_400_000_000_000);
            let bucket = match freq_days {
                7 => Bucket::Week,
                31 => Bucket::Month,
                365 => Bucket::Year,
                _ => Bucket::Day,
            };
            let (r, weekend_bars) = resampled_returns(ts, eq, bucket);
            let have_weekends = weekend_bars as f64 / n as f64 > 2.0 / 7.0 * 0.6;
            let annual = match bucket {
                Bucket::Week => 52.0,
                Bucket::Month => 12.0,
                Bucket::Year => 1.0,
                Bucket::Day if have_weekends => 365.0,
                Bucket::Day => 252.0,
            };
            (geometric_mean(&r), r, annual)
        }
    };
    let annualized = (1.0 + gmean).powf(annual) - 1.0;
    let return_ann_pct = annualized * 100.0;
    let volatility_ann_pct = ((var_ddof1(&day_returns) + (1.0 + gmean).powi(2)).powf(annual)
        - (1.0 + gmean).powf(2.0 * annual))
    .sqrt()
        * 100.0;
    let years = (duration.days() as f64
        + (duration.micros().rem_euclid(86_400_000_000) / 1_000_000) as f64 / 86400.0)
        / 365.25;
    let cagr_pct = if years != 0.0 {
        ((equity_final / eq[0]).powf(1.0 / years) - 1.0) * 100.0
    } else {
        f64::NAN
    };
    let sharpe_ratio = (return_ann_pct - rf * 100.0) / or_nan(volatility_ann_pct);
    let downside: Vec<f64> = day_returns.iter().map(|r| r.min(0.0).powi(2)).collect();
    let sortino_ratio = (annualized - rf) / (mean(&downside).sqrt() * annual.sqrt());
    let dd_max = nan_max(inp.drawdown.iter().copied());
    let max_dd = if inp.drawdown.iter().any(|d| d.is_nan()) || dd_max.is_nan() {
        0.0
    } else {
        dd_max
    };
    let calmar_ratio = annualized / or_nan(max_dd);

    // Beta over log returns of every bar, in one pass without buffers: sums of the log
    // returns shifted by the first ones (exact for constant series, and free of
    // cancellation for returns near their mean). numpy's two-pass `np.cov` agrees to
    // ~1e-13 relative; the ratio cancels ddof.
    let beta = if n > 2 {
        let x0 = (eq[1] / eq[0]).ln();
        let y0 = (c[1] / c[0]).ln();
        let (mut sx, mut sy, mut sxy, mut syy) = (0.0, 0.0, 0.0, 0.0);
        for i in 1..n {
            let x = (eq[i] / eq[i - 1]).ln() - x0;
            let y = (c[i] / c[i - 1]).ln() - y0;
            sx += x;
            sy += y;
            sxy += x * y;
            syy += y * y;
        }
        let k = (n - 1) as f64;
        (sxy - sx * sy / k) / (syy - sy * sy / k)
    } else {
        f64::NAN
    };
    let alpha_pct = return_pct - rf * 100.0 - beta * (buy_hold_return_pct - rf * 100.0);

    let (avg_dd, max_dd_dur, avg_dd_dur) = if inp.episodes.is_empty() {
        // backtesting.py: `dd.replace(0, np.nan)` for both series.
        let nonzero: Vec<f64> = inp
            .drawdown
            .iter()
            .copied()
            .filter(|d| *d != 0.0 && !d.is_nan())
            .collect();
        (mean(&nonzero), None, None)
    } else {
        let peaks: Vec<f64> = inp.episodes.iter().map(|e| e.peak_dd).collect();
        (
            mean(&peaks),
            max_span(inp.episodes.iter().map(|e| e.duration), unit),
            mean_span(inp.episodes.iter().map(|e| e.duration), unit),
        )
    };

    let trades = inp.trades;
    let nt = trades.len();
    let pl: Vec<f64> = trades.iter().map(|t| t.pnl).collect();
    let returns: Vec<f64> = trades.iter().map(|t| t.return_pct).collect();
    let win_rate = if nt == 0 {
        f64::NAN
    } else {
        pl.iter().filter(|&&p| p > 0.0).count() as f64 / nt as f64
    };
    let pos_sum: f64 = returns.iter().filter(|&&r| r > 0.0).sum();
    let neg_sum: f64 = returns.iter().filter(|&&r| r < 0.0).sum();
    let wins: Vec<f64> = pl.iter().copied().filter(|&p| p > 0.0).collect();
    let losses: Vec<f64> = pl.iter().copied().filter(|&p| p < 0.0).collect();
    let pl_std = var_ddof1(&pl).sqrt();

    Stats {
        start,
        end,
        duration,
        exposure_time_pct,
        equity_final,
        equity_peak,
        commissions,
        return_pct,
        buy_hold_return_pct,
        return_ann_pct,
        volatility_ann_pct,
        cagr_pct,
        sharpe_ratio,
        sortino_ratio,
        calmar_ratio,
        alpha_pct,
        beta,
        max_drawdown_pct: -max_dd * 100.0,
        avg_drawdown_pct: -avg_dd * 100.0,
        max_drawdown_duration: max_dd_dur,
        avg_drawdown_duration: avg_dd_dur,
        trades: nt,
        win_rate_pct: win_rate * 100.0,
        best_trade_pct: nan_max(returns.iter().copied()) * 100.0,
        worst_trade_pct: nan_min(returns.iter().copied()) * 100.0,
        avg_trade_pct: geometric_mean(&returns) * 100.0,
        max_trade_duration: max_span(trades.iter().map(|t| t.duration), unit),
        avg_trade_duration: mean_span(trades.iter().map(|t| t.duration), unit),
        profit_factor: pos_sum / or_nan(neg_sum.abs()),
        expectancy_pct: mean(&returns) * 100.0,
        sqn: (nt as f64).sqrt() * mean(&pl) / or_nan(pl_std),
        kelly_criterion: win_rate - (1.0 - win_rate) / (mean(&wins) / -mean(&losses)),
    }
}

impl Stats {
    /// The seed's summary fields.
    pub fn summary(&self, trades: &[Trade]) -> Summary {
        Summary {
            total_trades: self.trades,
            winning_trades: trades.iter().filter(|t| t.pnl > 0.0).count(),
            win_rate: self.win_rate_pct / 100.0,
            total_return: self.return_pct / 100.0,
            sharpe_ratio: self.sharpe_ratio,
            max_drawdown: -self.max_drawdown_pct / 100.0,
            average_accuracy: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_follow_numpy_and_pandas() {
        assert!(geometric_mean(&[]).is_nan());
        assert_eq!(geometric_mean(&[0.1, -1.5]), 0.0);
        assert!((geometric_mean(&[0.1, 0.21]) - (1.1f64.powf(1.5) - 1.0)).abs() < 1e-12);
        assert!(var_ddof1(&[1.0]).is_nan());
        assert_eq!(var_ddof1(&[1.0, 3.0]), 2.0);
        assert!(or_nan(0.0).is_nan());
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(59), (1970, 3));
        // 1970-01-01 was a Thursday: the 3rd a Saturday, the 5th a Monday.
        let ts: Vec<Timestamp> = [0, 2, 2, 4, 12]
            .iter()
            .map(|d| Timestamp::from_epoch_seconds(d * 86_400).unwrap())
            .collect();
        let (r, weekend) = resampled_returns(&ts, &[1.0, 2.0, 4.0, 2.0, 3.0], Bucket::Day);
        assert_eq!((r, weekend), (vec![3.0, -0.5, 0.5], 2));
        let (r, _) = resampled_returns(&ts, &[1.0, 2.0, 4.0, 2.0, 3.0], Bucket::Week);
        // Weeks run Monday to Sunday: {1st, 3rd}, {5th}, {13th}.
        assert_eq!(r, vec![-0.5, 0.5]);
        assert_eq!(resolution_ns(Some(86_400_000_000_000)), 86_400_000_000_000);
        assert_eq!(resolution_ns(Some(90_000_000_000_000)), 3_600_000_000_000);
        assert_eq!(resolution_ns(None), 86_400_000_000_000);
        // 50.2 days rounds up to 51 days.
        let day = 86_400_000_000_000i128;
        assert_eq!(ceil_span(502 * day, 10, day).days(), 51);
        assert_eq!(ceil_span(50 * day, 1, day).days(), 50);
    }
}
