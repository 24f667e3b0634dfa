use super::*;

#[test]
fn ar1_stationary_variance() {
    let sys = ArmaSs::new(&[0.5_f64], &[], 2.0);
    let p = sys.stationary_cov::<MAX_R>().unwrap();
    assert!((p[0][0] - 2.0 / 0.75).abs() < 1e-14);
}

#[test]
fn arma_stationary_cov_solves_lyapunov() {
    let sys = ArmaSs::new(&[0.6_f64, -0.25], &[0.4, 0.2], 1.3);
    let p = sys.stationary_cov::<MAX_R>().unwrap();
    let r = sys.r;
    // Check P = T P T' + σ² R R'.
    for i in 0..r {
        for j in 0..r {
            let tpt = {
                let mut s = 0.0;
                for k in 0..r {
                    for l in 0..r {
                        let tik = if k == 0 {
                            sys.phi[i]
                        } else if k == i + 1 {
                            1.0
                        } else {
                            0.0
                        };
                        let tjl = if l == 0 {
                            sys.phi[j]
                        } else if l == j + 1 {
                            1.0
                        } else {
                            0.0
                        };
                        s += tik * tjl * p[k][l];
                    }
                }
                s
            };
            let rhs = tpt + sys.rv[i] * sys.rv[j] * 1.3;
            assert!((p[i][j] - rhs).abs() < 1e-12, "{i},{j}");
        }
    }
    let ma = ArmaSs::new(&[], &[0.4_f64, 0.2], 1.0);
    let p = ma.stationary_cov::<MAX_R>().unwrap();
    assert!((p[0][0] - (1.0 + 0.16 + 0.04)).abs() < 1e-14);
    assert_eq!(
        ArmaSs::new(&[1.0_f64], &[], 1.0)
            .stationary_cov::<MAX_R>()
            .unwrap_err(),
        FilterError::NotStationary
    );
}

#[test]
fn difference_of_order_two() {
    assert_eq!(difference(&[1.0, 4.0, 9.0, 16.0], 2), vec![2.0, 2.0]);
    assert!(difference(&[1.0], 1).is_empty());
}

/// The dense transition of the full state, column by column from `e_j`.
fn dense_t(integ: &Integration, sys: &ArmaSs<f64>, m: usize) -> Vec<Vec<f64>> {
    let mut t = vec![vec![0.0; m]; m];
    let mut e = vec![0.0; m];
    let mut out = vec![0.0; m];
    for j in 0..m {
        e.fill(0.0);
        e[j] = 1.0;
        apply_t(&e, integ, sys, &[true; MAX_SR], &mut out);
        for i in 0..m {
            t[i][j] = out[i];
        }
    }
    t
}

#[test]
fn full_prediction_is_the_dense_t_p_t_plus_q() {
    // (1,1,1)(1,1,1,4): integration states d + s·D = 5, ARMA r = max(1 + 4, 1 + 4 + 1) = 6,
    // with AR coefficients at lags 1, 4 and 5 only (the others identically zero).
    let integ = Integration { d: 1, sd: 1, s: 4 };
    let sys = ArmaSs::new(
        &[0.5, 0.0, 0.0, -0.3, 0.15],
        &[0.4, 0.0, 0.0, 0.2, 0.08],
        1.7,
    );
    let mut full = FullSystem::new(integ, &sys);
    let m = full.m();
    assert_eq!(m, 11);
    // A symmetric positive definite P (B B' + I) and a state.
    let b: Vec<Vec<f64>> = (0..m)
        .map(|i| {
            (0..m)
                .map(|j| ((i * 7 + j * 3) % 11) as f64 / 11.0 - 0.4)
                .collect()
        })
        .collect();
    let mut p: Vec<f64> = (0..m * m)
        .map(|ij| {
            let (i, j) = (ij / m, ij % m);
            (0..m).map(|l| b[i][l] * b[j][l]).sum::<f64>() + f64::from(u8::from(i == j))
        })
        .collect();
    let mut a: Vec<f64> = (0..m).map(|i| i as f64 - 3.0).collect();
    let t = dense_t(&integ, &sys, m);
    let want_a: Vec<f64> = (0..m)
        .map(|i| (0..m).map(|j| t[i][j] * a[j]).sum())
        .collect();
    let mut want_p = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            let mut v = 0.0;
            for k in 0..m {
                for l in 0..m {
                    v += t[i][k] * p[k * m + l] * t[j][l];
                }
            }
            if i >= 5 && j >= 5 {
                v += sys.rv[i - 5] * sys.rv[j - 5] * 1.7;
            }
            want_p[i * m + j] = v;
        }
    }
    full.predict(&mut a, &mut p);
    for i in 0..m {
        assert!((a[i] - want_a[i]).abs() < 1e-12, "a[{i}]");
        for j in 0..m {
            let (got, want) = (p[i * m + j], want_p[i * m + j]);
            assert!(
                (got - want).abs() < 1e-12 * want.abs().max(1.0),
                "P[{i}][{j}]"
            );
        }
    }
}
