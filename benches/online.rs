//! Online kernel updates, ns per record (DESIGN.md target: ≤ 10 ns, exact on series offset by
//! 1e9). Each iteration pushes the whole series through a fresh kernel.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stratos::core::{RowRef, Schema};
use stratos::strategies::anomaly::RollingZScore;
use stratos::strategies::moving_average::{Ema, Sma, Wma};

const N: usize = 1_000_000;

/// A random walk around 1e9 (fixed seed), the hard case for running sums.
fn series() -> Vec<f64> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut level = 1e9;
    (0..N)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            level += (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            level
        })
        .collect()
}

fn kernels(c: &mut Criterion) {
    let xs = series();
    let mut g = c.benchmark_group("online_update");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function(BenchmarkId::new("sma", "period=20"), |b| {
        b.iter_batched_ref(
            || Sma::new(20),
            |k| xs.iter().fold(0.0, |acc, &x| acc + k.push(black_box(x))),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(BenchmarkId::new("ema", "span=20"), |b| {
        b.iter_batched_ref(
            || Ema::new(20, false),
            |k| xs.iter().fold(0.0, |acc, &x| acc + k.push(black_box(x))),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(BenchmarkId::new("wma", "period=20"), |b| {
        b.iter_batched_ref(
            || Wma::new(20),
            |k| xs.iter().fold(0.0, |acc, &x| acc + k.push(black_box(x))),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(BenchmarkId::new("zscore", "window=50"), |b| {
        b.iter_batched_ref(
            || RollingZScore::new(50, 1),
            |k| {
                xs.iter().fold(0usize, |acc, &x| {
                    acc + usize::from(k.push(black_box(x)).is_some_and(|z| z.abs() > 3.0))
                })
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// Independent noise around 20 (fixed seed): a realistic alert rate (about 0.3% of records).
fn noise() -> Vec<f64> {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    (0..N)
        .map(|_| {
            // Sum of four uniforms: close enough to normal for an alert rate near 3σ's.
            (0..4).fold(20.0, |acc, _| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                acc + (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
        })
        .collect()
}

/// The same z-score behind the `OnlineStrategy` trait object, as `stratos stream` drives it,
/// alerts included.
fn strategy_online(c: &mut Criterion) {
    let xs = noise();
    let registry = stratos::registry();
    let strategy = registry
        .build(
            "anomaly_detection",
            serde_json::json!({"window_size": 50, "threshold": 3.0}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let schema = Schema {
        value_fields: vec!["value".into()],
        ..Schema::default()
    };
    let mut g = c.benchmark_group("online_strategy");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function(
        BenchmarkId::new("anomaly_detection", "z_score,window=50"),
        |b| {
            b.iter_batched_ref(
                || (strategy.online(&schema).ok().flatten(), Vec::new()),
                |(state, out)| {
                    if let Some(state) = state {
                        for x in &xs {
                            state.update(
                                RowRef {
                                    stream_id: "s",
                                    timestamp: None,
                                    values: std::slice::from_ref(x),
                                },
                                out,
                            );
                        }
                    }
                    out.len()
                },
                BatchSize::LargeInput,
            )
        },
    );
    g.finish();
}

criterion_group!(benches, kernels, strategy_online);
criterion_main!(benches);
