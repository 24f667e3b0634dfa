use super::*;
use crate::arima::model::ArimaOrder;

fn series(n: usize, seed: u64) -> Vec<f64> {
    // ARMA(1,1)-ish deterministic noise.
    let mut s = seed;
    let mut prev = 0.0;
    let mut e_prev = 0.0;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let e = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let v = 0.6 * prev + e + 0.3 * e_prev;
            prev = v;
            e_prev = e;
            v
        })
        .collect()
}

#[test]
fn gradient_matches_central_differences() {
    let y = series(300, 7);
    for order in [
        ArimaOrder::new(2, 0, 1),
        ArimaOrder::new(1, 1, 2),
        ArimaOrder::new(3, 2, 3),
        ArimaOrder::new(0, 1, 1),
        // 3 and 5 parameters: each parameter count up to 6 has its own lane count.
        ArimaOrder::new(1, 1, 1),
        ArimaOrder::new(2, 1, 2),
        // A seasonal pure MA (the airline model's shape; 3 parameters).
        ArimaOrder::new(0, 1, 1).with_seasonal(0, 1, 1, 4),
    ] {
        let model = Arima::new(order);
        let w = order.integration().difference(&y);
        let obj = Objective::new(&model, &y, &w);
        // A generic point, and one with zero AR terms (statsmodels' fallback start, where
        // zero-valued pivot multipliers of the Lyapunov solve still carry derivatives).
        let c0 = usize::from(order.has_constant());
        let generic: Vec<f64> = (0..obj.k()).map(|i| 0.3 - 0.17 * i as f64).collect();
        let mut zero_ar = generic.clone();
        zero_ar[c0..c0 + order.p].iter_mut().for_each(|v| *v = 0.0);
        for x in [generic, zero_ar] {
            let mut g = vec![0.0; x.len()];
            let c = obj.cost_grad(&x, &mut g);
            assert!((c - obj.cost(&x)).abs() < 1e-13 * c.abs().max(1.0));
            for i in 0..x.len() {
                let h = 1e-5;
                let mut xp = x.clone();
                let mut xm = x.clone();
                xp[i] += h;
                xm[i] -= h;
                let fd = (obj.cost(&xp) - obj.cost(&xm)) / (2.0 * h);
                assert!(
                    (fd - g[i]).abs() < 1e-7 * (1.0 + fd.abs()),
                    "{order} param {i} at {x:?}: dual {} vs fd {fd}",
                    g[i]
                );
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
    #[test]
    fn gradient_matches_finite_differences_anywhere(
        seed in 1u64..1000,
        p in 0usize..4,
        d in 0usize..3,
        q in 0usize..4,
        x in proptest::collection::vec(-1.5f64..1.5, 9),
    ) {
        let y = series(120, seed);
        let order = ArimaOrder::new(p, d, q);
        let model = Arima::new(order);
        let w = kalman::difference(&y, d);
        let obj = Objective::new(&model, &y, &w);
        let x = &x[..obj.k()];
        let mut g = vec![0.0; x.len()];
        let c = obj.cost_grad(x, &mut g);
        proptest::prop_assert!(c.is_finite());
        for i in 0..x.len() {
            let h = 1e-5;
            let mut xp = x.to_vec();
            let mut xm = x.to_vec();
            xp[i] += h;
            xm[i] -= h;
            let fd = (obj.cost(&xp) - obj.cost(&xm)) / (2.0 * h);
            proptest::prop_assert!(
                (fd - g[i]).abs() < 1e-6 * (1.0 + fd.abs()),
                "{} param {}: dual {} vs fd {}", order, i, g[i], fd
            );
        }
    }
}

#[test]
fn css_start_recovers_an_ar1() {
    let y = series(2000, 3);
    let model = Arima::new(ArimaOrder::new(1, 0, 0));
    let w = y.clone();
    let obj = Objective::new(&model, &y, &w);
    let s = obj.start();
    assert!(s.ar[0] > 0.5 && s.ar[0] < 0.8, "{:?}", s.ar);
    assert!(s.sigma2 > 0.0);
}
