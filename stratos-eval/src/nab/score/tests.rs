use super::*;

#[test]
fn probation_matches_the_spec_examples() {
    assert_eq!(probation(4032), 604);
    assert_eq!(probation(1624), 243);
    assert_eq!(probation(5000), 750);
    assert_eq!(probation(22_695), 750);
    assert_eq!(probation(0), 0);
    assert_eq!(probation(1), 0);
}

#[test]
fn sigmoid_values_from_the_spec() {
    assert!((scaled_sigmoid(-1.0) - 0.986_614_298_151_43).abs() < 1e-13);
    assert_eq!(scaled_sigmoid(0.0), 0.0);
    assert_eq!(scaled_sigmoid(3.000_000_1), -1.0);
    assert!(scaled_sigmoid(3.0) > -1.0);
}

#[test]
fn weights_follow_window_positions() {
    let f = LabelledFile::new("f", 40, vec![(10, 19)]).unwrap();
    let p = PROFILES[0];
    let v = f.sweep_weights(&p);
    assert_eq!(v[0], -0.11);
    assert!((v[10] - 1.0).abs() < 1e-15);
    assert!(v[19] > 0.0 && v[19] < v[18]);
    assert!(v[20] < 0.0 && v[20] > -0.11);
    assert!(v[39] > -0.11, "p = 20/9 < 3: still on the sigmoid");
}

#[test]
fn rejects_bad_windows_and_scores() {
    assert!(LabelledFile::new("f", 10, vec![(5, 10)]).is_err());
    assert!(LabelledFile::new("f", 10, vec![(5, 6), (6, 7)]).is_err());
    let f = LabelledFile::new("f", 10, vec![(5, 6)]).unwrap();
    assert!(matches!(
        score_file(&f, &[0.0; 9], &PROFILES[0], 0.5),
        Err(NabError::Length { .. })
    ));
    let mut s = [0.0; 10];
    s[3] = f64::NAN;
    assert!(matches!(
        score_file(&f, &s, &PROFILES[0], 0.5),
        Err(NabError::NanScore { row: 3, .. })
    ));
}

#[test]
fn optimum_equals_best_of_brute_force() {
    // Pseudo-random scores on three files; the optimiser's raw score must equal the best
    // per-threshold total over all candidates, and the threshold the largest such one.
    let mut x = 12345u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 50) as f64 / 50.0
    };
    let files = vec![
        LabelledFile::new("a", 200, vec![(60, 80), (150, 170)]).unwrap(),
        LabelledFile::new("b", 120, vec![(100, 119)]).unwrap(),
        LabelledFile::new("c", 90, vec![]).unwrap(),
    ];
    let scores: Vec<Vec<f64>> = files
        .iter()
        .map(|f| (0..f.rows()).map(|_| next()).collect())
        .collect();
    for p in &PROFILES {
        let (t, raw) = optimize_threshold(&files, &scores, p).unwrap();
        let mut cands: Vec<f64> = scores.iter().flatten().copied().collect();
        cands.push(1.1);
        cands.sort_by(|a, b| b.partial_cmp(a).unwrap());
        cands.dedup();
        let total = |t: f64| -> f64 {
            files
                .iter()
                .zip(&scores)
                .map(|(f, s)| score_file(f, s, p, t).unwrap().raw)
                .sum()
        };
        let best = cands.iter().map(|&c| total(c)).fold(f64::MIN, f64::max);
        assert!((raw - best).abs() < 1e-9, "{raw} vs {best}");
        assert!((total(t) - best).abs() < 1e-9);
        let first = cands
            .iter()
            .find(|&&c| (total(c) - best).abs() < 1e-9)
            .unwrap();
        assert_eq!(t, *first);
    }
}

#[test]
fn null_and_perfect_detectors_score_0_and_100() {
    let files = vec![
        LabelledFile::new("a", 200, vec![(60, 80), (150, 170)]).unwrap(),
        LabelledFile::new("b", 120, vec![(100, 119)]).unwrap(),
    ];
    let null: Vec<Vec<f64>> = files.iter().map(|f| vec![0.5; f.rows()]).collect();
    for s in score_corpus(&files, &null, &PROFILES).unwrap() {
        assert_eq!(s.threshold, 1.1);
        assert_eq!(s.normalized, 0.0);
    }
    let mut perfect = vec![vec![0.0; 200], vec![0.0; 120]];
    perfect[0][60] = 1.0;
    perfect[0][150] = 1.0;
    perfect[1][100] = 1.0;
    for s in score_corpus(&files, &perfect, &PROFILES).unwrap() {
        assert!((s.normalized - 100.0).abs() < 1e-9, "{}", s.normalized);
        assert_eq!(s.windows.f1, 1.0);
    }
}

#[test]
fn false_alarms_are_runs() {
    let f = LabelledFile::new("f", 100, vec![(50, 59)]).unwrap();
    let mut s = vec![0.0; 100];
    for i in [20, 21, 22, 30, 70] {
        s[i] = 1.0;
    }
    let r = score_file(&f, &s, &PROFILES[0], 0.5).unwrap();
    assert_eq!(r.windows.false_alarms, 3);
    assert_eq!(r.windows.detected, 0);
    assert_eq!(r.counts.fp, 5);
    assert_eq!(r.counts.total, 85);
}
