//! What a backtest is run with: cash, costs, the fill rule, sizing, brackets and how signals
//! become orders. Defaults are backtesting.py 0.6.6's `Backtest(...)` defaults.

use serde::{Deserialize, Serialize};

use super::error::BacktestError;

/// backtesting.py's default order size: the fraction `1 − 2.22e-16` (`1 − sys.float_info.epsilon`)
/// of available equity.
pub const FULL_EQUITY: f64 = 1.0 - f64::EPSILON;

/// Commission charged on every fill, at entry and again at exit:
/// `fixed + relative · |size| · price`, taken from cash (never folded into the fill price).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Commission {
    /// Cash per fill. Defaults to 0. Must be finite and ≥ 0.
    pub fixed: f64,
    /// Fraction of the traded value. Defaults to 0. backtesting.py's range: −0.1 ≤ c < 0.1
    /// (negative: a market maker's rebate).
    pub relative: f64,
}

impl Default for Commission {
    fn default() -> Self {
        Commission {
            fixed: 0.0,
            relative: 0.0,
        }
    }
}

impl Commission {
    /// A relative commission only (backtesting.py's `commission=c`).
    pub fn relative(c: f64) -> Self {
        Commission {
            fixed: 0.0,
            relative: c,
        }
    }

    /// The cost of trading `size` units at `price`: `fixed + relative·|size|·price`.
    pub fn cost(&self, size: f64, price: f64) -> f64 {
        self.fixed + size.abs() * price * self.relative
    }
}

/// When a market order placed on bar t's signal fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fill {
    /// At bar t+1's open; entry/exit bar t+1 (backtesting.py's default). The default.
    #[default]
    NextOpen,
    /// At bar t's own close; entry/exit bar t (backtesting.py's `trade_on_close=True`).
    /// Stop-loss and take-profit orders still fill from the next bar on.
    ThisClose,
}

/// How many units an order asks for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderSize {
    /// A fraction in (0, 1) of available margin, turned into whole units when the order
    /// fills: `units = int(margin_available·leverage·f // (price·(1±spread) + commission/f))`
    /// (Python's float floor division, as backtesting.py), at most 10^15. Zero units cancel
    /// the order with a [`super::Warning::InsufficientMargin`].
    EquityFraction(f64),
    /// A fixed whole number of units in 1..=10^15. An order the available margin cannot pay
    /// for is cancelled with a [`super::Warning::InsufficientMargin`].
    Units(u64),
}

impl Default for OrderSize {
    fn default() -> Self {
        OrderSize::EquityFraction(FULL_EQUITY)
    }
}

/// A stop-loss or take-profit level attached to every trade a signal opens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bracket {
    /// A distance from the signal bar's close `C`, as a fraction: for a long trade the
    /// stop-loss is `C·(1−f)` and the take-profit `C·(1+f)`; for a short trade the mirror
    /// images. This is exactly `buy(sl=Close[-1]*(1-f), tp=Close[-1]*(1+f))` in backtesting.py.
    Fraction(f64),
    /// A fixed price level.
    Price(f64),
}

impl Bracket {
    /// The price level for an order placed when the close is `close`; `long` is the trade's
    /// direction and `loss` selects stop-loss (true) or take-profit (false).
    pub fn level(self, close: f64, long: bool, loss: bool) -> f64 {
        match self {
            Bracket::Price(p) => p,
            Bracket::Fraction(f) => {
                // Long: loss below, profit above; short: the reverse.
                let below = long == loss;
                if below {
                    close * (1.0 - f)
                } else {
                    close * (1.0 + f)
                }
            }
        }
    }
}

/// Reads a bracket as written on a command line: `2%` (or `2 %`) is [`Bracket::Fraction`]`(0.02)`,
/// a bare number such as `95.5` is [`Bracket::Price`]`(95.5)`, as backtesting.py's `sl=`/`tp=`
/// take a price.
///
/// ```
/// use stratos_eval::backtest::Bracket;
/// assert_eq!("2%".parse::<Bracket>(), Ok(Bracket::Fraction(0.02)));
/// assert_eq!("95.5".parse::<Bracket>(), Ok(Bracket::Price(95.5)));
/// assert!("-3%".parse::<Bracket>().is_err());
/// ```
impl std::str::FromStr for Bracket {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let (body, percent) = match t.strip_suffix('%') {
            Some(b) => (b.trim_end(), true),
            None => (t, false),
        };
        let v: f64 = body
            .parse()
            .map_err(|_| format!("`{s}` is neither a percentage (`2%`) nor a price (`95.5`)"))?;
        if percent {
            if v > 0.0 && v < 100.0 {
                Ok(Bracket::Fraction(v / 100.0))
            } else {
                Err(format!(
                    "`{s}`: a percentage distance must be above 0% and below 100%"
                ))
            }
        } else if v.is_finite() && v > 0.0 {
            Ok(Bracket::Price(v))
        } else {
            Err(format!(
                "`{s}`: a price level must be a finite number above 0"
            ))
        }
    }
}

/// How per-bar signals become orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalMode {
    /// Every BUY places a buy market order and every SELL a sell (short) market order, as a
    /// backtesting.py strategy calling `buy()` / `sell()` in `next()` (the README's SmaCross).
    /// HOLD and no signal do nothing. Use it with event signals such as crossovers. The default.
    #[default]
    Orders,
    /// Signals are target positions: BUY buys only when the position is not already long,
    /// SELL sells only when it is not already short. Use it with state signals such as
    /// price-versus-average, which say BUY on every bar above the average.
    Position,
    /// Long only: BUY buys when the position is flat; SELL closes the open long trades.
    LongOnly,
}

/// What happens to trades still open after the last bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndOfData {
    /// They stay open (backtesting.py's `finalize_trades=False`): marked to the last close in
    /// the equity curve (so in Return, Sharpe and every equity statistic) but left out of the
    /// trade list, `# Trades`, every trade statistic, `Commissions` and `Exposure Time`. They
    /// are reported in [`super::BacktestResult::open_trades`] with a
    /// [`super::Warning::OpenTradesAtEnd`]. The default.
    #[default]
    LeaveOpen,
    /// They are closed on the last bar (backtesting.py's `finalize_trades=True`): a market
    /// close order is placed for each and the broker runs once more on the last bar, so they
    /// fill at the last bar's **open** (with [`Fill::ThisClose`]: the previous bar's close)
    /// and enter every statistic. Orders placed by the last bar's signal are processed in that
    /// same pass.
    CloseOnLastBar,
}

/// A backtest's settings. `Default` gives backtesting.py 0.6.6's defaults: cash 10 000, no
/// commission, no spread, margin 1, next-open fills, `exclusive_orders=False`,
/// `hedging=False`, full-equity orders, no brackets, [`SignalMode::Orders`] and trades left
/// open at the end.
///
/// # Examples
/// ```
/// use stratos_eval::backtest::{BacktestConfig, Commission};
/// // backtesting.py's README example: Backtest(GOOG, SmaCross, commission=.002, exclusive_orders=True)
/// let config = BacktestConfig {
///     commission: Commission::relative(0.002),
///     exclusive_orders: true,
///     ..BacktestConfig::default()
/// };
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BacktestConfig {
    /// Starting cash. Defaults to 10 000. Finite and > 0.
    pub cash: f64,
    /// Commission per fill. Defaults to none.
    pub commission: Commission,
    /// Bid-ask spread as a fraction: a long fills at `price·(1+spread)`, a short at
    /// `price·(1−spread)`; closes fill at the unadjusted price. Defaults to 0. In [0, 1).
    pub spread: f64,
    /// Margin requirement in (0, 1]; leverage is `1/margin`. Defaults to 1 (no leverage).
    pub margin: f64,
    /// The fill rule for market orders. Defaults to [`Fill::NextOpen`].
    pub fill: Fill,
    /// Each new order cancels pending orders and closes every open trade first, so a BUY
    /// after a SELL flips the position at the same price. Defaults to false (backtesting.py's
    /// default; its README example sets it).
    pub exclusive_orders: bool,
    /// Allow long and short trades side by side instead of netting them FIFO. Defaults to
    /// false.
    pub hedging: bool,
    /// Order size. Defaults to [`OrderSize::EquityFraction`]`(`[`FULL_EQUITY`]`)`.
    pub size: OrderSize,
    /// Stop-loss attached to every new trade. Defaults to none.
    pub stop_loss: Option<Bracket>,
    /// Take-profit attached to every new trade. Defaults to none.
    pub take_profit: Option<Bracket>,
    /// How signals become orders. Defaults to [`SignalMode::Orders`].
    pub signal_mode: SignalMode,
    /// Trades still open after the last bar. Defaults to [`EndOfData::LeaveOpen`].
    pub end_of_data: EndOfData,
    /// Annual risk-free rate for Sharpe, Sortino and Alpha, as a fraction in (−1, 1).
    /// Defaults to 0 (backtesting.py's `run()` always passes 0).
    pub risk_free_rate: f64,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        BacktestConfig {
            cash: 10_000.0,
            commission: Commission::default(),
            spread: 0.0,
            margin: 1.0,
            fill: Fill::NextOpen,
            exclusive_orders: false,
            hedging: false,
            size: OrderSize::default(),
            stop_loss: None,
            take_profit: None,
            signal_mode: SignalMode::Orders,
            end_of_data: EndOfData::LeaveOpen,
            risk_free_rate: 0.0,
        }
    }
}

impl BacktestConfig {
    /// Checks every field's range.
    ///
    /// # Errors
    /// [`BacktestError::Config`] naming the first field out of range, its value and the
    /// allowed range.
    pub fn validate(&self) -> Result<(), BacktestError> {
        let finite = |v: f64| v.is_finite();
        if !(finite(self.cash) && self.cash > 0.0) {
            return Err(BacktestError::config(
                "cash",
                self.cash,
                "a finite amount > 0",
            ));
        }
        let c = self.commission;
        if !(finite(c.fixed) && c.fixed >= 0.0) {
            return Err(BacktestError::config(
                "commission.fixed",
                c.fixed,
                "a finite amount ≥ 0",
            ));
        }
        if !(-0.1..0.1).contains(&c.relative) {
            return Err(BacktestError::config(
                "commission.relative",
                c.relative,
                "a fraction in [-0.1, 0.1)",
            ));
        }
        if !(0.0..1.0).contains(&self.spread) {
            return Err(BacktestError::config(
                "spread",
                self.spread,
                "a fraction in [0, 1)",
            ));
        }
        if !(self.margin > 0.0 && self.margin <= 1.0) {
            return Err(BacktestError::config(
                "margin",
                self.margin,
                "a fraction in (0, 1]",
            ));
        }
        match self.size {
            OrderSize::EquityFraction(f) if !(f > 0.0 && f < 1.0) => {
                return Err(BacktestError::config(
                    "size",
                    f,
                    "an equity fraction in (0, 1)",
                ));
            }
            OrderSize::Units(u) if u == 0 || u as f64 > super::broker::MAX_UNITS => {
                return Err(BacktestError::config(
                    "size",
                    u,
                    "a whole number of units in 1..=10^15",
                ));
            }
            _ => {}
        }
        for (name, b) in [
            ("stop_loss", self.stop_loss),
            ("take_profit", self.take_profit),
        ] {
            match b {
                Some(Bracket::Fraction(f)) if !(f > 0.0 && f < 1.0) => {
                    return Err(BacktestError::config(name, f, "a fraction in (0, 1)"));
                }
                Some(Bracket::Price(p)) if !(finite(p) && p > 0.0) => {
                    return Err(BacktestError::config(name, p, "a finite price > 0"));
                }
                _ => {}
            }
        }
        if !(self.risk_free_rate > -1.0 && self.risk_free_rate < 1.0) {
            return Err(BacktestError::config(
                "risk_free_rate",
                self.risk_free_rate,
                "a fraction in (-1, 1)",
            ));
        }
        Ok(())
    }

    /// Leverage, `1 / margin`.
    pub fn leverage(&self) -> f64 {
        1.0 / self.margin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_fields_are_named() {
        let bad = BacktestConfig {
            spread: -0.1,
            ..BacktestConfig::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "backtest config: `spread` = -0.1: expected a fraction in [0, 1)"
        );
        let bad = BacktestConfig {
            size: OrderSize::Units(0),
            ..BacktestConfig::default()
        };
        assert!(bad.validate().is_err());
        let bad = BacktestConfig {
            cash: f64::NAN,
            ..BacktestConfig::default()
        };
        assert!(bad.validate().is_err());
        assert!(BacktestConfig::default().validate().is_ok());
    }

    #[test]
    fn brackets_and_commission() {
        assert_eq!(Bracket::Fraction(0.1).level(100.0, true, true), 90.0);
        assert_eq!(
            Bracket::Fraction(0.1).level(100.0, true, false),
            110.00000000000001
        );
        assert_eq!(
            Bracket::Fraction(0.1).level(100.0, false, true),
            110.00000000000001
        );
        assert_eq!(Bracket::Price(95.0).level(100.0, false, false), 95.0);
        let c = Commission {
            fixed: 1.0,
            relative: 0.01,
        };
        assert_eq!(c.cost(-10.0, 100.0), 11.0);
        let json = serde_json::to_string(&BacktestConfig::default()).unwrap();
        let back: BacktestConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, BacktestConfig::default());
    }
}
