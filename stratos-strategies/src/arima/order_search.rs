//! Order search: fit every (p, q) up to the maxima (d given, or chosen by the KPSS/ADF route)
//! and keep the best by AIC, AICc or BIC.
//!
//! ```text
//! d (when not given): d = 0; while d < max_d and the d-times differenced series is judged
//!   non-stationary — KPSS (level, automatic lags) rejects at 5%, or ADF (constant, autolag AIC)
//!   fails to reject a unit root at 5% — d += 1
//! grid: every (p, q) with p ≤ max_p, q ≤ max_q, fitted by exact maximum likelihood on both cores
//! best: the smallest criterion; ties go to the earlier (p, q) in row-major order (statsmodels'
//!   grid convention in the reference cases)
//! ```

use serde::Serialize;

use super::config::Criterion;
use super::{Arima, ArimaError, ArimaOrder, FittedArima, adf, kpss};

/// The seasonal part of a search: the period and D fixed, P and Q searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeasonalSearch {
    /// The period s.
    pub s: usize,
    /// Seasonal differences D.
    pub d: usize,
    /// Largest seasonal AR order P.
    pub max_p: usize,
    /// Largest seasonal MA order Q.
    pub max_q: usize,
}

/// What to search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderSearch {
    /// Largest AR order.
    pub max_p: usize,
    /// Largest MA order.
    pub max_q: usize,
    /// The differencing order, or `None` to choose it.
    pub d: Option<usize>,
    /// The ranking criterion.
    pub criterion: Criterion,
    /// Largest d considered when choosing it.
    pub max_d: usize,
    /// The seasonal part, if any: every (P, Q) up to its maxima for each (p, q), and d chosen
    /// on the seasonally differenced series.
    pub seasonal: Option<SeasonalSearch>,
}

impl Default for OrderSearch {
    fn default() -> Self {
        OrderSearch {
            max_p: 3,
            max_q: 3,
            d: None,
            criterion: Criterion::Aic,
            max_d: 2,
            seasonal: None,
        }
    }
}

/// One grid cell's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// The order.
    pub order: ArimaOrder,
    /// Log-likelihood (NaN when the fit failed).
    pub llf: f64,
    /// AIC.
    pub aic: f64,
    /// AICc.
    pub aicc: f64,
    /// BIC.
    pub bic: f64,
    /// Whether the optimiser converged.
    pub converged: bool,
    /// Why the fit failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Cell {
    fn score(&self, criterion: Criterion) -> f64 {
        match criterion {
            Criterion::Aic => self.aic,
            Criterion::Aicc => self.aicc,
            Criterion::Bic => self.bic,
        }
    }
}

/// How d was chosen: the tests' p-values at each differencing order tried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DSelection {
    /// The chosen d.
    pub d: usize,
    /// KPSS p-values (clipped to [0.01, 0.1] as statsmodels does), one per d tried.
    #[serde(rename = "kpssPValues")]
    pub kpss_p_values: Vec<f64>,
    /// ADF p-values, one per d tried.
    #[serde(rename = "adfPValues")]
    pub adf_p_values: Vec<f64>,
}

/// The search's answer.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// The best fit.
    pub best: FittedArima,
    /// Every cell, in row-major (p, q[, P, Q]) order.
    pub cells: Vec<Cell>,
    /// How d was chosen, when it was.
    pub d_selection: Option<DSelection>,
}

fn difference(y: &[f64]) -> Vec<f64> {
    y.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Chooses d by the KPSS/ADF route (see the module docs). A series the tests cannot take
/// (too short, or constant after differencing) stops the differencing where it is.
pub fn choose_d(y: &[f64], max_d: usize) -> DSelection {
    let mut series = y.to_vec();
    let mut sel = DSelection {
        d: 0,
        kpss_p_values: Vec::new(),
        adf_p_values: Vec::new(),
    };
    loop {
        let k = kpss::kpss(
            &series,
            kpss::KpssRegression::Constant,
            kpss::KpssLags::Auto,
        )
        .map(|r| r.p_value);
        let a = adf::adf(&series, &adf::AdfConfig::default()).map(|r| r.p_value);
        let (k, a) = match (k, a) {
            (Ok(k), Ok(a)) => (k, a),
            // A series the tests reject (e.g. constant after differencing) is as stationary
            // as it gets: stop here.
            _ => break,
        };
        sel.kpss_p_values.push(k);
        sel.adf_p_values.push(a);
        let nonstationary = k < 0.05 || a >= 0.05;
        if !nonstationary || sel.d >= max_d {
            break;
        }
        series = difference(&series);
        sel.d += 1;
    }
    sel
}

/// Fits every order of the grid, two at a time, and returns the best.
///
/// # Errors
/// [`ArimaError`] when no cell could be fitted (the first cell's error).
pub fn search(y: &[f64], config: &OrderSearch) -> Result<SearchResult, ArimaError> {
    let d_selection = match config.d {
        Some(_) => None,
        None => {
            let mut yd = y.to_vec();
            if let Some(ss) = config.seasonal {
                for _ in 0..ss.d {
                    if yd.len() <= ss.s {
                        break;
                    }
                    yd = yd[ss.s..].iter().zip(&yd).map(|(a, b)| a - b).collect();
                }
            }
            Some(choose_d(&yd, config.max_d))
        }
    };
    let d = config.d.or(d_selection.as_ref().map(|s| s.d)).unwrap_or(0);
    let seasonal: Vec<(usize, usize, usize, usize)> = match config.seasonal {
        Some(ss) => (0..=ss.max_p)
            .flat_map(|sp| (0..=ss.max_q).map(move |sq| (sp, ss.d, sq, ss.s)))
            .collect(),
        None => vec![(0, 0, 0, 0)],
    };
    let orders: Vec<ArimaOrder> = (0..=config.max_p)
        .flat_map(|p| (0..=config.max_q).map(move |q| (p, q)))
        .flat_map(|(p, q)| {
            seasonal
                .iter()
                .map(move |&(sp, sd, sq, s)| ArimaOrder::new(p, d, q).with_seasonal(sp, sd, sq, s))
        })
        .collect();
    let fits = fit_all(y, &orders);
    let mut cells = Vec::with_capacity(orders.len());
    let mut best: Option<(f64, usize)> = None;
    for (i, (order, fit)) in orders.iter().zip(&fits).enumerate() {
        let cell = match fit {
            Ok(f) => Cell {
                order: *order,
                llf: f.llf(),
                aic: f.aic(),
                aicc: f.aicc(),
                bic: f.bic(),
                converged: f.converged(),
                error: None,
            },
            Err(e) => Cell {
                order: *order,
                llf: f64::NAN,
                aic: f64::NAN,
                aicc: f64::NAN,
                bic: f64::NAN,
                converged: false,
                error: Some(e.to_string()),
            },
        };
        let s = cell.score(config.criterion);
        if s.is_finite() && best.is_none_or(|(b, _)| s < b) {
            best = Some((s, i));
        }
        cells.push(cell);
    }
    let mut fits = fits.into_iter();
    let best = match best {
        Some((_, i)) => fits.nth(i),
        // No cell fitted: report the first cell's own error.
        None => fits.next(),
    }
    .unwrap_or_else(|| Err(no_fit()))?;
    Ok(SearchResult {
        best,
        cells,
        d_selection,
    })
}

/// Fits `orders` on all available cores (at most 2 threads per core is pointless here: each fit
/// is CPU-bound), keeping the input order.
fn fit_all(y: &[f64], orders: &[ArimaOrder]) -> Vec<Result<FittedArima, ArimaError>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(orders.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<FittedArima, ArimaError>>> =
        (0..orders.len()).map(|_| None).collect();
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(order) = orders.get(i) else { break };
            done.push((i, Arima::new(*order).fit(y)));
        }
        done
    };
    let batches: Vec<Vec<(usize, Result<FittedArima, ArimaError>)>> = if threads == 1 {
        vec![worker()]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(worker)).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    for (i, r) in batches.into_iter().flatten() {
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(r);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(no_fit())))
        .collect()
}

fn no_fit() -> ArimaError {
    ArimaError::Numerical {
        message: "no order of the grid could be fitted".to_owned(),
    }
}
