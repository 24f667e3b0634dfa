//! CSV ingest: `timestamp,stream_id,value` rows into a frame (DESIGN.md, Performance:
//! 1 M rows in ≤ 44 ms; pandas `read_csv(parse_dates=['timestamp'])` takes 217 ms).
//!
//! Run: `cargo bench --bench ingest -- --warm-up-time 1 --measurement-time 3`

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stratos_core::Timestamp;
use stratos_ingest::{ReadOptions, read_bytes};

/// Seeded xorshift64, so every run reads the same bytes.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `rows` rows one second apart from 2025-01-01, 20 stream ids, values with 4 to 6 decimals.
fn generate(rows: usize) -> Vec<u8> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let start = Timestamp::parse("2025-01-01T00:00:00Z")
        .map(Timestamp::micros)
        .unwrap_or_default();
    let mut out = String::with_capacity(rows * 42 + 32);
    out.push_str("timestamp,stream_id,value\n");
    for i in 0..rows {
        let t = Timestamp::from_micros(start + i as i64 * 1_000_000).unwrap_or(Timestamp::EPOCH);
        let stream = rng.next() % 20;
        let decimals = 4 + (rng.next() % 3) as usize;
        let value = (rng.next() % 1_000_000_000) as f64 / 1e6;
        let _ = writeln!(out, "{t},stream_{stream:02},{value:.decimals$}");
    }
    out.into_bytes()
}

fn csv_to_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv_to_frame");
    group.sample_size(20);
    let options = ReadOptions::default();
    for rows in [100_000usize, 1_000_000] {
        let data = generate(rows);
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(format!("rows={rows}"), |b| {
            b.iter(|| {
                let frame = read_bytes(black_box(&data), &options);
                assert_eq!(frame.map(|f| f.len()).ok(), Some(rows));
            });
        });
    }
    group.finish();
}

criterion_group!(benches, csv_to_frame);
criterion_main!(benches);
