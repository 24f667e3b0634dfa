//! Unit-root tests (DESIGN.md: ADF with autolag AIC at n = 10 000, statsmodels 480 ms, target
//! ≥ 50× faster, ≤ 9.6 ms). Input: a seeded Gaussian random walk (xorshift64* + Box–Muller).
//!
//! - `adf/n=10000/autolag=aic`: the target (default config: "c", maxlag 38, AIC).
//! - `adf/n=10000/autolag=bic`, `adf/n=10000/regression=ct/autolag=aic`: other searches.
//! - `adf/n=10000/autolag=none`: one regression with all 38 lags (the largest Householder QR).
//! - `kpss/n=10000/nlags=auto`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stratos::strategies::arima::adf::{AdfConfig, Autolag, Regression, adf};
use stratos::strategies::arima::kpss::{KpssLags, KpssRegression, kpss};

const N: usize = 10_000;

/// A Gaussian random walk with a fixed seed.
fn random_walk(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    let mut uniform = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        ((s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut level = 100.0;
    (0..n)
        .map(|_| {
            level += (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
            level
        })
        .collect()
}

fn unit_root(c: &mut Criterion) {
    let y = random_walk(N, 0x9E37_79B9_7F4A_7C15);
    let mut g = c.benchmark_group("adf");
    g.throughput(Throughput::Elements(N as u64));
    let cases = [
        ("n=10000/autolag=aic", AdfConfig::default()),
        (
            "n=10000/autolag=bic",
            AdfConfig::default().with_autolag(Some(Autolag::Bic)),
        ),
        (
            "n=10000/regression=ct/autolag=aic",
            AdfConfig::default().with_regression(Regression::ConstantTrend),
        ),
        (
            "n=10000/autolag=none",
            AdfConfig::default().with_autolag(None),
        ),
    ];
    for (id, config) in cases {
        g.bench_function(id, |b| b.iter(|| adf(black_box(&y), &config)));
    }
    g.finish();

    let mut g = c.benchmark_group("kpss");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("n=10000/nlags=auto", |b| {
        b.iter(|| kpss(black_box(&y), KpssRegression::Constant, KpssLags::Auto))
    });
    g.finish();
}

criterion_group!(benches, unit_root);
criterion_main!(benches);
