//! The differencing part of the state: regular and seasonal integration states.

/// The integration (differencing) part of the state: d regular and D seasonal differences
/// of period s, statsmodels' layout `[Δ^0..Δ^{d-1} y_{t-1} (d states), D blocks of s states
/// (block j holds Δ^d Δ_s^j y_{t-1}, …, Δ^d Δ_s^j y_{t-s}), ARMA (r states)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Integration {
    /// Regular differences d.
    pub(crate) d: usize,
    /// Seasonal differences D.
    pub(crate) sd: usize,
    /// Seasonal period s (unused when D = 0).
    pub(crate) s: usize,
}

impl Integration {
    /// Number of integration states, `d + s·D` (statsmodels' `loglikelihood_burn`).
    pub(crate) const fn k(&self) -> usize {
        self.d + self.s * self.sd
    }

    /// Index of the last state of seasonal block j.
    pub(super) const fn last(&self, j: usize) -> usize {
        self.d + j * self.s + self.s - 1
    }

    /// The state indexes the design row `Z` selects: the regular states, the last of each
    /// seasonal block, and the first ARMA state.
    pub(crate) fn design(&self) -> Vec<usize> {
        let mut z: Vec<usize> = (0..self.d).collect();
        z.extend((0..self.sd).map(|j| self.last(j)));
        z.push(self.k());
        z
    }

    /// `(1 − L)^d (1 − L^s)^D y` (empty when `y` has at most `d + s·D` values), seasonal
    /// differences first as statsmodels' `diff`.
    pub(crate) fn difference(&self, y: &[f64]) -> Vec<f64> {
        let mut w = y.to_vec();
        for _ in 0..self.sd {
            if w.len() <= self.s {
                return Vec::new();
            }
            w = w[self.s..].iter().zip(&w).map(|(a, b)| a - b).collect();
        }
        difference(&w, self.d)
    }

    /// The integration states at time n (after all of `y`): `Δ^i y_{n-1}` for i < d, then
    /// block j's `Δ^d Δ_s^j y_{n-1-i}` for i < s. Needs `y.len() ≥ d + s·D`.
    pub(crate) fn states_after(&self, y: &[f64]) -> Vec<f64> {
        let n = y.len();
        let mut out: Vec<f64> = (0..self.d)
            .map(|i| {
                let tail = &y[n.saturating_sub(1 + i)..];
                difference(tail, i).first().copied().unwrap_or(0.0)
            })
            .collect();
        let mut z = difference(y, self.d);
        for _ in 0..self.sd {
            let m = z.len();
            out.extend((0..self.s).map(|i| {
                m.checked_sub(1 + i)
                    .and_then(|k| z.get(k))
                    .copied()
                    .unwrap_or(0.0)
            }));
            if m <= self.s {
                z = Vec::new();
            } else {
                z = z[self.s..].iter().zip(&z).map(|(a, b)| a - b).collect();
            }
        }
        out
    }
}

/// `Δ^d y` (empty when `y` has at most d values).
pub(crate) fn difference(y: &[f64], d: usize) -> Vec<f64> {
    let mut w = y.to_vec();
    for _ in 0..d {
        if w.len() <= 1 {
            return Vec::new();
        }
        w = w.windows(2).map(|p| p[1] - p[0]).collect();
    }
    w
}
