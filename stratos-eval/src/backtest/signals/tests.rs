use super::*;
use crate::backtest::{BacktestConfig, LookAheadCheck, SignalMode, check_lookahead, run_source};
use stratos_core::{Outputs, Plugin, ResultType, Schema, StrategyResult, Timestamp};

struct Data {
    t: Vec<Timestamp>,
    o: Vec<f64>,
    c: Vec<f64>,
}

/// A deterministic random walk (an LCG), `n` daily bars.
fn walk(n: usize) -> Data {
    let mut state = 42u64;
    let mut price = 100.0;
    let mut o = Vec::new();
    let mut c = Vec::new();
    for _ in 0..n {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        o.push(price);
        price *= 1.0 + (u - 0.5) * 0.04;
        c.push(price);
    }
    Data {
        t: (0..n)
            .map(|i| Timestamp::from_epoch_seconds(i as i64 * 86_400).unwrap())
            .collect(),
        o,
        c,
    }
}

impl Data {
    fn bars(&self) -> Bars<'_> {
        Bars::new(&self.t, &self.o, &self.c, &self.o, &self.c).unwrap()
    }

    /// Bars carrying the closes (NaN allowed) as their volume, which is not validated, so
    /// a source with `data_field: volume` sees gaps.
    fn bars_unchecked(&self) -> Bars<'_> {
        Bars::new(&self.t, &self.o, &self.o, &self.o, &self.o)
            .unwrap()
            .with_volume(&self.c)
            .unwrap()
    }
}

#[test]
fn crossover_matches_the_strategy_rows() {
    // With gaps (NaN) and every kind, the fast path equals `MovingAverageStrategy::rows`.
    let mut d = walk(300);
    d.c[40] = f64::NAN;
    d.c[41] = f64::NAN;
    for kind in [MaKind::Sma, MaKind::Ema, MaKind::Wma] {
        let config = MovingAverageConfig {
            fast: Some(4),
            slow: Some(9),
            kind,
            data_field: Some("volume".to_owned()),
            ..MovingAverageConfig::default()
        };
        let source = MovingAverageSignals::from_config(config).unwrap();
        let price = price_column(&d.bars_unchecked(), Some("volume")).unwrap();
        let want: Vec<Option<Action>> = source
            .strategy()
            .rows(price)
            .iter()
            .map(|r| r.signal.map(|x| x.0))
            .collect();
        let got = source.signals(&d.bars_unchecked()).unwrap();
        assert_eq!(got.actions(), &want[..], "{kind:?}");
        assert!(got.actions().contains(&Some(Action::Sell)));
    }
}

#[test]
fn crossover_warmup_is_slow_minus_one_and_matches_the_strategy() {
    let d = walk(200);
    let source = MovingAverageSignals::crossover(5, 12).unwrap();
    let s = source.signals(&d.bars()).unwrap();
    assert_eq!(s.warmup(), 11);
    let rows = source.strategy().rows(&d.c);
    for (a, r) in s.actions().iter().zip(&rows) {
        assert_eq!(*a, r.signal.map(|x| x.0));
    }
    assert!(s.actions().contains(&Some(Action::Buy)));
    check_lookahead(&d.bars(), &source, &s, LookAheadCheck::Every).unwrap();
    assert!(MovingAverageSignals::crossover(12, 5).is_err());
}

#[test]
fn price_vs_average_is_a_state_signal() {
    let d = walk(120);
    let source = MovingAverageSignals::from_config(MovingAverageConfig {
        period: 10,
        signal_threshold: 0.01,
        data_field: Some("Open".to_owned()),
        ..MovingAverageConfig::default()
    })
    .unwrap();
    assert_eq!(
        source.name(),
        "moving_average(sma,period=10,signal_threshold=0.01)"
    );
    let config = BacktestConfig {
        signal_mode: SignalMode::LongOnly,
        ..BacktestConfig::default()
    };
    let r = run_source(&d.bars(), &source, &config, LookAheadCheck::Every).unwrap();
    assert_eq!(r.warmup, 9);
    assert!(r.stats.trades > 0);
    assert!(r.trades.iter().all(|t| t.size > 0));
    let bad = MovingAverageSignals::from_config(MovingAverageConfig {
        data_field: Some("vwap".to_owned()),
        ..MovingAverageConfig::default()
    })
    .unwrap();
    assert!(matches!(
        bad.signals(&d.bars()),
        Err(BacktestError::MissingColumn { .. })
    ));
}

#[test]
fn arima_and_hybrid_refit_on_history_only() {
    let d = walk(90);
    let registry = stratos_strategies::registry();
    let arima = registry
        .build(
            "arima_prediction",
            serde_json::json!({"p": 1, "d": 1, "q": 0, "minDataPoints": 30}),
        )
        .unwrap();
    let source = StrategySignals::walk_forward(arima, 15);
    assert_eq!(source.walk(), SignalWalk::Refit { refit_every: 15 });
    let s = source.signals(&d.bars()).unwrap();
    // The first fit needs 30 points (bar 29); then every 15 bars.
    assert_eq!(s.warmup(), 29);
    let defined: Vec<usize> = (0..90).filter(|&t| s.actions()[t].is_some()).collect();
    assert_eq!(defined, [29, 44, 59, 74, 89]);
    check_lookahead(&d.bars(), &source, &s, LookAheadCheck::Sampled(3)).unwrap();

    let hybrid = registry
        .build(
            "hybrid_arima_ma",
            serde_json::json!({
                "arimaConfig": {"p": 1, "d": 1, "q": 0, "minDataPoints": 30},
                "maConfig": {"period": 10}
            }),
        )
        .unwrap();
    let source = StrategySignals::walk_forward(hybrid, 30);
    let config = BacktestConfig {
        signal_mode: SignalMode::Position,
        ..BacktestConfig::default()
    };
    let r = run_source(&d.bars(), &source, &config, LookAheadCheck::Sampled(2)).unwrap();
    assert!(r.strategy.starts_with("hybrid_arima_ma("));
    assert_eq!(r.equity.len(), 90);
}

/// A user plug-in with a per-row signal: BUY on an up bar, SELL on a down bar.
#[derive(Debug)]
struct UpDown;

impl Plugin for UpDown {
    fn id(&self) -> &str {
        "up_down"
    }
    fn name(&self) -> &str {
        "Up/down bar"
    }
    fn version(&self) -> &str {
        "1.0"
    }
    fn result_type(&self) -> ResultType {
        ResultType::Signal
    }
    fn validate(&self, _: &serde_json::Value) -> Result<(), ConfigError> {
        Ok(())
    }
    fn execute(
        &self,
        frame: &Frame,
        _: &serde_json::Value,
    ) -> Result<StrategyResult, StrategyError> {
        let (o, c) = (
            frame.column("open").unwrap_or_default(),
            frame.column("close").unwrap_or_default(),
        );
        let actions = o
            .iter()
            .zip(c)
            .map(|(o, c)| Some(if c > o { Action::Buy } else { Action::Sell }))
            .collect();
        Ok(
            StrategyResult::new("up_down", ResultType::Signal, serde_json::json!({}), 1.0)
                .with_outputs(Outputs::new("close").action("signal", actions)),
        )
    }
    fn input_fields(&self, _: &serde_json::Value, _: &Schema) -> Result<Vec<String>, ConfigError> {
        Ok(vec!["open".to_owned(), "close".to_owned()])
    }
}

#[test]
fn plugins_and_builtins_give_per_row_signals() {
    let d = walk(60);
    let mut registry = stratos_strategies::registry();
    registry.register_plugin(UpDown).unwrap();
    let source =
        StrategySignals::per_row(registry.build("up_down", serde_json::Value::Null).unwrap());
    let config = BacktestConfig {
        exclusive_orders: true,
        signal_mode: SignalMode::Position,
        ..BacktestConfig::default()
    };
    let r = run_source(&d.bars(), &source, &config, LookAheadCheck::Every).unwrap();
    assert_eq!(r.warmup, 0);
    assert!(r.stats.trades > 5);

    // The registry's moving_average crossover gives the adaptor's signals.
    let ma = registry
        .build("moving_average", serde_json::json!({"fast": 3, "slow": 8}))
        .unwrap();
    let per_row = StrategySignals::per_row(ma).signals(&d.bars()).unwrap();
    let direct = MovingAverageSignals::from_config(MovingAverageConfig {
        fast: Some(3),
        slow: Some(8),
        ..MovingAverageConfig::default()
    })
    .unwrap()
    .signals(&d.bars())
    .unwrap();
    assert_eq!(per_row, direct);

    // A strategy without per-row signals says so.
    let arima = registry
        .build("arima_prediction", serde_json::json!({"minDataPoints": 30}))
        .unwrap();
    let err = StrategySignals::per_row(arima)
        .signals(&d.bars())
        .unwrap_err();
    assert!(matches!(err, BacktestError::Signal { .. }));
}

#[test]
fn source_for_picks_the_adaptor_and_mode() {
    let registry = stratos_strategies::registry();
    let req = |json: &str| -> StrategyRequest { serde_json::from_str(json).unwrap() };
    let c = source_for(
        &registry,
        &req(r#"{"strategy_id": "moving_average", "config": {"period": 5}}"#),
        None,
    )
    .unwrap();
    assert_eq!(c.mode, SignalMode::Position);
    let c = source_for(
        &registry,
        &req(r#"{"strategy_id": "arima_prediction", "config": {"minDataPoints": 30}}"#),
        Some(25),
    )
    .unwrap();
    assert_eq!(c.mode, SignalMode::Position);
    assert!(c.source.name().starts_with("arima_prediction("));
    let d = walk(70);
    let s = c.source.signals(&d.bars()).unwrap();
    assert_eq!(s.warmup(), 29);
    assert_eq!(s.actions().iter().filter(|a| a.is_some()).count(), 2);
    // anomaly_detection has no action output: auto falls back to refits.
    let c = source_for(
        &registry,
        &req(r#"{"strategy_id": "anomaly_detection", "config": {"window_size": 10}}"#),
        Some(30),
    )
    .unwrap();
    let s = c.source.signals(&d.bars()).unwrap();
    assert!(s.actions().iter().filter(|a| a.is_some()).count() <= 3);
    assert!(source_for(&registry, &req(r#"{"strategy_id": "nope"}"#), None).is_err());
    assert!(
        source_for(
            &registry,
            &req(r#"{"strategy_id": "moving_average", "config": {"bogus": 1}}"#),
            None
        )
        .is_err()
    );
}

#[test]
fn request_builder_sweeps_a_request_config() {
    use crate::backtest::optimise::{Objective, ParamGrid, sweep};
    let d = walk(400);
    let registry = stratos_strategies::registry();
    let request: StrategyRequest =
        serde_json::from_str(r#"{"strategy_id": "moving_average", "config": {"kind": "ema"}}"#)
            .unwrap();
    let build = request_builder(&registry, &request, None);
    let grid = ParamGrid::parse("fast=3|6|12,slow=6|12").unwrap();
    let config = BacktestConfig {
        exclusive_orders: true,
        ..BacktestConfig::default()
    };
    let ranked = sweep(
        &d.bars(),
        &grid,
        &config,
        &Objective::maximize("Return [%]"),
        &build,
        2,
    )
    .unwrap();
    // fast < slow: (3,6), (3,12), (6,12).
    assert_eq!(ranked.len(), 3);
    let best = &ranked[0];
    let direct = MovingAverageSignals::from_config(MovingAverageConfig {
        kind: MaKind::Ema,
        fast: Some(best.params["fast"] as usize),
        slow: Some(best.params["slow"] as usize),
        ..MovingAverageConfig::default()
    })
    .unwrap();
    let single = run_source(&d.bars(), &direct, &config, LookAheadCheck::Off).unwrap();
    assert_eq!(single.stats, best.stats);
    let bad: StrategyRequest =
        serde_json::from_str(r#"{"strategy_id": "moving_average", "config": {"bogus": 1}}"#)
            .unwrap();
    let build = request_builder(&registry, &bad, None);
    assert!(build(&Params::new()).is_err());
}

/// The seed's `rebalancingFrequency` in a hybrid (or ARIMA) backtest: the signal is
/// re-decided, and the position moved, only on the first bar of each period.
#[test]
fn rebalancing_frequency_trades_on_period_starts_only() {
    let registry = stratos_strategies::registry();
    let req = |config: serde_json::Value| StrategyRequest {
        strategy_id: "hybrid_arima_ma".to_owned(),
        config,
    };
    let base = serde_json::json!({
        "arimaConfig": {"p": 1, "d": 1, "q": 0, "minDataPoints": 30},
        "maConfig": {"period": 10},
        "rebalancingFrequency": "weekly"
    });
    // Daily bars from 1970-01-01, a Thursday: Mondays are days 4, 11, 18, …
    let d = walk(120);
    let c = source_for(&registry, &req(base.clone()), None).unwrap();
    assert_eq!(c.mode, SignalMode::Position);
    assert!(
        c.source.name().ends_with(" rebalanced weekly"),
        "{}",
        c.source.name()
    );
    let s = c.source.signals(&d.bars()).unwrap();
    let defined: Vec<usize> = (0..120).filter(|&t| s.actions()[t].is_some()).collect();
    // The first fit needs 30 points: the first Monday from bar 29 on is day 32.
    assert_eq!(defined, (32..120).step_by(7).collect::<Vec<_>>());
    let config = BacktestConfig {
        signal_mode: SignalMode::Position,
        ..BacktestConfig::default()
    };
    let r = run_source(
        &d.bars(),
        c.source.as_ref(),
        &config,
        LookAheadCheck::Sampled(2),
    )
    .unwrap();
    assert!(!r.trades.is_empty() || !r.open_trades.is_empty());
    // Orders fill at the next bar's open: every entry is the day after a Monday.
    for t in r
        .trades
        .iter()
        .map(|t| t.entry_bar)
        .chain(r.open_trades.iter().map(|t| t.entry_bar))
    {
        assert_eq!(
            (t - 1 + 3) % 7,
            0,
            "entry at bar {t} is not the day after a Monday"
        );
    }

    // Monthly: February 1 (day 31) and March 1 (day 59), April 1 (day 90).
    let mut monthly = base.clone();
    monthly["rebalancingFrequency"] = serde_json::json!("Monthly");
    let s = source_for(&registry, &req(monthly), None)
        .unwrap()
        .source
        .signals(&d.bars())
        .unwrap();
    let defined: Vec<usize> = (0..120).filter(|&t| s.actions()[t].is_some()).collect();
    assert_eq!(defined, [31, 59, 90]);

    // The seed's literal config: daily on daily bars re-decides every bar.
    let d = walk(45);
    let seed = serde_json::json!({"weights": {"arima": 0.7, "ma": 0.3}, "consensusThreshold": 0.8,
        "rebalancingFrequency": "daily", "arimaConfig": {"minDataPoints": 30}});
    let s = source_for(&registry, &req(seed), None)
        .unwrap()
        .source
        .signals(&d.bars())
        .unwrap();
    assert_eq!(s.warmup(), 29);
    assert_eq!(s.actions().iter().filter(|a| a.is_some()).count(), 45 - 29);

    let mut bad = base.clone();
    bad["rebalancingFrequency"] = serde_json::json!("fortnightly");
    let e = source_for(&registry, &req(bad), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("rebalancingFrequency") && e.contains("\"weekly\""),
        "{e}"
    );
    let e = source_for(
        &registry,
        &StrategyRequest {
            strategy_id: "moving_average".to_owned(),
            config: serde_json::json!({"period": 5, "rebalancingFrequency": "daily"}),
        },
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("applies to arima_prediction and hybrid_arima_ma"),
        "{e}"
    );
}

#[test]
fn refitting_at_every_bar_gets_a_cost_warning_with_an_interval_to_set() {
    let registry = stratos_strategies::registry();
    let arima = || {
        registry
            .build(
                "arima_prediction",
                serde_json::json!({"p": 1, "d": 1, "q": 0}),
            )
            .unwrap()
    };
    let every_bar = StrategySignals::walk_forward(arima(), 1);
    assert_eq!(
        every_bar.cost_warnings(5_000),
        [
            "refit_every = 1: 5000 refits of arima_prediction over 5000 bars, each on the whole \
          history so far (about 1.250e7 bars fitted in all); set refit_every (--refit-every) \
          to 50 for about 100 refits"
        ]
    );
    // Few bars, or the default interval: no warning.
    assert!(every_bar.cost_warnings(COSTLY_REFITS).is_empty());
    let default = StrategySignals::walk_forward(arima(), DEFAULT_REFIT_EVERY);
    assert!(default.cost_warnings(5_000).is_empty());
    // Per-row sources never refit; the strategy's own warnings pass through.
    let ma = registry
        .build("moving_average", serde_json::json!({"period": 1_000_000}))
        .unwrap();
    let per_row = StrategySignals::per_row(ma);
    let w = per_row.cost_warnings(1_000_000);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("period = 1000000: "), "{w:?}");
    // Sources that know of no cost say nothing.
    let fast = MovingAverageSignals::from_config(
        MovingAverageConfig::from_json(serde_json::json!({"fast": 10, "slow": 20})).unwrap(),
    )
    .unwrap();
    assert!(fast.cost_warnings(1_000_000).is_empty());
}

/// Counts every forecast it is asked for (each one a fit of the wrapped ARIMA).
struct CountingFits<'a> {
    inner: &'a crate::rolling_origin::ArimaForecaster,
    fits: std::sync::atomic::AtomicUsize,
}

impl crate::rolling_origin::Forecaster for CountingFits<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn min_history(&self) -> usize {
        self.inner.min_history()
    }
    fn forecast(
        &self,
        history: &[f64],
        horizon: usize,
    ) -> Result<Vec<f64>, crate::rolling_origin::ForecastError> {
        self.fits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.forecast(history, horizon)
    }
}

/// The `average_accuracy` of an ARIMA or hybrid backtest comes from the signals' own refits:
/// the same report, bit for bit, as refitting at every origin, with no fit of its own at
/// the origins the refits cover (one fit per origin instead of two).
#[test]
fn refit_forecasts_score_the_backtests_own_fits() {
    use crate::rolling_origin::{ArimaForecaster, RollingOrigin};
    let d = walk(160);
    let registry = stratos_strategies::registry();
    let refit_every = 10;
    for request in [
        r#"{"strategy_id": "arima_prediction", "config": {"p": 1, "d": 1, "q": 1, "steps": 3, "minDataPoints": 40}}"#,
        r#"{"strategy_id": "arima_prediction", "config": {"auto": true, "max_p": 2, "max_q": 1, "minDataPoints": 50}}"#,
        r#"{"strategy_id": "hybrid_arima_ma", "config": {"arimaConfig": {"p": 2, "d": 1, "q": 0, "steps": 4, "minDataPoints": 40}, "maConfig": {"period": 10}}}"#,
    ] {
        let request: StrategyRequest = serde_json::from_str(request).unwrap();
        let choice = source_for(&registry, &request, Some(refit_every)).unwrap();
        let config = BacktestConfig {
            signal_mode: choice.mode,
            ..BacktestConfig::default()
        };
        let result = run_source(
            &d.bars(),
            choice.source.as_ref(),
            &config,
            LookAheadCheck::Off,
        )
        .unwrap();
        let signal_fits = result.forecasts.len();
        // One forecast per refit: the bars with a signal.
        let refit_bars: Vec<usize> = result.forecasts.iter().map(|f| f.bar).collect();
        let signals = choice.source.signals(&d.bars()).unwrap();
        let signal_bars: Vec<usize> = (0..d.c.len())
            .filter(|&t| signals.actions()[t].is_some())
            .collect();
        assert_eq!(refit_bars, signal_bars, "{}", request.strategy_id);

        let forecaster = ArimaForecaster::for_request(&request).unwrap().unwrap();
        let eval = RollingOrigin::aligned_with_refits(&forecaster, refit_every).unwrap();
        // Before: every origin fitted again.
        let refitting = CountingFits {
            inner: &forecaster,
            fits: std::sync::atomic::AtomicUsize::new(0),
        };
        let before = eval.run(&refitting, &d.c).unwrap();
        // Now: every origin answered by a signal refit.
        let shared = RefitForecasts::new(&result.forecasts, &d.c, &forecaster);
        let after = eval.run(&shared, &d.c).unwrap();
        assert_eq!(after, before, "{}", request.strategy_id);
        let origins = after.forecasts.len();
        assert!(origins >= 8, "{origins} origins");
        assert_eq!(
            refitting.fits.load(std::sync::atomic::Ordering::Relaxed),
            origins
        );
        assert_eq!((shared.reused(), shared.fitted()), (origins, 0));
        // Every scored origin was fitted twice before (its signal's refit and the
        // evaluation's) and is fitted once now.
        let before_fits = signal_fits + refitting.fits.into_inner();
        let now_fits = signal_fits + shared.fitted();
        assert_eq!(before_fits - now_fits, origins);
    }
}

/// Origins no refit made are fitted, with the same report as fitting them all.
#[test]
fn refit_forecasts_fall_back_to_fitting_off_the_refit_grid() {
    use crate::rolling_origin::{ArimaForecaster, Forecaster, RollingOrigin};
    let d = walk(120);
    let request: StrategyRequest = serde_json::from_str(
        r#"{"strategy_id": "arima_prediction", "config": {"p": 1, "d": 1, "q": 0, "minDataPoints": 40}}"#,
    )
    .unwrap();
    let forecaster = ArimaForecaster::for_request(&request).unwrap().unwrap();
    // Refits every 10 bars; the evaluation every 7: only the first origin is shared.
    let choice = source_for(&stratos_strategies::registry(), &request, Some(10)).unwrap();
    let result = run_source(
        &d.bars(),
        choice.source.as_ref(),
        &BacktestConfig::default(),
        LookAheadCheck::Off,
    )
    .unwrap();
    let eval = RollingOrigin::aligned_with_refits(&forecaster, 7).unwrap();
    let shared = RefitForecasts::new(&result.forecasts, &d.c, &forecaster);
    let report = eval.run(&shared, &d.c).unwrap();
    assert_eq!(report, eval.run(&forecaster, &d.c).unwrap());
    let origins = report.forecasts.len();
    // Refits at bars 39, 49, …; origins 40, 47, 54, …, 110: 40 and 110 are on both grids.
    assert_eq!(shared.reused(), 2);
    assert_eq!(shared.fitted(), origins - 2);
    // Another series of the same length is never answered from these refits.
    let other: Vec<f64> = d.c.iter().map(|v| v * 2.0).collect();
    let shared = RefitForecasts::new(&result.forecasts, &d.c, &forecaster);
    assert!(shared.forecast(&other[..40], 5).is_ok());
    assert_eq!((shared.reused(), shared.fitted()), (0, 1));
}
