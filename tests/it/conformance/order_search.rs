//! Order search against statsmodels 0.15 full (p, q) ≤ 3 AIC grids
//! (`tests/data/conformance/arima_order_search/`, from `../shared/conformance/`): every cell's
//! AIC/AICc/BIC within CONVENTIONS.md §8 of the polished statsmodels value (our llf within 1e-5
//! of `polished_llf`, never below statsmodels' own fit by more than 1e-6), and the same argmin
//! whenever `aic_gap_best_to_second` > 1e-3.
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use stratos::strategies::arima::order_search::{OrderSearch, search};
use stratos::strategies::arima::{ArimaOrder, Criterion};

fn cases() -> Vec<(String, Value)> {
    let out = super::cases("arima_order_search", &[]);
    assert!(out.len() >= 2, "order-search cases missing");
    out
}

fn order(v: &Value) -> ArimaOrder {
    let o: Vec<usize> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    ArimaOrder::new(o[0], o[1], o[2])
}

#[test]
fn aic_grids_match_statsmodels() {
    for (name, case) in cases() {
        let y: Vec<f64> = case["input"]["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let p = &case["params_in"];
        let config = OrderSearch {
            max_p: p["p_max"].as_u64().unwrap() as usize,
            max_q: p["q_max"].as_u64().unwrap() as usize,
            d: Some(p["d"].as_u64().unwrap() as usize),
            criterion: Criterion::Aic,
            max_d: 2,
            seasonal: None,
        };
        let found = search(&y, &config).unwrap();
        let grid = case["grid"].as_array().unwrap();
        assert_eq!(found.cells.len(), grid.len(), "{name}: grid size");
        for (cell, want) in found.cells.iter().zip(grid) {
            let o = order(&want["order"]);
            assert_eq!(cell.order, o, "{name}: cell order");
            let polished = want["polished_llf"].as_f64().unwrap();
            let sm = want["llf"].as_f64().unwrap();
            assert!(
                // The multi-start fit may find a higher optimum than the polished one.
                cell.llf >= polished - 1e-5 && cell.llf >= sm - 1e-6,
                "{name} {o:?}: llf {} vs polished {polished} (statsmodels fit {sm}){}",
                cell.llf,
                cell.error
                    .as_deref()
                    .map_or(String::new(), |e| format!("; fit failed: {e}"))
            );
            for (ours, key) in [
                (cell.aic, "polished_aic"),
                (cell.aicc, "polished_aicc"),
                (cell.bic, "polished_bic"),
            ] {
                let w = want[key].as_f64().unwrap();
                // Never worse than statsmodels' polished optimum (lower when the
                // multi-start fit finds a higher likelihood).
                assert!(ours <= w + 2e-5, "{name} {o:?}: {key} {ours} vs {w}");
            }
        }
        let gap = case["aic_gap_best_to_second"].as_f64().unwrap();
        if gap > 1e-3 {
            assert_eq!(
                found.best.order(),
                order(&case["best_order_by_aic"]),
                "{name}: best order"
            );
        }
    }
}
