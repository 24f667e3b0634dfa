//! ARIMA benches (DESIGN.md target: ARIMA(2,1,2) fit + 10-step forecast at n = 1000 in
//! ≤ 1.3 ms; statsmodels 0.15 takes 66 ms on the same machine).
//!
//! The series is a seeded simulation of `(1 − 0.6L + 0.2L²) Δy_t = (1 + 0.3L + 0.1L²) e_t`,
//! `e_t ~ N(0, 1)`, started at 100 after 200 burn-in steps (xorshift64 + Box–Muller).

#![allow(clippy::expect_used)] // a bench input that fails to fit is a bug to see at once

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stratos::strategies::arima::{Arima, ArimaOrder, ArimaParams};

/// Standard normal draws from xorshift64 and Box–Muller (deterministic).
struct Gauss {
    state: u64,
    spare: Option<f64>,
}

impl Gauss {
    fn new(seed: u64) -> Self {
        Gauss {
            state: seed.max(1),
            spare: None,
        }
    }

    fn uniform(&mut self) -> f64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        // (0, 1]: never 0, so ln is finite.
        ((self.state >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    fn next(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let (u1, u2) = (self.uniform(), self.uniform());
        let r = (-2.0 * u1.ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * u2;
        self.spare = Some(r * t.sin());
        r * t.cos()
    }
}

/// A simulated ARIMA(2,1,2) path of length `n`.
fn arima212(n: usize, seed: u64) -> Vec<f64> {
    let (phi, theta) = ([0.6, -0.2], [0.3, 0.1]);
    let mut g = Gauss::new(seed);
    let (mut w1, mut w2, mut e1, mut e2) = (0.0, 0.0, 0.0, 0.0);
    let mut level = 100.0;
    let burn = 200;
    let mut out = Vec::with_capacity(n);
    for t in 0..n + burn {
        let e = g.next();
        let w = phi[0] * w1 + phi[1] * w2 + e + theta[0] * e1 + theta[1] * e2;
        (w2, w1, e2, e1) = (w1, w, e1, e);
        if t >= burn {
            level += w;
            out.push(level);
        }
    }
    out
}

fn fit(c: &mut Criterion) {
    let n = 1000;
    let y = arima212(n, 0x5EED_A121_2000_0001);
    let model = Arima::new(ArimaOrder::new(2, 1, 2));
    let check = model.fit(&y).expect("fit");
    assert!(check.converged(), "{}", check.termination());
    eprintln!(
        "arima_fit input: llf {:.6}, {} iterations, params {:?}",
        check.llf(),
        check.iterations(),
        check.params().to_vec()
    );
    let mut g = c.benchmark_group("arima_fit");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new(format!("n={n}"), "order=2,1,2"), |b| {
        b.iter(|| {
            let fitted = model.fit(black_box(&y)).expect("fit");
            fitted.forecast(10, 0.05).expect("forecast")
        })
    });
    g.finish();

    let params = ArimaParams {
        constant: None,
        ar: vec![0.6, -0.2],
        ma: vec![0.3, 0.1],
        seasonal_ar: vec![],
        seasonal_ma: vec![],
        sigma2: 1.0,
    };
    let mut g = c.benchmark_group("arima_loglike");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new(format!("n={n}"), "order=2,1,2"), |b| {
        b.iter(|| {
            model
                .loglike(black_box(&y), black_box(&params))
                .expect("loglike")
        })
    });
    g.finish();
}

/// The full (p, q) ≤ 3 AIC grid at d = 1, n = 1000, as `arima_prediction` with `auto` runs it
/// (both cores). DESIGN.md target: ≤ 58 ms; statsmodels 0.15 takes 1151 ms.
fn grid(c: &mut Criterion) {
    use stratos::strategies::arima::Criterion as Ic;
    use stratos::strategies::arima::order_search::{OrderSearch, search};
    let n = 1000;
    let y = arima212(n, 0x5EED_A121_2000_0001);
    let config = OrderSearch {
        max_p: 3,
        max_q: 3,
        d: Some(1),
        criterion: Ic::Aic,
        max_d: 2,
        seasonal: None,
    };
    let best = search(&y, &config).expect("grid");
    eprintln!("arima_grid input: best order {}", best.best.order());
    let mut g = c.benchmark_group("arima_grid");
    g.sample_size(20);
    g.bench_function(
        BenchmarkId::new(format!("n={n}"), "d=1,p<=3,q<=3,aic"),
        |b| b.iter(|| search(black_box(&y), &config).expect("grid").best.aic()),
    );
    g.finish();
}

/// The series of a seasonal reference case (`tests/data/conformance/sarima/`).
fn sarima_series(json: &str) -> Vec<f64> {
    let v: serde_json::Value = serde_json::from_str(json).expect("reference case");
    v["input"]["y"]
        .as_array()
        .expect("input.y")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// The airline model (0,1,1)(0,1,1,12) fitted to the log airline passengers (n = 144) and to
/// the first 500 monthly CO2 values. statsmodels' own time on the same series comes from
/// `tests/data/conformance/sarima/time_statsmodels.py` (quoted in the report, never asserted).
fn sarima(c: &mut Criterion) {
    let airline = sarima_series(include_str!(
        "../tests/data/conformance/sarima/sarima_airline_log_011_011_12.json"
    ));
    let co2 = sarima_series(include_str!(
        "../tests/data/conformance/sarima/sarima_co2_monthly_011_011_12.json"
    ));
    let model = Arima::new(ArimaOrder::new(0, 1, 1).with_seasonal(0, 1, 1, 12));
    let mut g = c.benchmark_group("sarima_fit");
    for (name, y) in [("airline_log", &airline[..]), ("co2_monthly", &co2[..500])] {
        let check = model.fit(y).expect("fit");
        eprintln!(
            "sarima_fit {name}: n {}, llf {:.9}, {} iterations, params {:?}",
            y.len(),
            check.llf(),
            check.iterations(),
            check.params().to_vec()
        );
        g.throughput(Throughput::Elements(y.len() as u64));
        g.bench_function(
            BenchmarkId::new(format!("{name} n={}", y.len()), "order=(0,1,1)x(0,1,1,12)"),
            |b| b.iter(|| model.fit(black_box(y)).expect("fit").llf()),
        );
    }
    g.finish();
}

criterion_group!(benches, fit, grid, sarima);
criterion_main!(benches);
