//! The strategy's indicators the chart draws over the price (`--plot`): the two moving
//! averages a `moving_average` crossover trades on, the one average of its price-versus-average
//! form, and the moving-average half of `hybrid_arima_ma`. Computed on the close with the
//! strategy's own kernels, so the lines cross where the trades are.

use stratos_core::{StrategyConfig, StrategyRequest};
use stratos_strategies::hybrid::HybridConfig;
use stratos_strategies::moving_average::{MovingAverage, MovingAverageConfig};

use crate::plot::Overlay;

/// The overlays of `request`'s strategy over `close`; none for a strategy without a moving
/// average, an invalid config (the run reports that), or one that reads another column than
/// the close (its average is not on the price's scale).
pub(crate) fn overlays(request: &StrategyRequest, close: &[f64]) -> Vec<Overlay> {
    let config = match request.strategy_id.as_str() {
        stratos_strategies::moving_average::ID => {
            MovingAverageConfig::from_json(request.config.clone()).ok()
        }
        stratos_strategies::hybrid::ID => HybridConfig::from_json(request.config.clone())
            .ok()
            .filter(|h| reads_close(h.data_field.as_deref()))
            .map(|h| h.ma_config),
        _ => None,
    };
    let Some(config) = config.filter(|c| reads_close(c.data_field.as_deref())) else {
        return Vec::new();
    };
    let periods = match config.crossover() {
        Some((fast, slow)) => vec![fast, slow],
        None => vec![config.period],
    };
    periods
        .into_iter()
        .map(|period| Overlay {
            label: format!("{}({period})", config.kind.label()),
            values: MovingAverage::compute(config.kind, period, config.adjust, close),
        })
        .collect()
}

/// Whether a strategy reading `field` (none: its default, the close) reads the close.
pub(super) fn reads_close(field: Option<&str>) -> bool {
    field.is_none_or(|f| f.eq_ignore_ascii_case("close"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crossover_draws_both_averages_and_others_their_one() {
        let close: Vec<f64> = (0..40).map(|i| 100.0 + f64::from(i % 7)).collect();
        let o = overlays(
            &StrategyRequest::new("moving_average", serde_json::json!({"fast": 3, "slow": 5})),
            &close,
        );
        let labels: Vec<&str> = o.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(labels, ["SMA(3)", "SMA(5)"]);
        assert!(o[1].values[3].is_nan());
        let mean5 = close[..5].iter().sum::<f64>() / 5.0;
        assert!((o[1].values[4] - mean5).abs() < 1e-12);
        let o = overlays(
            &StrategyRequest::new(
                "moving_average",
                serde_json::json!({"period": 8, "kind": "ema"}),
            ),
            &close,
        );
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].label, "EMA(8)");
        let o = overlays(
            &StrategyRequest::new(
                "hybrid_arima_ma",
                serde_json::json!({"maConfig": {"period": 6}}),
            ),
            &close,
        );
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].label, "SMA(6)");
        assert!(
            overlays(
                &StrategyRequest::new("arima_prediction", serde_json::json!({})),
                &close
            )
            .is_empty()
        );
        let on_volume = StrategyRequest::new(
            "moving_average",
            serde_json::json!({"period": 8, "data_field": "volume"}),
        );
        assert!(overlays(&on_volume, &close).is_empty());
    }
}
