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
