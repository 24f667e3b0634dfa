//! SMA against pandas bit for bit: every `Close.rolling(n).mean()` for n in 2..=50 on
//! backtesting.py's EURUSD (hourly, 5,000 bars) and GOOG (daily, 2,148 bars) samples, as an
//! FNV-1a hash over the IEEE-754 bits of every value, plus every exact tie between two of
//! the averages (the bars where a crossover is decided by the last bit). Reference data and
//! the generator in `tests/data/conformance/sma_pandas/` (pandas 3.1.1).
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;
use stratos::strategies::moving_average::Sma;

fn dir() -> PathBuf {
    super::dir("sma_pandas")
}

fn fnv(values: &[f64]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        let bits = if v.is_nan() {
            0x7ff8_0000_0000_0000
        } else {
            v.to_bits()
        };
        h ^= bits;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn sma(close: &[f64], n: usize) -> Vec<f64> {
    let mut k = Sma::new(n);
    close.iter().map(|&x| k.push(x)).collect()
}

#[test]
fn sma_equals_pandas_rolling_mean_bit_for_bit() {
    let reference: Value = super::case("sma_pandas/sma_pandas.json");
    for (name, case) in reference["series"].as_object().unwrap() {
        let text = std::fs::read_to_string(dir().join(case["file"].as_str().unwrap())).unwrap();
        let close: Vec<f64> = text
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(close.len() as u64, case["rows"].as_u64().unwrap());
        let means: Vec<Vec<f64>> = (0..=50).map(|n| sma(&close, n.max(1))).collect();
        let mut mismatched = Vec::new();
        for n in 2..=50usize {
            let want = case["fnv"][n.to_string()].as_str().unwrap();
            if fnv(&means[n]) != want {
                mismatched.push(n);
            }
        }
        assert!(
            mismatched.is_empty(),
            "{name}: SMA(n) differs from pandas for n in {mismatched:?}"
        );
        // Every exact tie in pandas is a tie here, and there are no others.
        let want_ties: Vec<(usize, usize, usize)> = case["ties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let t = t.as_array().unwrap();
                let u = |i: usize| t[i].as_u64().unwrap() as usize;
                (u(0), u(1), u(2))
            })
            .collect();
        let mut got_ties = Vec::new();
        for a in 2..=50usize {
            for b in a + 1..=50 {
                for (i, (x, y)) in means[a].iter().zip(&means[b]).enumerate() {
                    if x == y {
                        got_ties.push((a, b, i));
                    }
                }
            }
        }
        assert_eq!(got_ties, want_ties, "{name}: exact ties");
    }
}
