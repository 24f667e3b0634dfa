use super::*;

#[test]
fn isolates_an_outlier_and_is_reproducible() {
    let mut rng = SplitMix64::new(7);
    let rows: Vec<f64> = (0..512).map(|_| rng.next_f64()).collect();
    let f = IsolationForest::fit(&rows, 2, 100, 128, &mut SplitMix64::new(1)).unwrap();
    let g = IsolationForest::fit(&rows, 2, 100, 128, &mut SplitMix64::new(1)).unwrap();
    assert_eq!(f, g);
    let inlier = f.score(&[0.5, 0.5]);
    let outlier = f.score(&[5.0, -3.0]);
    assert!(outlier > 0.6, "{outlier}");
    assert!(inlier < 0.5, "{inlier}");
}

#[test]
fn constant_rows_and_degenerate_input_are_answered() {
    let f = IsolationForest::fit(&[1.0; 20], 2, 10, 8, &mut SplitMix64::new(1)).unwrap();
    assert!(f.score(&[1.0, 1.0]).is_finite());
    assert!(IsolationForest::fit(&[1.0], 1, 10, 8, &mut SplitMix64::new(1)).is_none());
    assert!(IsolationForest::fit(&[], 0, 10, 8, &mut SplitMix64::new(1)).is_none());
}

#[test]
fn score_above_is_the_score_when_above() {
    let mut rng = SplitMix64::new(3);
    let rows: Vec<f64> = (0..400).map(|_| rng.next_f64()).collect();
    for (trees, psi) in [(25, 32), (7, 2), (100, 128), (1, 8)] {
        let f = IsolationForest::fit(&rows, 2, trees, psi, &mut SplitMix64::new(9)).unwrap();
        for i in 0..300 {
            let x = [rng.next_f64() * 3.0 - 1.0, rng.next_f64() * 3.0 - 1.0];
            let t = [0.3, 0.5, 0.6, 0.75, 0.9][i % 5];
            let s = f.score(&x);
            assert_eq!(f.score_above(&x, t), (s > t).then_some(s), "{x:?} {t}");
        }
    }
}

#[test]
fn the_window_grows_with_the_data() {
    let mut s = IsolationForestState::new(2, 100_000, 10, 16, 100, 7);
    assert_eq!(s.heap_bytes(), 0);
    for i in 0..50 {
        s.add(&[f64::from(i), 1.0]);
    }
    // 50 rows of 2 values, doubling from 8 rows: 64 rows of room, not 100,000.
    assert_eq!(s.heap_bytes(), 64 * 2 * 8);
    let mut small = IsolationForestState::new(1, 100, 5, 8, 10, 7);
    for i in 0..1000 {
        small.add(&[f64::from(i % 17)]);
    }
    // Full window: exactly 100 rows of room, plus the forest.
    let forest = small.forest.as_ref().map_or(0, IsolationForest::heap_bytes);
    assert_eq!(small.heap_bytes(), 100 * 8 + forest);
}

#[test]
fn average_path_length_values() {
    assert_eq!(average_path_length(1), 0.0);
    assert_eq!(average_path_length(2), 1.0);
    // c(256) = 2 (ln 255 + γ) − 2 · 255/256 (Liu et al. 2008, eq. 1).
    assert!((average_path_length(256) - 10.244_770_920_119_917).abs() < 1e-9);
}

/// FNV-1a over the bits of `values`: one number that changes when any score does.
fn fingerprint(values: impl IntoIterator<Item = f64>) -> u64 {
    values.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, v| {
        (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Random walks with spikes and a constant stretch, `dims` values per row.
fn walk(rows: usize, dims: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed);
    let mut level = vec![0.0; dims];
    let mut out = Vec::with_capacity(rows * dims);
    for i in 0..rows {
        for l in &mut level {
            *l += rng.next_f64() - 0.5;
            let spike = if rng.below(200) == 0 { 20.0 } else { 0.0 };
            out.push(if (300..340).contains(&i) {
                1.0
            } else {
                *l + spike
            });
        }
    }
    out
}

/// The scores of fixed series, pinned to the bit: the forest's layout and walk may change, its
/// answers may not. (Values computed with the 32-byte preorder node layout.)
#[test]
fn scores_are_pinned() {
    let mut got = Vec::new();
    for (dims, window, trees, psi, refit, seed) in [
        (1, 100, 25, 32, 100, 42),
        (1, 100, 25, 256, 100, 42),
        (2, 64, 10, 16, 20, 7),
        (3, 50, 7, 2, 13, 3),
        (1, 300, 100, 256, 300, 42),
        (2, 100, 30, 33, 50, 11),
    ] {
        let rows = walk(1500, dims, seed ^ 0x5eed);
        let mut state = IsolationForestState::new(dims, window, trees, psi, refit, seed);
        let mut scores = Vec::new();
        let mut above = Vec::new();
        for x in rows.chunks_exact(dims) {
            scores.push(state.score(x).unwrap_or(-1.0));
            above.push(state.score_above(x, 0.75).unwrap_or(-1.0));
            state.add(x);
        }
        let forest = state.forest.as_ref().map_or(0.0, |f| {
            f.mean_path_length(&vec![0.25; dims]) + f.mean_path_length(&vec![1e6; dims])
        });
        got.push((fingerprint(scores), fingerprint(above), forest.to_bits()));
    }
    let pinned: [(u64, u64, u64); 6] = [
        (0x746e6d32e738a885, 0x7a40ffb32c4061eb, 0x40026e5bde69658c),
        (0x2fdd6b271139f269, 0x59a78c23b9586cae, 0x4002ca1123816cdf),
        (0xe257f487e08b37a6, 0xbc31e7786038de54, 0x40011c50258cf245),
        (0x340fb0cb1719e4d5, 0x494fb0cb1719e4d5, 0x4000000000000000),
        (0xaef9f923080066c1, 0xa9d361e4a946d4f3, 0x4017433e35958c5c),
        (0xcedf4b73c380437b, 0x6e780118d92a9777, 0x4003d9c92186cdc9),
    ];
    assert_eq!(got, pinned);
}

/// Scoring (stopping at 0.75) and learning across 1 000 interleaved random-walk streams with
/// the default forest (25 trees, ψ 32, window 100): records per second.
/// `cargo test --release -p stratos-strategies --lib -- --ignored --nocapture forest_throughput`;
/// `STRATOS_FOREST_STREAMS` (1 000), `STRATOS_FOREST_ROWS` (10⁶ records in all) and
/// `STRATOS_FOREST_THRESHOLD` (0.75; 0.99 stops every row after the first 8 trees) vary it.
#[test]
#[ignore = "a timing run"]
fn forest_throughput_1000_streams() {
    fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    }
    let streams = var("STRATOS_FOREST_STREAMS", 1000_usize);
    let rows = var("STRATOS_FOREST_ROWS", 1_000_000 / streams);
    let threshold = var("STRATOS_FOREST_THRESHOLD", 0.75_f64);
    let mut states: Vec<IsolationForestState> = (0..streams)
        .map(|_| IsolationForestState::new(1, 100, 25, 32, 100, 42))
        .collect();
    let mut rng = SplitMix64::new(14);
    let mut level: Vec<f64> = (0..streams)
        .map(|_| rng.next_f64() * 200.0 - 100.0)
        .collect();
    // Values drawn up front so that the timing is the forest's.
    let values: Vec<f64> = (0..rows * streams)
        .map(|i| {
            let l = &mut level[i % streams];
            *l += 2.0 * rng.next_f64() - 1.0;
            *l
        })
        .collect();
    let start = std::time::Instant::now();
    let mut flagged = 0usize;
    for row in values.chunks_exact(streams) {
        for (state, x) in states.iter_mut().zip(row) {
            flagged += usize::from(state.score_above(&[*x], threshold).is_some());
            state.add(&[*x]);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let records = (rows * streams) as f64;
    let heap: usize = states.iter().map(IsolationForestState::heap_bytes).sum();
    println!(
        "isolation forest, {streams} interleaved streams x {rows} rows: {:.0} k records/s ({:.0} ns per record, {secs:.2} s), {flagged} flagged, state heap {:.1} MB",
        records / secs / 1e3,
        secs * 1e9 / records,
        heap as f64 / 1e6,
    );
}
