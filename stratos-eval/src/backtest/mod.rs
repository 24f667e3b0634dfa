//! Backtesting: walk OHLC(V) bars with per-bar signals through a broker that reproduces
//! backtesting.py 0.6.6 exactly (fills, whole-unit sizing, commission, spread, brackets,
//! `exclusive_orders`), then compute its full statistics set, the trade list and the equity
//! curve with drawdowns.
//!
//! * [`Bars`]: validated, borrowed OHLC(V) columns.
//! * [`Signals`] / [`SignalSource`]: what to do on each bar (BUY / SELL / HOLD / nothing) and
//!   the warm-up bar. Adaptors for the built-in strategies live in
//!   `stratos_eval::backtest::signals`.
//! * [`BacktestConfig`]: cash, [`Commission`], spread, margin, the [`Fill`] rule,
//!   [`OrderSize`], stop-loss / take-profit [`Bracket`]s, [`SignalMode`], [`EndOfData`].
//! * [`run`] / [`run_source`] → [`BacktestResult`]: [`Stats`] (backtesting.py's keys via
//!   [`Stats::entries`]), the seed's [`Summary`], closed [`Trade`]s, [`OpenTrade`]s, the
//!   [`EquityCurve`] and [`Warning`]s.
//! * [`check_lookahead`]: recomputes signals on truncated history and fails on any change.
//! * [`optimise::sweep`] and [`optimise::walk_forward`]: parameter grids on both cores, and
//!   rolling train/test optimisation.
//!
//! Fill rule (explicit, selectable): a signal on bar t becomes a market order that fills at
//! bar t+1's open ([`Fill::NextOpen`], the default) or at bar t's close
//! ([`Fill::ThisClose`]). Stop-loss and take-profit trigger on a later bar's high/low (or on
//! the entry bar itself, after the entry), as described in the broker notes of
//! [`Bracket`] and [`run`].
//!
//! # Examples
//! backtesting.py's README example, `Backtest(data, SmaCross, commission=.002,
//! exclusive_orders=True)`, on a few bars with a hand-made signal:
//!
//! ```
//! use stratos_core::{Action, Timestamp};
//! use stratos_eval::backtest::{BacktestConfig, Bars, Commission, Signals, run};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let t: Vec<Timestamp> = (0..6).map(|d| Timestamp::from_epoch_seconds(d * 86_400)).collect::<Result<_, _>>()?;
//! let open = [100.0, 101.0, 102.0, 99.0, 97.0, 103.0];
//! let close = [101.0, 102.0, 99.0, 97.0, 103.0, 104.0];
//! let high = [102.0, 103.0, 103.0, 100.0, 104.0, 105.0];
//! let low = [99.0, 100.0, 98.0, 96.0, 96.0, 102.0];
//! let bars = Bars::new(&t, &open, &high, &low, &close)?;
//! let signals = Signals::new(
//!     vec![None, Some(Action::Buy), Some(Action::Sell), None, Some(Action::Buy), None],
//!     0,
//! );
//! let config = BacktestConfig {
//!     commission: Commission::relative(0.002),
//!     exclusive_orders: true,
//!     ..BacktestConfig::default()
//! };
//! let result = run(&bars, &signals, &config)?;
//! // Long at bar 2's open, flipped short at bar 3's open, flipped long at bar 5's open.
//! assert_eq!(result.trades.len(), 2);
//! assert_eq!((result.trades[0].entry_bar, result.trades[0].exit_bar), (2, 3));
//! assert_eq!(result.trades[1].size < 0, true);
//! assert_eq!(result.open_trades.len(), 1);
//! let json = serde_json::to_value(&result.stats)?;
//! assert_eq!(json["# Trades"], 2);
//! # Ok(()) }
//! ```

mod bars;
mod broker;
mod config;
mod equity;
mod error;
pub mod optimise;
mod period;
mod run;
pub mod signals;
mod stats;
mod timedelta;
mod trade;

pub use bars::Bars;
pub use broker::{MAX_UNITS, Warning};
pub use config::{
    BacktestConfig, Bracket, Commission, EndOfData, FULL_EQUITY, Fill, OrderSize, SignalMode,
};
pub use equity::EquityCurve;
pub use error::BacktestError;
pub use period::Period;
pub use run::{
    BacktestResult, FnSource, LookAheadCheck, RefitForecast, SignalSource, Signals,
    check_lookahead, run, run_source,
};
pub use stats::{STAT_KEYS, StatValue, Stats, Summary};
pub use timedelta::Timedelta;
pub use trade::{ExitReason, OpenTrade, Trade};

#[cfg(test)]
mod tests;
