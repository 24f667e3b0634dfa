//! Per-record online update cost of each `anomaly_detection` method (score + learn, through
//! [`AnomalyState`], the state the online strategy drives), ns per record. Two fields per record
//! (the isolation forest uses both; the univariate methods score each). Seeded input.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stratos::core::{BuiltinStrategy, StrategyConfig};
use stratos::strategies::anomaly::{AnomalyConfig, AnomalyState, AnomalyStrategy, SplitMix64};

const N: usize = 200_000;

fn rows() -> Vec<[f64; 2]> {
    let mut rng = SplitMix64::new(42);
    (0..N)
        .map(|i| {
            let spike = if i % 5000 == 4999 { 30.0 } else { 0.0 };
            [
                100.0 + 10.0 * rng.next_f64() + spike,
                50.0 + 5.0 * rng.next_f64(),
            ]
        })
        .collect()
}

fn methods(c: &mut Criterion) {
    let rows = rows();
    let configs = [
        ("z_score", r#"{"method":"z_score","window_size":100}"#),
        ("robust_z", r#"{"method":"robust_z","window_size":100}"#),
        ("iqr", r#"{"method":"iqr","window_size":100}"#),
        ("ewma", r#"{"method":"ewma","window_size":100}"#),
        (
            "isolation_forest",
            r#"{"method":"isolation_forest","window_size":256,"n_trees":100,"sample_size":256}"#,
        ),
        (
            "isolation_forest_default",
            r#"{"method":"isolation_forest"}"#,
        ),
        ("art", r#"{"method":"art"}"#),
        ("one_class_svm", r#"{"method":"one_class_svm"}"#),
        ("seasonal", r#"{"method":"seasonal"}"#),
        ("ensemble", r#"{"method":"ensemble","window_size":100}"#),
        (
            "adaptive_ewma",
            r#"{"method":"ewma","window_size":100,"adaptiveThreshold":true}"#,
        ),
        ("auto", r#"{"method":"auto"}"#),
        ("relative_entropy", r#"{"method":"relative_entropy"}"#),
        ("knn_cad", r#"{"method":"knn_cad"}"#),
        (
            "contextual",
            r#"{"method":"contextual","contextual":{"capacity":2000}}"#,
        ),
        (
            "nab_best",
            r#"{"method":"ewma","window_size":200,"alpha":0.001,"adaptiveThreshold":true,"adaptive_quantile":0.99,"adaptive_window":5000,"suppress_window":100}"#,
        ),
    ];
    let mut g = c.benchmark_group("anomaly_update");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    for (name, json) in configs {
        let config = AnomalyConfig::from_json(serde_json::from_str(json).unwrap_or_default())
            .unwrap_or_default();
        let Ok(strategy) = AnomalyStrategy::from_config(config) else {
            continue;
        };
        g.bench_function(BenchmarkId::new(name, "fields=2"), |b| {
            b.iter_batched_ref(
                || AnomalyState::new(&strategy, 2),
                |s| {
                    rows.iter().fold(0usize, |acc, r| {
                        acc + usize::from(s.update(black_box(r)).is_some_and(|(_, f)| f))
                    })
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, methods);
criterion_main!(benches);
