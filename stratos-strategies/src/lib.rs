#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod anomaly;
pub mod arima;
pub mod auto_analysis;
pub mod hybrid;
mod linalg;
pub mod moving_average;
mod number_text;
pub mod trend;
pub mod window;

use stratos_core::Registry;

/// A registry holding every built-in strategy: `moving_average`, `anomaly_detection`,
/// `arima_prediction`, `hybrid_arima_ma`, `trend_analysis`, `window_aggregate` and
/// `auto_analysis` (which runs the others the input's schema suggests).
///
/// Add your own with [`Registry::register_plugin`].
///
/// # Examples
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = stratos_strategies::registry();
/// let strategy = registry.build("moving_average", serde_json::json!({"period": 20}))?;
/// assert_eq!(strategy.id(), "moving_average");
/// # Ok(()) }
/// ```
pub fn registry() -> Registry {
    let mut r = builtins();
    let _ = r.register::<auto_analysis::AutoAnalysisStrategy>();
    r
}

/// Every built-in strategy but `auto_analysis` (what it runs).
pub(crate) fn builtins() -> Registry {
    let mut r = Registry::new();
    // Built-in ids are distinct constants; a clash is impossible, and would only skip one.
    let _ = r.register::<anomaly::AnomalyStrategy>();
    let _ = r.register::<arima::ArimaStrategy>();
    let _ = r.register::<hybrid::HybridStrategy>();
    let _ = r.register::<moving_average::MovingAverageStrategy>();
    let _ = r.register::<trend::TrendStrategy>();
    let _ = r.register::<window::WindowStrategy>();
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn registry_holds_the_builtins() {
        let r = super::registry();
        assert_eq!(
            r.ids().collect::<Vec<_>>(),
            [
                "anomaly_detection",
                "arima_prediction",
                "auto_analysis",
                "hybrid_arima_ma",
                "moving_average",
                "trend_analysis",
                "window_aggregate"
            ]
        );
        let info = r.info("anomaly_detection").unwrap();
        assert!(
            info.keys
                .iter()
                .any(|k| k.name == "window_size" && k.default == 100)
        );
    }
}
