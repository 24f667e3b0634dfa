//! Engine unit tests on small hand-checked bar sets.

use super::*;
use crate::Timestamp;

fn days(n: usize) -> Vec<Timestamp> {
    (0..n)
        .map(|i| Timestamp::from_epoch_seconds(i as i64 * 86_400).unwrap())
        .collect()
}

#[test]
fn signals_length_must_match() {
    let t = days(3);
    let p = [1.0, 2.0, 3.0];
    let bars = Bars::new(&t, &p, &p, &p, &p).unwrap();
    let err = run(
        &bars,
        &Signals::new(vec![None], 0),
        &BacktestConfig::default(),
    )
    .unwrap_err();
    assert!(matches!(err, BacktestError::Length { ref column, .. } if column == "signals"));
}
