//! The broker: a line-by-line port of backtesting.py 0.6.6's `_Broker` restricted to what
//! signal-driven runs place (market entries, their stop-loss / take-profit brackets, and
//! close orders), so fills, sizes and cash agree with it to the last bit.
//!
//! Order processing on bar `i` (`_Broker._process_orders`), in queue order:
//!
//! ```text
//! stop-loss (a stop order):   long trade: triggers when low ≤ SL, fills at min(open, SL)
//!                             short trade: triggers when high ≥ SL, fills at max(open, SL)
//!                             (a gap through the stop fills at the open, worse than the stop)
//! take-profit (a limit order): long trade: triggers when high ≥ TP, fills at max(open, TP)
//!                             short trade: triggers when low ≤ TP, fills at min(open, TP)
//!                             (a gap through the limit fills at the open, better than TP)
//! market order:               at open[i] (next-open rule) or close[i−1] (trade_on_close),
//!                             entry/exit bar i or i−1 respectively
//! ```
//!
//! The stop-loss sits at the head of the queue and the take-profit at its tail, so when both
//! trigger in one bar the stop-loss wins (the pessimistic reading). A trade opened by a market
//! order has its brackets checked again on the same bar (backtesting.py issue 119), so a
//! stop-loss can close a trade on its entry bar.

use stratos_core::signal::Action;

use super::config::{BacktestConfig, Fill, OrderSize};
use super::error::BacktestError;
use super::trade::ExitReason;

/// Something the broker did that a trader should know about (backtesting.py's warnings).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// An order was cancelled because the available margin could not pay for one unit (or
    /// for the fixed size asked).
    InsufficientMargin {
        /// The bar the order was to fill on.
        bar: usize,
        /// Equity at that moment.
        equity: f64,
        /// Margin available at that moment.
        margin_available: f64,
    },
    /// Equity fell to zero or below: every trade was closed at the bar's close and the run
    /// stopped; equity is 0 from that bar on.
    OutOfMoney {
        /// The bar.
        bar: usize,
    },
    /// Trades remained open after the last bar (see [`super::EndOfData::LeaveOpen`]).
    OpenTradesAtEnd {
        /// How many.
        count: usize,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::InsufficientMargin {
                bar,
                equity,
                margin_available,
            } => write!(
                f,
                "bar {bar}: broker cancelled the order due to insufficient margin (equity={equity:.2}, margin_available={margin_available:.2})"
            ),
            Warning::OutOfMoney { bar } => {
                write!(
                    f,
                    "bar {bar}: equity fell to zero or below; the run stopped"
                )
            }
            Warning::OpenTradesAtEnd { count } => write!(
                f,
                "{count} trade(s) remain open at the end of the backtest; they count in equity but not in the trade statistics"
            ),
        }
    }
}

/// The largest order, in units (10^15): a cap that keeps unit arithmetic exact in both
/// `f64` and `i64`. backtesting.py has no cap (Python integers); it only matters for
/// prices so small that 10^15 units cost less than the account.
pub const MAX_UNITS: f64 = 1e15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Entry,
    Close(ExitReason),
    StopLoss,
    TakeProfit,
}

#[derive(Debug, Clone)]
struct Order {
    id: u64,
    size: f64,
    stop: Option<f64>,
    limit: Option<f64>,
    sl: Option<f64>,
    tp: Option<f64>,
    parent: Option<u64>,
    kind: Kind,
}

impl Order {
    fn is_long(&self) -> bool {
        self.size > 0.0
    }
    fn is_contingent(&self) -> bool {
        matches!(self.kind, Kind::StopLoss | Kind::TakeProfit)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct LiveTrade {
    id: u64,
    pub(crate) size: i64,
    pub(crate) entry_price: f64,
    pub(crate) entry_bar: usize,
    sl_order: Option<u64>,
    tp_order: Option<u64>,
    pub(crate) sl: Option<f64>,
    pub(crate) tp: Option<f64>,
}

/// A closed trade before timestamps and derived fields are attached.
#[derive(Debug, Clone)]
pub(crate) struct ClosedTrade {
    pub(crate) size: i64,
    pub(crate) entry_bar: usize,
    pub(crate) exit_bar: usize,
    pub(crate) entry_price: f64,
    pub(crate) exit_price: f64,
    pub(crate) sl: Option<f64>,
    pub(crate) tp: Option<f64>,
    pub(crate) commission: f64,
    pub(crate) reason: ExitReason,
}

/// One bar's prices as the broker sees them on bar `i`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BarPrices {
    pub(crate) i: usize,
    pub(crate) open: f64,
    pub(crate) high: f64,
    pub(crate) low: f64,
    /// `Close[i]`: backtesting.py's `last_price`, used for equity and margin.
    pub(crate) close: f64,
    /// `Close[i−1]`, the trade-on-close fill price.
    pub(crate) prev_close: f64,
}

#[derive(Debug)]
pub(crate) struct Broker<'c> {
    cfg: &'c BacktestConfig,
    leverage: f64,
    pub(crate) cash: f64,
    orders: Vec<Order>,
    pub(crate) trades: Vec<LiveTrade>,
    pub(crate) closed: Vec<ClosedTrade>,
    pub(crate) warnings: Vec<Warning>,
    next_id: u64,
    queue: Vec<u64>,
}

fn copysign_i(v: f64, sign_of: f64) -> f64 {
    v.abs().copysign(sign_of)
}

/// Python's float floor division `a // b` (CPython `float_floor_div`), bit for bit.
pub(crate) fn py_floordiv(a: f64, b: f64) -> f64 {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let _ = m;
    if div != 0.0 {
        let mut fl = div.floor();
        if div - fl > 0.5 {
            fl += 1.0;
        }
        fl
    } else {
        0.0f64.copysign(a / b)
    }
}

impl<'c> Broker<'c> {
    pub(crate) fn new(cfg: &'c BacktestConfig) -> Self {
        Broker {
            cfg,
            leverage: cfg.leverage(),
            cash: cfg.cash,
            orders: Vec::new(),
            trades: Vec::new(),
            closed: Vec::new(),
            warnings: Vec::new(),
            next_id: 0,
            queue: Vec::new(),
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The net position in units.
    pub(crate) fn position(&self) -> i64 {
        self.trades.iter().map(|t| t.size).sum()
    }

    fn unrealized(&self, last: f64) -> f64 {
        let pos = self.position() as f64;
        let mut cost = 0.0;
        for t in &self.trades {
            cost += t.size as f64 * t.entry_price;
        }
        last * pos - cost
    }

    /// Cash plus open trades marked to `last`.
    pub(crate) fn equity(&self, last: f64) -> f64 {
        if self.trades.is_empty() {
            return self.cash;
        }
        self.cash + self.unrealized(last)
    }

    fn margin_available(&self, last: f64) -> f64 {
        let mut used = 0.0;
        for t in &self.trades {
            used += (t.size.unsigned_abs() as f64 * last) / self.leverage;
        }
        let m = self.equity(last) - used;
        if m > 0.0 { m } else { 0.0 }
    }

    /// Places the order a BUY (`long`) or SELL signal on bar `bar` asks for; `close` is the
    /// bar's close (backtesting.py's `last_price` at `next()` time).
    pub(crate) fn place_entry(
        &mut self,
        long: bool,
        close: f64,
        bar: usize,
    ) -> Result<(), BacktestError> {
        let cfg = self.cfg;
        let magnitude = match cfg.size {
            OrderSize::EquityFraction(f) => f,
            OrderSize::Units(n) => n as f64,
        };
        let size = if long { magnitude } else { -magnitude };
        let sl = cfg.stop_loss.map(|b| b.level(close, long, true));
        let tp = cfg.take_profit.map(|b| b.level(close, long, false));
        let adjusted = close * (1.0 + copysign_i(cfg.spread, size));
        let ok = if long {
            sl.unwrap_or(f64::NEG_INFINITY) < adjusted && adjusted < tp.unwrap_or(f64::INFINITY)
        } else {
            tp.unwrap_or(f64::NEG_INFINITY) < adjusted && adjusted < sl.unwrap_or(f64::INFINITY)
        };
        if !ok {
            return Err(BacktestError::InvalidBracket {
                bar,
                side: if long { "long" } else { "short" }.to_owned(),
                price: adjusted,
                rule: if long {
                    "stop-loss < price < take-profit"
                } else {
                    "take-profit < price < stop-loss"
                }
                .to_owned(),
                sl,
                tp,
            });
        }
        if cfg.exclusive_orders {
            self.orders.retain(|o| o.is_contingent());
            self.close_all(ExitReason::Signal);
        }
        let id = self.id();
        self.orders.push(Order {
            id,
            size,
            stop: None,
            limit: None,
            sl,
            tp,
            parent: None,
            kind: Kind::Entry,
        });
        Ok(())
    }

    /// `trade.close()` for every open trade, in list order (each close order goes to the
    /// head of the queue, as backtesting.py inserts it at 0).
    pub(crate) fn close_all(&mut self, reason: ExitReason) {
        let closes: Vec<(u64, i64)> = self.trades.iter().map(|t| (t.id, t.size)).collect();
        self.queue_closes(closes, reason);
    }

    /// `finalize_trades=True`: `for trade in reversed(broker.trades): trade.close()`.
    pub(crate) fn close_all_reversed(&mut self, reason: ExitReason) {
        let closes: Vec<(u64, i64)> = self.trades.iter().rev().map(|t| (t.id, t.size)).collect();
        self.queue_closes(closes, reason);
    }

    /// A close order for each `(trade id, size)`, in turn, at the head of the queue.
    fn queue_closes(&mut self, closes: Vec<(u64, i64)>, reason: ExitReason) {
        for (tid, size) in closes {
            let id = self.id();
            self.orders.insert(
                0,
                Order {
                    id,
                    size: -(size as f64),
                    stop: None,
                    limit: None,
                    sl: None,
                    tp: None,
                    parent: Some(tid),
                    kind: Kind::Close(reason),
                },
            );
        }
    }

    /// `_Broker.next()`: process orders, then mark equity. Returns the equity and whether the
    /// account ran out of money (then every trade was closed and the run must stop).
    pub(crate) fn next(&mut self, p: BarPrices) -> (f64, bool) {
        if !self.orders.is_empty() {
            self.process_orders(p);
        }
        let equity = self.equity(p.close);
        if equity <= 0.0 {
            // backtesting.py iterates `self.trades` while `_close_trade` removes from it, so
            // it closes the trades at positions 0, 2, 4, … of the original list; the others
            // stay open. Reproduced as is.
            let mut k = 0;
            while k < self.trades.len() {
                self.close_trade(k, p.close, p.i, ExitReason::OutOfMoney);
                k += 1;
            }
            self.cash = 0.0;
            self.warnings.push(Warning::OutOfMoney { bar: p.i });
            return (0.0, true);
        }
        (equity, false)
    }

    fn trade_pos(&self, id: u64) -> Option<usize> {
        self.trades.iter().position(|t| t.id == id)
    }

    fn order_pos(&self, id: u64) -> Option<usize> {
        self.orders.iter().position(|o| o.id == id)
    }

    /// An order the margin cannot pay for: an [`Warning::InsufficientMargin`] at `bar`, and
    /// the order cancelled.
    fn reject_for_margin(&mut self, id: u64, bar: usize, close: f64) {
        self.warnings.push(Warning::InsufficientMargin {
            bar,
            equity: self.equity(close),
            margin_available: self.margin_available(close),
        });
        self.remove_order(id);
    }

    fn remove_order(&mut self, id: u64) {
        if let Some(k) = self.order_pos(id) {
            self.orders.remove(k);
        }
    }

    fn process_orders(&mut self, p: BarPrices) {
        let trade_on_close = self.cfg.fill == Fill::ThisClose;
        loop {
            let mut reprocess = false;
            let mut queue = std::mem::take(&mut self.queue);
            queue.clear();
            queue.extend(self.orders.iter().map(|o| o.id));
            for &oid in &queue {
                let Some(k) = self.order_pos(oid) else {
                    continue;
                };
                let mut order = self.orders[k].clone();
                let stop_price = order.stop;
                if let Some(sp) = stop_price {
                    let hit = if order.is_long() {
                        p.high >= sp
                    } else {
                        p.low <= sp
                    };
                    if !hit {
                        continue;
                    }
                    self.orders[k].stop = None;
                    order.stop = None;
                }
                let price = if let Some(limit) = order.limit {
                    let hit = if order.is_long() {
                        p.low <= limit
                    } else {
                        p.high >= limit
                    };
                    let before_stop = hit
                        && if order.is_long() {
                            limit <= stop_price.unwrap_or(f64::NEG_INFINITY)
                        } else {
                            limit >= stop_price.unwrap_or(f64::INFINITY)
                        };
                    if !hit || before_stop {
                        continue;
                    }
                    if order.is_long() {
                        stop_price.unwrap_or(p.open).min(limit)
                    } else {
                        stop_price.unwrap_or(p.open).max(limit)
                    }
                } else {
                    let base = if trade_on_close && !order.is_contingent() {
                        p.prev_close
                    } else {
                        p.open
                    };
                    match stop_price {
                        Some(sp) if order.is_long() => base.max(sp),
                        Some(sp) => base.min(sp),
                        None => base,
                    }
                };
                let is_market = order.limit.is_none() && stop_price.is_none();
                let time_index = if is_market && trade_on_close && !order.is_contingent() {
                    p.i.saturating_sub(1)
                } else {
                    p.i
                };

                if let Some(tid) = order.parent {
                    if let Some(tk) = self.trade_pos(tid) {
                        let prev = self.trades[tk].size as f64;
                        let size = copysign_i(prev.abs().min(order.size.abs()), order.size);
                        let reason = match order.kind {
                            Kind::StopLoss => ExitReason::StopLoss,
                            Kind::TakeProfit => ExitReason::TakeProfit,
                            Kind::Close(r) => r,
                            Kind::Entry => ExitReason::Signal,
                        };
                        self.reduce_trade(tk, price, size as i64, time_index, reason);
                    }
                    // A bracket order was removed with its trade; a close order is done.
                    self.remove_order(oid);
                    continue;
                }

                // A stand-alone (entry) order.
                let cfg = self.cfg;
                let adjusted = price * (1.0 + copysign_i(cfg.spread, order.size));
                let apc = adjusted + cfg.commission.cost(order.size, price) / order.size.abs();
                let mut size = order.size;
                if -1.0 < size && size < 1.0 {
                    let units = py_floordiv(
                        self.margin_available(p.close) * self.leverage * size.abs(),
                        apc,
                    )
                    .trunc()
                    .min(MAX_UNITS);
                    size = copysign_i(units, size);
                    if size == 0.0 {
                        self.reject_for_margin(oid, p.i, p.close);
                        continue;
                    }
                }
                // In range: |size| ≤ MAX_UNITS, far below 2^63.
                let mut need = size as i64;
                if !cfg.hedging {
                    let ids: Vec<u64> = self.trades.iter().map(|t| t.id).collect();
                    for tid in ids {
                        let Some(tk) = self.trade_pos(tid) else {
                            continue;
                        };
                        let t_size = self.trades[tk].size;
                        if (t_size > 0) == order.is_long() {
                            continue;
                        }
                        if need.abs() >= t_size.abs() {
                            self.close_trade(tk, price, time_index, ExitReason::Signal);
                            need += t_size;
                        } else {
                            self.reduce_trade(tk, price, need, time_index, ExitReason::Signal);
                            need = 0;
                        }
                        if need == 0 {
                            break;
                        }
                    }
                }
                if need.abs() as f64 * apc > self.margin_available(p.close) * self.leverage {
                    self.reject_for_margin(oid, p.i, p.close);
                    continue;
                }
                if need != 0 {
                    self.open_trade(adjusted, need, order.sl, order.tp, time_index);
                    if (order.sl.is_some() || order.tp.is_some()) && is_market {
                        reprocess = true;
                    }
                }
                self.remove_order(oid);
            }
            self.queue = queue;
            if !reprocess {
                break;
            }
        }
    }

    fn reduce_trade(
        &mut self,
        k: usize,
        price: f64,
        size: i64,
        time_index: usize,
        reason: ExitReason,
    ) {
        let left = self.trades[k].size + size;
        if left == 0 {
            self.close_trade(k, price, time_index, reason);
            return;
        }
        let t = &mut self.trades[k];
        t.size = left;
        let (sl_id, tp_id) = (t.sl_order, t.tp_order);
        let copy = LiveTrade {
            id: 0,
            size: -size,
            sl_order: None,
            tp_order: None,
            sl: None,
            tp: None,
            ..t.clone()
        };
        for oid in [sl_id, tp_id].into_iter().flatten() {
            if let Some(o) = self.orders.iter_mut().find(|o| o.id == oid) {
                o.size = -(left as f64);
            }
        }
        let id = self.id();
        self.trades.push(LiveTrade { id, ..copy });
        let last = self.trades.len() - 1;
        self.close_trade(last, price, time_index, reason);
    }

    fn close_trade(&mut self, k: usize, price: f64, time_index: usize, reason: ExitReason) {
        let t = self.trades.remove(k);
        for oid in [t.sl_order, t.tp_order].into_iter().flatten() {
            self.remove_order(oid);
        }
        let commission = self.cfg.commission.cost(t.size as f64, price);
        let pl = t.size as f64 * (price - t.entry_price);
        self.cash += pl - commission;
        let open_commission = self.cfg.commission.cost(t.size as f64, t.entry_price);
        self.closed.push(ClosedTrade {
            size: t.size,
            entry_bar: t.entry_bar,
            exit_bar: time_index,
            entry_price: t.entry_price,
            exit_price: price,
            sl: t.sl,
            tp: t.tp,
            commission: commission + open_commission,
            reason,
        });
    }

    fn open_trade(
        &mut self,
        price: f64,
        size: i64,
        sl: Option<f64>,
        tp: Option<f64>,
        time_index: usize,
    ) {
        let id = self.id();
        self.cash -= self.cfg.commission.cost(size as f64, price);
        let mut trade = LiveTrade {
            id,
            size,
            entry_price: price,
            entry_bar: time_index,
            sl_order: None,
            tp_order: None,
            sl,
            tp,
        };
        if let Some(tp) = tp {
            let oid = self.id();
            self.orders.push(Order {
                id: oid,
                size: -(size as f64),
                stop: None,
                limit: Some(tp),
                sl: None,
                tp: None,
                parent: Some(id),
                kind: Kind::TakeProfit,
            });
            trade.tp_order = Some(oid);
        }
        if let Some(sl) = sl {
            let oid = self.id();
            self.orders.insert(
                0,
                Order {
                    id: oid,
                    size: -(size as f64),
                    stop: Some(sl),
                    limit: None,
                    sl: None,
                    tp: None,
                    parent: Some(id),
                    kind: Kind::StopLoss,
                },
            );
            trade.sl_order = Some(oid);
        }
        self.trades.push(trade);
    }

    /// Applies one bar's signal under the configured [`super::SignalMode`].
    pub(crate) fn on_signal(
        &mut self,
        action: Action,
        close: f64,
        bar: usize,
    ) -> Result<(), BacktestError> {
        use super::config::SignalMode;
        let pos = self.position();
        match (self.cfg.signal_mode, action) {
            (_, Action::Hold) => Ok(()),
            (SignalMode::Orders, a) => self.place_entry(a == Action::Buy, close, bar),
            (SignalMode::Position, Action::Buy) if pos <= 0 => self.place_entry(true, close, bar),
            (SignalMode::Position, Action::Sell) if pos >= 0 => self.place_entry(false, close, bar),
            (SignalMode::LongOnly, Action::Buy) if pos == 0 => self.place_entry(true, close, bar),
            (SignalMode::LongOnly, Action::Sell) if pos > 0 => {
                self.close_all(ExitReason::Signal);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::py_floordiv;

    #[test]
    fn floordiv_matches_python() {
        // Values checked with CPython 3.11: `9999.999999999998 // 100.2004` == 99.0,
        // `-7.0 // 2.0` == -4.0, `7.5 // -2.0` == -4.0, `0.3 // 0.1` == 2.0.
        assert_eq!(py_floordiv(9999.999999999998, 100.2004), 99.0);
        assert_eq!(py_floordiv(-7.0, 2.0), -4.0);
        assert_eq!(py_floordiv(7.5, -2.0), -4.0);
        assert_eq!(py_floordiv(0.3, 0.1), 2.0);
        assert_eq!(py_floordiv(6.0, 3.0), 2.0);
    }
}
