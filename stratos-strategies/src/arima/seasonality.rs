//! Seasonality detection (the seed's `seasonalityDetection`): the period from the
//! autocorrelation function, checked against the periodogram, and a seasonal-strength test.
//!
//! ```text
//! x        = Δy − mean(Δy)                       (differencing removes a trend or a unit root)
//! r_k      = Σ_t x_t x_{t+k} / Σ_t x_t²          (sample ACF, k = 2..=K, K = min(n/2, 1000))
//! period s = the lag of the largest local maximum of r_k (r_k ≥ r_{k−1}, r_k ≥ r_{k+1})
//!            with r_k > 1.96/√n (the white-noise band); the smallest such lag whose r_k is
//!            within 10 % of the largest wins, so s rather than 2s, 3s
//! periodogram: I(f_j) = |Σ_t x_t e^{−2πi j t/n}|² / n at f_j = j/n; `periodogramPeriod` is
//!            n / j* at the largest ordinate, `harmonic` says whether j*·s/n is within 0.1 of
//!            a whole number (the peak is s or one of its harmonics)
//! strength F_s (classical decomposition of y with period s): trend = the centred 2×s moving
//!            average (an s moving average for odd s), z = y − trend, seasonal = the phase
//!            means of z centred to sum 0, remainder = z − seasonal,
//!            F_s = max(0, 1 − Var(remainder) / Var(z))   (Wang, Smith & Hyndman 2006)
//! seasonal = s found and F_s ≥ 0.64 (the threshold of R's `nsdiffs(test = "seas")`, which
//!            also takes D = 1 for such a series)
//! ```

use serde::{Deserialize, Serialize};

/// Strength at or above which a series counts as seasonal (and gets D = 1).
pub const STRENGTH_THRESHOLD: f64 = 0.64;

/// What the detection found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seasonality {
    /// The detected period (the ACF's lag), if any.
    pub period: Option<usize>,
    /// `r_s`, the autocorrelation of the differenced series at the period.
    #[serde(rename = "acfAtPeriod")]
    pub acf_at_period: Option<f64>,
    /// The period of the periodogram's largest ordinate (`n / j*`).
    #[serde(rename = "periodogramPeriod")]
    pub periodogram_period: Option<f64>,
    /// Whether the periodogram's peak is the period or one of its harmonics.
    pub harmonic: bool,
    /// Seasonal strength `F_s` in [0, 1] (0 when no period was found).
    pub strength: f64,
    /// `period` found and `strength ≥ 0.64`.
    pub seasonal: bool,
}

/// Detects the seasonal period of `y` (see the module docs). Short or constant series give
/// "not seasonal".
pub fn detect(y: &[f64]) -> Seasonality {
    let none = Seasonality {
        period: None,
        acf_at_period: None,
        periodogram_period: None,
        harmonic: false,
        strength: 0.0,
        seasonal: false,
    };
    if y.len() < 8 || y.iter().any(|v| !v.is_finite()) {
        return none;
    }
    let dy: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
    let n = dy.len();
    let mean = dy.iter().sum::<f64>() / n as f64;
    let x: Vec<f64> = dy.iter().map(|v| v - mean).collect();
    let c0: f64 = x.iter().map(|v| v * v).sum();
    if !(c0 > 0.0 && c0.is_finite()) {
        return none;
    }
    let max_lag = (n / 2).min(1000);
    let acf: Vec<f64> = (0..=max_lag + 1)
        .map(|k| {
            if k >= n {
                0.0
            } else {
                x.iter().zip(&x[k..]).map(|(a, b)| a * b).sum::<f64>() / c0
            }
        })
        .collect();
    let band = 1.96 / (n as f64).sqrt();
    let peaks: Vec<usize> = (2..=max_lag)
        .filter(|&k| acf[k] >= acf[k - 1] && acf[k] >= acf[k + 1] && acf[k] > band)
        .collect();
    let best = peaks
        .iter()
        .map(|&k| acf[k])
        .fold(f64::NEG_INFINITY, f64::max);
    let period = peaks.iter().copied().find(|&k| acf[k] >= 0.9 * best);
    let periodogram_period = periodogram_peak(&x).map(|j| n as f64 / j as f64);
    let Some(s) = period else {
        return Seasonality {
            periodogram_period,
            ..none
        };
    };
    let harmonic = periodogram_period.is_some_and(|p| {
        let ratio = s as f64 / p;
        (ratio - ratio.round()).abs() <= 0.1 && ratio.round() >= 1.0
    });
    let strength = strength(y, s);
    Seasonality {
        period: Some(s),
        acf_at_period: Some(acf[s]),
        periodogram_period,
        harmonic,
        strength,
        seasonal: strength >= STRENGTH_THRESHOLD,
    }
}

/// The index j ≥ 1 of the largest periodogram ordinate of `x` (a direct DFT at the Fourier
/// frequencies j/n, j = 1..=n/2; O(n²), capped at the first 4096 values' worth of work).
fn periodogram_peak(x: &[f64]) -> Option<usize> {
    let x = &x[x.len().saturating_sub(4096)..];
    let n = x.len();
    let mut best: Option<(f64, usize)> = None;
    for j in 1..=n / 2 {
        let w = 2.0 * std::f64::consts::PI * j as f64 / n as f64;
        let (mut re, mut im) = (0.0, 0.0);
        for (t, v) in x.iter().enumerate() {
            let a = w * t as f64;
            re += v * a.cos();
            im -= v * a.sin();
        }
        let power = (re * re + im * im) / n as f64;
        if best.is_none_or(|(b, _)| power > b) {
            best = Some((power, j));
        }
    }
    best.map(|(_, j)| j)
}

/// Seasonal strength `F_s` of `y` at period `s` by a classical decomposition (module docs);
/// 0 when the series is shorter than two periods.
pub fn strength(y: &[f64], s: usize) -> f64 {
    let n = y.len();
    if s < 2 || n < 2 * s + 1 {
        return 0.0;
    }
    // Centred moving average: 2×s for even s, s for odd s.
    let half = s / 2;
    let mut z: Vec<(usize, f64)> = Vec::with_capacity(n);
    for t in half..n - half {
        let trend = if s.is_multiple_of(2) {
            let inner: f64 = y[t + 1 - half..t + half].iter().sum();
            (inner + 0.5 * (y[t - half] + y[t + half])) / s as f64
        } else {
            y[t - half..=t + half].iter().sum::<f64>() / s as f64
        };
        z.push((t, y[t] - trend));
    }
    let mut sums = vec![0.0; s];
    let mut counts = vec![0usize; s];
    for &(t, v) in &z {
        sums[t % s] += v;
        counts[t % s] += 1;
    }
    let means: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(a, &c)| if c > 0 { a / c as f64 } else { 0.0 })
        .collect();
    let centre = means.iter().sum::<f64>() / s as f64;
    let var = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64
    };
    let zs: Vec<f64> = z.iter().map(|&(_, v)| v).collect();
    let rem: Vec<f64> = z
        .iter()
        .map(|&(t, v)| v - (means[t % s] - centre))
        .collect();
    let vz = var(&zs);
    if !(vz > 0.0 && vz.is_finite()) {
        return 0.0;
    }
    (1.0 - var(&rem) / vz).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Box & Jenkins' airline passengers (1949–1960), also in the SARIMA reference cases.
    const AIRLINE: [f64; 144] = [
        112., 118., 132., 129., 121., 135., 148., 148., 136., 119., 104., 118., 115., 126., 141.,
        135., 125., 149., 170., 170., 158., 133., 114., 140., 145., 150., 178., 163., 172., 178.,
        199., 199., 184., 162., 146., 166., 171., 180., 193., 181., 183., 218., 230., 242., 209.,
        191., 172., 194., 196., 196., 236., 235., 229., 243., 264., 272., 237., 211., 180., 201.,
        204., 188., 235., 227., 234., 264., 302., 293., 259., 229., 203., 229., 242., 233., 267.,
        269., 270., 315., 364., 347., 312., 274., 237., 278., 284., 277., 317., 313., 318., 374.,
        413., 405., 355., 306., 271., 306., 315., 301., 356., 348., 355., 422., 465., 467., 404.,
        347., 305., 336., 340., 318., 362., 348., 363., 435., 491., 505., 404., 359., 310., 337.,
        360., 342., 406., 396., 420., 472., 548., 559., 463., 407., 362., 405., 417., 391., 419.,
        461., 472., 535., 622., 606., 508., 461., 390., 432.,
    ];

    #[test]
    fn airline_is_monthly_seasonal() {
        let s = detect(&AIRLINE);
        assert_eq!(s.period, Some(12), "{s:?}");
        assert!(s.seasonal && s.strength > 0.7, "{s:?}");
        assert!(s.harmonic, "{s:?}");
    }

    #[test]
    fn noise_and_short_series_are_not_seasonal() {
        // A deterministic pseudo-random walk.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut level = 0.0;
        let y: Vec<f64> = (0..300)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                level += (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                level
            })
            .collect();
        assert!(!detect(&y).seasonal, "{:?}", detect(&y));
        assert_eq!(detect(&[1.0, 2.0, 3.0]).period, None);
        assert_eq!(detect(&[5.0; 50]).period, None);
        assert_eq!(strength(&[1.0; 10], 12), 0.0);
    }

    #[test]
    fn a_pure_weekly_pattern_is_found() {
        let pattern = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0];
        let y: Vec<f64> = (0..140).map(|t| pattern[t % 7] + 0.01 * t as f64).collect();
        let s = detect(&y);
        assert_eq!(s.period, Some(7), "{s:?}");
        assert!(s.seasonal && s.strength > 0.99, "{s:?}");
    }
}
