//! Small formatting helpers for human messages.

use std::fmt::Write as _;

/// A number for messages: at most `decimals` decimals, trailing zeros trimmed.
pub(crate) fn num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = fixed_fast(x, decimals).unwrap_or_else(|| format!("{x:.decimals$}"));
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".to_owned()
        } else {
            t.to_owned()
        }
    } else {
        s
    }
}

/// Powers of ten that are exact in `f64`, for [`fixed_fast`].
const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// `format!("{x:.decimals$}")` for a finite `x` without the general fixed-precision
/// formatter, or `None` when it cannot be sure to give the same text. `|x| · 10^decimals` is
/// computed in `f64` (one rounding, at most 2⁻¹³ off below 2⁴⁰) and rounded to an integer;
/// the result is the formatter's (which rounds the exact value) unless the product lies within
/// 10⁻³ of a tie, which is then left to the formatter.
fn fixed_fast(x: f64, decimals: usize) -> Option<String> {
    let scale = *POW10.get(decimals)?;
    let y = x.abs() * scale as f64;
    if !y.is_finite() || y >= (1u64 << 40) as f64 {
        return None;
    }
    let floor = y.floor();
    let frac = y - floor;
    if (frac - 0.5).abs() <= 1e-3 {
        return None;
    }
    let n = floor as u64 + u64::from(frac > 0.5);
    let mut s = String::with_capacity(24);
    if x.is_sign_negative() {
        s.push('-');
    }
    // Writing to a `String` cannot fail.
    let _ = write!(s, "{}", n / scale);
    if decimals > 0 {
        let _ = write!(s, ".{:0decimals$}", n % scale);
    }
    Some(s)
}

/// A JSON number, or `null` for NaN and infinities.
pub(crate) fn json_num(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims() {
        assert_eq!(num(150.25, 4), "150.25");
        assert_eq!(num(2.0, 2), "2");
        assert_eq!(num(-0.0001, 2), "0");
        assert_eq!(json_num(f64::NAN), serde_json::Value::Null);
    }

    #[test]
    fn the_fast_path_writes_what_the_formatter_writes() {
        let mut rng = crate::anomaly::SplitMix64::new(7);
        let mut checked = 0;
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            0.125,
            0.00005,
            -0.00005,
            0.75,
            0.99995,
            9.99995,
            1e11,
            -1e11,
            123.456_789,
        ];
        for _ in 0..20_000 {
            let magnitude = 10f64.powi(rng.below(16) as i32 - 6);
            let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
            values.push(sign * rng.next_f64() * magnitude);
            // Values on or next to a tie at some precision.
            let k = rng.below(100_000) as f64 + 0.5;
            let d = rng.below(6) as i32;
            let tie = k / 10f64.powi(d);
            values.extend([tie, tie.next_up(), tie.next_down(), -tie]);
        }
        for &x in &values {
            for decimals in 0..=8 {
                if let Some(fast) = fixed_fast(x, decimals) {
                    assert_eq!(fast, format!("{x:.decimals$}"), "{x:e} at {decimals}");
                    checked += 1;
                }
            }
        }
        assert!(checked > values.len() * 4, "{checked}");
    }
}
