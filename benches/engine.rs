//! The streaming engine: records per second through `Engine::process` (routing, policies,
//! strategy updates, a discarding NDJSON sink), by strategy and number of streams.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stratos::core::Timestamp;
use stratos::core::engine::{Engine, EngineConfig, Input, NdjsonSink, bind_schema};

const N: usize = 200_000;

/// Values with a fixed seed, one a second per stream.
fn values() -> Vec<f64> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    (0..N)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            50.0 + (s >> 11) as f64 / (1u64 << 53) as f64 * 10.0
        })
        .collect()
}

fn engine(id: &str, config: serde_json::Value) -> Option<Engine> {
    let s = vec![stratos::registry().build(id, config).ok()?];
    let schema = bind_schema(&s, vec!["value".into()], vec![]).ok()?;
    Engine::new(s, schema, EngineConfig::default()).ok()
}

fn bench(c: &mut Criterion) {
    let xs = values();
    let times: Vec<Timestamp> = (0..N as i64)
        .filter_map(|i| Timestamp::from_epoch_seconds(1_700_000_000 + i).ok())
        .collect();
    let mut g = c.benchmark_group("engine_process");
    g.throughput(Throughput::Elements(N as u64));
    let cases = [
        (
            "anomaly_detection",
            serde_json::json!({"window_size": 50, "threshold": 4}),
        ),
        (
            "window_aggregate",
            serde_json::json!({"window": 60, "aggregations": ["count", "mean"]}),
        ),
        ("trend_analysis", serde_json::json!({"time_window": 600})),
    ];
    for streams in [20usize, 1000] {
        let names: Vec<String> = (0..streams).map(|i| format!("s{i}")).collect();
        for (id, config) in &cases {
            g.bench_function(BenchmarkId::new(*id, format!("streams={streams}")), |b| {
                b.iter_batched_ref(
                    || engine(id, config.clone()),
                    |e| {
                        let Some(e) = e else { return };
                        let mut sink = NdjsonSink::new(std::io::sink());
                        for (i, (x, t)) in xs.iter().zip(&times).enumerate() {
                            let input = Input::new(&names[i % streams], std::slice::from_ref(x))
                                .with_timestamp(*t);
                            let _ = black_box(e.process(input, &mut sink));
                        }
                    },
                    BatchSize::LargeInput,
                )
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
