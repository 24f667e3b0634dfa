//! Closed and open trades.

use serde::{Deserialize, Serialize};

use stratos_core::timestamp::Timestamp;

use super::timedelta::Timedelta;

/// A closed trade, as a row of backtesting.py's `stats._trades`.
///
/// ```text
/// Commission = fixed·2 + c·|size|·(entry_price + exit_price)   (entry and exit fills)
/// PnL        = size·(exit_price − entry_price) − Commission
/// ReturnPct  = sign(size)·(exit_price/entry_price − 1) − Commission/(|size|·entry_price)
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    /// Units; negative for a short trade.
    pub size: i64,
    /// The bar the entry filled on.
    pub entry_bar: usize,
    /// The bar the exit filled on.
    pub exit_bar: usize,
    /// The entry fill price (spread included).
    pub entry_price: f64,
    /// The exit fill price.
    pub exit_price: f64,
    /// The stop-loss level, if one was set.
    pub sl: Option<f64>,
    /// The take-profit level, if one was set.
    pub tp: Option<f64>,
    /// Profit or loss in cash, net of both commissions.
    pub pnl: f64,
    /// Commission paid at entry and exit.
    pub commission: f64,
    /// Return as a fraction (not percent), net of commissions.
    pub return_pct: f64,
    /// The entry bar's time.
    pub entry_time: Timestamp,
    /// The exit bar's time.
    pub exit_time: Timestamp,
    /// `exit_time − entry_time`.
    pub duration: Timedelta,
    /// Why it closed.
    pub exit_reason: ExitReason,
}

impl Trade {
    /// True for a long trade.
    pub fn is_long(&self) -> bool {
        self.size > 0
    }
}

/// Why a trade closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// A signal closed it (an opposite order, an exclusive order, or a long-only SELL).
    Signal,
    /// Its stop-loss was hit.
    StopLoss,
    /// Its take-profit was hit.
    TakeProfit,
    /// Closed on the last bar ([`super::EndOfData::CloseOnLastBar`]).
    EndOfData,
    /// Closed at the close when equity fell to zero or below.
    OutOfMoney,
}

/// A trade still open after the last bar (left open by [`super::EndOfData::LeaveOpen`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenTrade {
    /// Units; negative for a short trade.
    pub size: i64,
    /// The bar the entry filled on.
    pub entry_bar: usize,
    /// The entry fill price.
    pub entry_price: f64,
    /// The entry bar's time.
    pub entry_time: Timestamp,
    /// `size·(last close − entry_price)`; the entry commission is already out of cash.
    pub unrealized_pnl: f64,
    /// The stop-loss level, if one was set.
    pub sl: Option<f64>,
    /// The take-profit level, if one was set.
    pub tp: Option<f64>,
}
