//! The numeric module's least-squares kernels against the same algorithms written with
//! ndarray's own column operations, to justify each hand-rolled inner loop that remains
//! (`stratos-core/src/numeric/qr.rs` quotes these figures). Seeded input.
//!
//! - `qr/fused/m=10000,k=40`: [`Qr::factor`] on a 10,000 × 40 design (the size of the largest
//!   ADF regression in `benches/adf.rs`).
//! - `qr/ndarray_columns/m=10000,k=40`: the same Householder QR with ndarray's `dot` and
//!   `scaled_add` per column (two passes per column and step).
//! - `dot/hand_rolled/n=10000`: an eight-accumulator loop over slices (the one the numeric
//!   module used to have); `dot/ndarray/n=10000`: [`dot`], which is ndarray's.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stratos::core::numeric::ndarray::{Array1, Array2, ArrayView1, Axis, ShapeBuilder, s};
use stratos::core::numeric::{Qr, dot};

const M: usize = 10_000;
const K: usize = 40;

fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        ((s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// The hand-rolled dot product [`dot`] replaced: eight accumulators, reduced pairwise.
fn dot_hand_rolled(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

fn design() -> (Array2<f64>, Array1<f64>) {
    let mut u = uniform(0x9E37_79B9_7F4A_7C15);
    let cols: Vec<f64> = (0..M * K).map(|_| u() - 0.5).collect();
    let x = Array2::from_shape_vec((M, K).f(), cols).unwrap_or_default();
    let y = Array1::from_iter((0..M).map(|_| u()));
    (x, y)
}

/// Householder QR with ndarray column operations: for each column, the reflector from its
/// norm, then `d = v · col` and `col −= τ d v` on every trailing column (and y). Returns R's
/// diagonal and Qᵀy's head, so the work cannot be dropped.
fn qr_ndarray(mut a: Array2<f64>, mut y: Array1<f64>) -> f64 {
    let (m, k) = a.dim();
    let mut check = 0.0;
    for j in 0..k {
        let (mut left, mut right) = a.view_mut().split_at(Axis(1), j + 1);
        let mut col = left.column_mut(j);
        let mut sub = col.slice_mut(s![j..]);
        let norm = sub.dot(&sub).sqrt();
        let alpha = sub[0];
        let beta = -norm.copysign(alpha);
        let tau = (beta - alpha) / beta;
        let scale = 1.0 / (alpha - beta);
        sub.slice_mut(s![1..]).mapv_inplace(|v| v * scale);
        sub[0] = 1.0;
        let v: ArrayView1<'_, f64> = sub.view();
        for mut target in right.columns_mut() {
            let mut t = target.slice_mut(s![j..]);
            let d = v.dot(&t);
            t.scaled_add(-tau * d, &v);
        }
        let mut t = y.slice_mut(s![j..m]);
        let d = v.dot(&t);
        t.scaled_add(-tau * d, &v);
        check += beta;
    }
    check + y[0]
}

fn qr(c: &mut Criterion) {
    let (x, y) = design();
    let mut g = c.benchmark_group("qr");
    g.sample_size(20);
    g.throughput(Throughput::Elements((M * K) as u64));
    g.bench_function(format!("fused/m={M},k={K}"), |b| {
        b.iter(|| Qr::factor(black_box(x.clone()), y.view()).map_or(f64::NAN, |qr| qr.r_diag(0)))
    });
    g.bench_function(format!("ndarray_columns/m={M},k={K}"), |b| {
        b.iter(|| qr_ndarray(black_box(x.clone()), y.clone()))
    });
    g.finish();

    let a = x.column(0).to_vec();
    let b = x.column(1).to_vec();
    let mut g = c.benchmark_group("dot");
    g.throughput(Throughput::Elements(M as u64));
    g.bench_function(format!("hand_rolled/n={M}"), |bch| {
        bch.iter(|| dot_hand_rolled(black_box(&a), black_box(&b)))
    });
    g.bench_function(format!("ndarray/n={M}"), |bch| {
        bch.iter(|| dot(black_box(&a), black_box(&b)))
    });
    g.finish();
}

criterion_group!(benches, qr);
criterion_main!(benches);
