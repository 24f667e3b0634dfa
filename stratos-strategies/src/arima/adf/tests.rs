use proptest::prelude::*;

use super::search::{gram_search, qr_search};
use super::*;

fn rel(a: f64, b: f64) -> f64 {
    if a == b { 0.0 } else { (a - b).abs() / b.abs() }
}

/// A seeded random walk (xorshift64* + Box–Muller).
fn random_walk(n: usize, seed: u64, drift: f64) -> Vec<f64> {
    let mut s = seed.max(1);
    let mut uniform = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        ((s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut level = 0.0;
    (0..n)
        .map(|_| {
            let z = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
            level += drift + z;
            level
        })
        .collect()
}

/// statsmodels 0.15.0 `mackinnonp(stat, regression, N)`.
#[test]
fn mackinnon_p_matches_statsmodels() {
    #[rustfmt::skip]
    let reference = [
        (Regression::None, 1, -25.0, 0.0),
        (Regression::None, 1, -5.0, 1.0570487880413703e-06),
        (Regression::None, 1, -3.5, 0.00048372740257371865),
        (Regression::None, 1, -2.9, 0.003659953608501506),
        (Regression::None, 1, -2.0, 0.043520623056049056),
        (Regression::None, 1, -1.0, 0.28810611212633064),
        (Regression::None, 1, 0.0, 0.6842796360469544),
        (Regression::None, 1, 0.6, 0.84684320615554),
        (Regression::None, 1, 2.0, 0.990238941547687),
        (Regression::None, 1, 3.0, 0.9998068584192428),
        (Regression::None, 3, -25.0, 0.0),
        (Regression::None, 3, -5.0, 0.00014086202965464618),
        (Regression::None, 3, -3.5, 0.029237397165442765),
        (Regression::None, 3, -2.9, 0.12439861220451903),
        (Regression::None, 3, -2.0, 0.5024111924626194),
        (Regression::None, 3, -1.0, 0.8991455560863655),
        (Regression::None, 3, 0.0, 0.9870196782995976),
        (Regression::None, 3, 0.6, 0.993913583813351),
        (Regression::None, 3, 2.0, 1.0),
        (Regression::None, 3, 3.0, 1.0),
        (Regression::Constant, 1, -25.0, 0.0),
        (Regression::Constant, 1, -5.0, 2.2193154713956276e-05),
        (Regression::Constant, 1, -3.5, 0.007987094061496709),
        (Regression::Constant, 1, -2.9, 0.04534799747216563),
        (Regression::Constant, 1, -2.0, 0.28657309916843154),
        (Regression::Constant, 1, -1.0, 0.7532643012005655),
        (Regression::Constant, 1, 0.0, 0.958532086060056),
        (Regression::Constant, 1, 0.6, 0.9876156291656639),
        (Regression::Constant, 1, 2.0, 0.9986729511999243),
        (Regression::Constant, 1, 3.0, 1.0),
        (Regression::Constant, 3, -25.0, 0.0),
        (Regression::Constant, 3, -5.0, 0.0007698368160730042),
        (Regression::Constant, 3, -3.5, 0.08978016598183797),
        (Regression::Constant, 3, -2.9, 0.28386219280081637),
        (Regression::Constant, 3, -2.0, 0.7341365326385638),
        (Regression::Constant, 3, -1.0, 0.9658031459476534),
        (Regression::Constant, 3, 0.0, 0.9951914365103041),
        (Regression::Constant, 3, 0.6, 1.0),
        (Regression::Constant, 3, 2.0, 1.0),
        (Regression::Constant, 3, 3.0, 1.0),
        (Regression::ConstantTrend, 1, -25.0, 0.0),
        (Regression::ConstantTrend, 1, -5.0, 0.00020574728263882532),
        (Regression::ConstantTrend, 1, -3.5, 0.03939102799324626),
        (Regression::ConstantTrend, 1, -2.9, 0.16221506199000135),
        (Regression::ConstantTrend, 1, -2.0, 0.6014337722402741),
        (Regression::ConstantTrend, 1, -1.0, 0.9441147109023218),
        (Regression::ConstantTrend, 1, 0.0, 0.9942331676947893),
        (Regression::ConstantTrend, 1, 0.6, 0.9969869777639576),
        (Regression::ConstantTrend, 1, 2.0, 1.0),
        (Regression::ConstantTrend, 1, 3.0, 1.0),
        (Regression::ConstantTrend, 3, -25.0, 3.908348602949688e-52),
        (Regression::ConstantTrend, 3, -5.0, 0.0030649564383527853),
        (Regression::ConstantTrend, 3, -3.5, 0.19877651160059995),
        (Regression::ConstantTrend, 3, -2.9, 0.4842097564542134),
        (Regression::ConstantTrend, 3, -2.0, 0.8838798889301969),
        (Regression::ConstantTrend, 3, -1.0, 0.9920270403560341),
        (Regression::ConstantTrend, 3, 0.0, 0.999361279259567),
        (Regression::ConstantTrend, 3, 0.6, 0.9996747921042666),
        (Regression::ConstantTrend, 3, 2.0, 1.0),
        (Regression::ConstantTrend, 3, 3.0, 1.0),
        (Regression::ConstantTrendSquared, 1, -25.0, 0.0),
        (Regression::ConstantTrendSquared, 1, -5.0, 0.0010263486522916546),
        (Regression::ConstantTrendSquared, 1, -3.5, 0.11291474575803784),
        (Regression::ConstantTrendSquared, 1, -2.9, 0.34492816339941834),
        (Regression::ConstantTrendSquared, 1, -2.0, 0.8167402369138229),
        (Regression::ConstantTrendSquared, 1, -1.0, 0.9870296709815183),
        (Regression::ConstantTrendSquared, 1, 0.0, 0.9989573259007248),
        (Regression::ConstantTrendSquared, 1, 0.6, 1.0),
        (Regression::ConstantTrendSquared, 1, 2.0, 1.0),
        (Regression::ConstantTrendSquared, 1, 3.0, 1.0),
        (Regression::ConstantTrendSquared, 3, -25.0, 0.0),
        (Regression::ConstantTrendSquared, 3, -5.0, 0.009647034468822462),
        (Regression::ConstantTrendSquared, 3, -3.5, 0.3498614220228092),
        (Regression::ConstantTrendSquared, 3, -2.9, 0.6738937241725657),
        (Regression::ConstantTrendSquared, 3, -2.0, 0.9560209034189311),
        (Regression::ConstantTrendSquared, 3, -1.0, 0.9984300597004894),
        (Regression::ConstantTrendSquared, 3, 0.0, 0.9999441588143071),
        (Regression::ConstantTrendSquared, 3, 0.6, 0.9999847301460034),
        (Regression::ConstantTrendSquared, 3, 2.0, 1.0),
        (Regression::ConstantTrendSquared, 3, 3.0, 1.0),
    ];
    for (reg, n, stat, want) in reference {
        let got = mackinnon_p(stat, reg, n).unwrap();
        assert!(
            rel(got, want) <= 1e-15,
            "{reg} N={n} stat={stat}: {got} vs {want}"
        );
    }
}

/// statsmodels 0.15.0 `mackinnoncrit(N, regression, nobs)`.
#[test]
fn mackinnon_crit_matches_statsmodels() {
    #[rustfmt::skip]
    let reference = [
        (Regression::None, 1, 25, [-2.6609751999999998, -1.955129728, -1.6089151039999998]),
        (Regression::None, 1, 500, [-2.570226108, -1.9415504102160002, -1.616299453088]),
        (Regression::Constant, 1, 25, [-3.7238633119999998, -2.98648896, -2.6328004]),
        (Regression::Constant, 1, 500, [-3.443496379464, -2.8673378563200003, -2.569858036]),
        (Regression::Constant, 2, 25, [-4.3881592000000005, -3.5914507999999996, -3.21845]),
        (Regression::Constant, 2, 500, [-3.9184779080000003, -3.348377492, -3.05294328]),
        (Regression::Constant, 12, 25, [-8.807833792, -7.595374672, -7.029210176]),
        (Regression::Constant, 12, 500, [-6.738810987024, -6.1854537015840005, -5.897222071072]),
        (Regression::ConstantTrend, 1, 25, [-4.3749647199999995, -3.6034675359999997, -3.23818632]),
        (Regression::ConstantTrend, 1, 500, [-3.97699098524, -3.4193073069919997, -3.1322370790400003]),
        (Regression::ConstantTrend, 2, 25, [-5.0022544, -4.1803124, -3.790229712]),
        (Regression::ConstantTrend, 2, 500, [-4.358640115999999, -3.799639496, -3.5105029768639997]),
        (Regression::ConstantTrend, 12, 25, [-9.199907936, -7.943220336, -7.356255936]),
        (Regression::ConstantTrend, 12, 500, [-6.944857108992, -6.3913500355920005, -6.1030000817920005]),
        (Regression::ConstantTrendSquared, 1, 25, [-4.913347408, -4.0961721760000005, -3.7121805759999997]),
        (Regression::ConstantTrendSquared, 1, 500, [-4.394452348376, -3.844252306272, -3.5606008804719997]),
        (Regression::ConstantTrendSquared, 2, 25, [-5.6000778239999995, -4.727113776, -4.315616768]),
        (Regression::ConstantTrendSquared, 2, 500, [-4.7334757649279995, -4.180605826072, -3.894456501496]),
        (Regression::ConstantTrendSquared, 12, 25, [-9.612804544, -8.307496304, -7.698712304]),
        (Regression::ConstantTrendSquared, 12, 500, [-7.145684952968001, -6.591874016887999, -6.303384724688]),
    ];
    for (reg, n, nobs, want) in reference {
        let got = mackinnon_crit(reg, n, Some(nobs)).unwrap();
        for i in 0..3 {
            assert!(
                rel(got[i], want[i]) <= 1e-15,
                "{reg} N={n} nobs={nobs}: {got:?} vs {want:?}"
            );
        }
    }
    assert_eq!(mackinnon_crit(Regression::Constant, 13, None), None);
    assert_eq!(
        mackinnon_crit(Regression::None, 1, None),
        Some([-2.56574, -1.941, -1.61682])
    );
}

#[test]
fn invalid_input_gives_typed_errors() {
    let cfg = AdfConfig::default();
    let mut y = random_walk(50, 1, 0.0);
    y[7] = f64::NAN;
    assert_eq!(adf(&y, &cfg), Err(AdfError::NonFinite { index: 7 }));
    y[7] = f64::NEG_INFINITY;
    assert_eq!(adf(&y, &cfg), Err(AdfError::NonFinite { index: 7 }));
    assert_eq!(adf(&[], &cfg), Err(AdfError::TooShort { len: 0, min: 4 }));
    assert_eq!(
        adf(&[1.0, 2.0, 4.0], &cfg),
        Err(AdfError::TooShort { len: 3, min: 4 })
    );
    let ctt = cfg.with_regression(Regression::ConstantTrendSquared);
    assert_eq!(
        adf(&[1.0, 2.0, 4.0, 3.0, 5.0, 9.0, 1.0], &ctt),
        Err(AdfError::TooShort { len: 7, min: 8 })
    );
    assert_eq!(adf(&[3.5; 40], &cfg), Err(AdfError::Constant));
    let y = random_walk(50, 2, 0.0);
    // 50/2 − 1 − 1 = 23
    assert_eq!(
        adf(&y, &cfg.with_max_lag(Some(24))),
        Err(AdfError::MaxLagTooLarge {
            max_lag: 24,
            limit: 23
        })
    );
    assert!(adf(&y, &cfg.with_max_lag(Some(23))).is_ok());
    // An exact line: the level is collinear with the constant and trend.
    let line: Vec<f64> = (0..40).map(|t| 2.0 * t as f64).collect();
    let ct = cfg
        .with_regression(Regression::ConstantTrend)
        .with_max_lag(Some(2))
        .with_autolag(None);
    assert!(matches!(
        adf(&line, &ct),
        Err(AdfError::SingularRegression { .. })
    ));
    let msg = AdfError::NonFinite { index: 7 }.to_string();
    assert!(msg.contains("index 7"), "{msg}");
}

/// statsmodels `add_trend(has_constant="skip")`: a ramp with a final jump makes the lag
/// column the constant 1, so no constant is added. Reference: statsmodels 0.15.0
/// `adfuller(x, maxlag=1, regression="c", autolag=…)`, `x = [0, 1, …, 28, 33]`.
#[test]
fn constant_is_skipped_as_statsmodels() {
    let mut x: Vec<f64> = (0..29).map(f64::from).collect();
    x.push(33.0);
    for autolag in [None, Some(Autolag::Aic)] {
        let cfg = AdfConfig::default()
            .with_max_lag(Some(1))
            .with_autolag(autolag);
        let r = adf(&x, &cfg).unwrap();
        assert!(
            rel(r.statistic, 1.7320508075688756) < 1e-12,
            "{}",
            r.statistic
        );
        assert!(rel(r.p_value, 0.9982042849867909) < 1e-12);
        assert_eq!((r.used_lag, r.nobs, r.coefficients.len()), (1, 28, 2));
        assert!(rel(r.coefficients[0], 0.029556650246305397) < 1e-12);
        assert!(rel(r.coefficients[1], 0.7142857142857144) < 1e-12);
        if autolag.is_some() {
            assert!(rel(r.ic_best.unwrap(), 63.71544158546557) < 1e-12);
            assert!(rel(r.autolag_table[0].aic, 67.84228149852513) < 1e-12);
        }
    }
}

/// The Gram/Cholesky search and the Householder one agree on every nested fit.
#[test]
fn gram_search_agrees_with_qr_search() {
    for (seed, drift, reg) in [
        (3, 0.0, Regression::Constant),
        (4, 0.3, Regression::ConstantTrend),
        (5, -0.1, Regression::ConstantTrendSquared),
        (6, 0.0, Regression::None),
    ] {
        let x: Vec<f64> = random_walk(3000, seed, drift)
            .iter()
            .map(|v| v + 1e4)
            .collect();
        let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let k = 20;
        let m = x.len() - 1 - k;
        let has_const = keeps_constant(&x, &d, reg, k, m);
        let det = deterministic_columns(reg, has_const, m, true);
        let shift = if has_const {
            x[k..k + m].iter().sum::<f64>() / m as f64
        } else {
            0.0
        };
        let lev: Vec<f64> = x[k..k + m].iter().map(|v| v - shift).collect();
        let g = gram_search(&d, k, m, &det, &lev).expect("well conditioned");
        let q = qr_search(&d, k, m, &det, &lev).unwrap();
        for lag in 0..=k {
            assert!(rel(g.ssr[lag], q.ssr[lag]) < 1e-11, "{reg} lag {lag} ssr");
            assert!(
                rel(g.t_last[lag], q.t_last[lag]) < 1e-9,
                "{reg} lag {lag} t"
            );
        }
    }
}

/// Scaling the series by a power of ten changes no unit-free answer.
#[test]
fn answers_are_scale_free() {
    let y = random_walk(400, 9, 0.05);
    let cfg = AdfConfig::default().with_regression(Regression::ConstantTrend);
    let base = adf(&y, &cfg).unwrap();
    for scale in [1e-200, 1e-3, 1e7, 1e250] {
        let ys: Vec<f64> = y.iter().map(|v| v * scale).collect();
        let r = adf(&ys, &cfg).unwrap();
        assert_eq!(r.used_lag, base.used_lag);
        assert!(rel(r.statistic, base.statistic) < 1e-12, "scale {scale}");
        assert!(rel(r.coefficients[0], base.coefficients[0]) < 1e-12);
        let c = r.coefficients.len() - 2;
        assert!(rel(r.coefficients[c], base.coefficients[c] * scale) < 1e-12);
    }
}

#[test]
fn t_stat_rule_walks_down_from_max_lag() {
    let y = random_walk(300, 12, 0.0);
    let cfg = AdfConfig::default().with_autolag(Some(Autolag::TStat));
    let r = adf(&y, &cfg).unwrap();
    let t = &r.autolag_table;
    let first_significant = t.iter().rev().find(|row| row.t_last.abs() >= T_STAT_STOP);
    match first_significant {
        Some(row) => assert_eq!(r.used_lag, row.lag),
        None => assert_eq!(r.used_lag, 0),
    }
    assert_eq!(r.ic_best, Some(t[r.used_lag].t_last.abs()));
}

#[test]
fn config_serde_uses_statsmodels_names() {
    let cfg: AdfConfig =
        serde_json::from_str(r#"{"regression": "ctt", "maxlag": 3, "autolag": "t-stat"}"#).unwrap();
    assert_eq!(
        cfg,
        AdfConfig::default()
            .with_regression(Regression::ConstantTrendSquared)
            .with_max_lag(Some(3))
            .with_autolag(Some(Autolag::TStat))
    );
    let none: AdfConfig = serde_json::from_str(r#"{"autolag": null, "regression": "n"}"#).unwrap();
    assert_eq!(none.autolag, None);
    assert_eq!(
        serde_json::from_str::<AdfConfig>("{}").unwrap(),
        AdfConfig::default()
    );
    assert!(serde_json::from_str::<AdfConfig>(r#"{"lags": 3}"#).is_err());
    let cv = serde_json::to_value(CriticalValues::from([-3.0, -2.0, -1.0])).unwrap();
    assert_eq!(cv["5%"], -2.0);
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<AdfConfig>();
    check::<AdfResult>();
    check::<AdfError>();
    check::<MackinnonTable>();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any finite input gets an answer or a typed error, never a panic; answers are
    /// finite with p in [0, 1].
    #[test]
    fn never_panics(
        y in prop::collection::vec(
            prop_oneof![
                -1e3f64..1e3,
                -1e300f64..1e300,
                -1e-300f64..1e-300,
                Just(0.0),
                Just(1.0),
            ],
            0..60,
        ),
        reg in prop_oneof![
            Just(Regression::Constant),
            Just(Regression::ConstantTrend),
            Just(Regression::ConstantTrendSquared),
            Just(Regression::None),
        ],
        autolag in prop_oneof![
            Just(None),
            Just(Some(Autolag::Aic)),
            Just(Some(Autolag::Bic)),
            Just(Some(Autolag::TStat)),
        ],
        max_lag in prop::option::of(0usize..30),
    ) {
        let cfg = AdfConfig { regression: reg, max_lag, autolag };
        if let Ok(r) = adf(&y, &cfg) {
            prop_assert!(r.statistic.is_finite());
            prop_assert!((0.0..=1.0).contains(&r.p_value));
            prop_assert_eq!(r.nobs, y.len() - 1 - r.used_lag);
        }
    }
}
