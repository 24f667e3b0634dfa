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
