//! Trading-style signals.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a signal recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// Go long / add.
    Buy,
    /// Go short / reduce.
    Sell,
    /// Do nothing.
    Hold,
}

impl Action {
    /// `BUY`, `SELL` or `HOLD`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Buy => "BUY",
            Action::Sell => "SELL",
            Action::Hold => "HOLD",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recommendation with its strength in [0, 1] and a human reason, in the seed's shape:
/// `{"action": "BUY", "strength": 0.87, "reason": "ARIMA predicts 2.56% price increase"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// BUY, SELL or HOLD.
    pub action: Action,
    /// How strong, in [0, 1].
    pub strength: f64,
    /// Why, in one sentence.
    pub reason: String,
}

impl Signal {
    /// A signal; `strength` is clamped into [0, 1] (NaN becomes 0).
    pub fn new(action: Action, strength: f64, reason: impl Into<String>) -> Self {
        let strength = if strength.is_nan() {
            0.0
        } else {
            strength.clamp(0.0, 1.0)
        };
        Signal {
            action,
            strength,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_shape_is_the_seeds() {
        let s = Signal::new(Action::Buy, 0.87, "ARIMA predicts 2.56% price increase");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"action":"BUY","strength":0.87,"reason":"ARIMA predicts 2.56% price increase"}"#
        );
        assert_eq!(Signal::new(Action::Hold, f64::NAN, "").strength, 0.0);
        assert_eq!(Signal::new(Action::Sell, 3.0, "").strength, 1.0);
    }
}
