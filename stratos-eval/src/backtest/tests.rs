//! Engine unit tests on small hand-checked bar sets.

use super::*;
use stratos_core::{Action, Timestamp};

fn days(n: usize) -> Vec<Timestamp> {
    (0..n)
        .map(|i| Timestamp::from_epoch_seconds(i as i64 * 86_400).unwrap())
        .collect()
}

struct Data {
    t: Vec<Timestamp>,
    o: Vec<f64>,
    h: Vec<f64>,
    l: Vec<f64>,
    c: Vec<f64>,
}

impl Data {
    /// Bars from (open, high, low, close) rows, one day apart.
    fn new(rows: &[(f64, f64, f64, f64)]) -> Self {
        Data {
            t: days(rows.len()),
            o: rows.iter().map(|r| r.0).collect(),
            h: rows.iter().map(|r| r.1).collect(),
            l: rows.iter().map(|r| r.2).collect(),
            c: rows.iter().map(|r| r.3).collect(),
        }
    }

    /// Flat bars at the given closes (open = high = low = close).
    fn closes(c: &[f64]) -> Self {
        Data::new(&c.iter().map(|&x| (x, x, x, x)).collect::<Vec<_>>())
    }

    fn bars(&self) -> Bars<'_> {
        Bars::new(&self.t, &self.o, &self.h, &self.l, &self.c).unwrap()
    }
}

fn at(n: usize, signals: &[(usize, Action)]) -> Signals {
    let mut v = vec![None; n];
    for &(i, a) in signals {
        v[i] = Some(a);
    }
    Signals::new(v, 0)
}

#[test]
fn signals_length_must_match() {
    let d = Data::closes(&[1.0, 2.0, 3.0]);
    let err = run(
        &d.bars(),
        &Signals::new(vec![None], 0),
        &BacktestConfig::default(),
    )
    .unwrap_err();
    assert!(matches!(err, BacktestError::Length { ref column, .. } if column == "signals"));
}

#[test]
fn next_open_and_this_close_fill_rules() {
    let d = Data::new(&[
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 11.0, 9.0, 10.0),
        (12.0, 13.0, 11.0, 12.5),
        (13.0, 14.0, 12.0, 13.0),
        (14.0, 14.0, 14.0, 14.0),
    ]);
    let signals = at(5, &[(1, Action::Buy), (3, Action::Sell)]);
    let exclusive = BacktestConfig {
        exclusive_orders: true,
        ..BacktestConfig::default()
    };
    // Next open: BUY on bar 1 fills at bar 2's open 12 (833 units), SELL on bar 3 closes it
    // at bar 4's open 14 and opens a short there.
    let r = run(&d.bars(), &signals, &exclusive).unwrap();
    assert_eq!(r.trades.len(), 1);
    let t = &r.trades[0];
    assert_eq!((t.size, t.entry_bar, t.exit_bar), (833, 2, 4));
    assert_eq!((t.entry_price, t.exit_price), (12.0, 14.0));
    assert_eq!(t.exit_reason, ExitReason::Signal);
    assert_eq!(
        r.open_trades[0].size,
        -(10_000.0f64 + 833.0 * 2.0) as i64 / 14
    );
    // This close: BUY on bar 1 fills at bar 1's close 10 (999 units: 1−ε of 10 000 / 10),
    // the SELL at bar 3's close 13.
    let on_close = BacktestConfig {
        fill: Fill::ThisClose,
        ..exclusive
    };
    let r = run(&d.bars(), &signals, &on_close).unwrap();
    let t = &r.trades[0];
    assert_eq!((t.size, t.entry_bar, t.exit_bar), (999, 1, 3));
    assert_eq!((t.entry_price, t.exit_price), (10.0, 13.0));
}

#[test]
fn stop_loss_and_take_profit_fill_through_gaps_at_the_open() {
    // Long at bar 2's open 100, signal close 100 → SL 95, TP 110.
    let gap_down = Data::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 101.0, 99.0, 100.0),
        (90.0, 92.0, 88.0, 91.0),
        (91.0, 91.0, 91.0, 91.0),
    ]);
    let config = BacktestConfig {
        stop_loss: Some(Bracket::Fraction(0.05)),
        take_profit: Some(Bracket::Fraction(0.10)),
        ..BacktestConfig::default()
    };
    let buy = at(5, &[(1, Action::Buy)]);
    let r = run(&gap_down.bars(), &buy, &config).unwrap();
    let t = &r.trades[0];
    assert_eq!((t.entry_bar, t.exit_bar, t.exit_price), (2, 3, 90.0));
    assert_eq!(t.exit_reason, ExitReason::StopLoss);
    assert_eq!(t.sl, Some(95.0));
    assert_eq!(t.tp, Some(110.00000000000001));

    let gap_up = Data::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 101.0, 99.0, 100.0),
        (115.0, 118.0, 114.0, 116.0),
        (116.0, 116.0, 116.0, 116.0),
    ]);
    let r = run(&gap_up.bars(), &buy, &config).unwrap();
    let t = &r.trades[0];
    assert_eq!((t.exit_bar, t.exit_price), (3, 115.0));
    assert_eq!(t.exit_reason, ExitReason::TakeProfit);

    // Both touched inside one bar: the stop-loss wins, at its level.
    let both = Data::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 101.0, 99.0, 100.0),
        (100.0, 120.0, 80.0, 100.0),
        (100.0, 100.0, 100.0, 100.0),
    ]);
    let r = run(&both.bars(), &buy, &config).unwrap();
    assert_eq!(r.trades[0].exit_price, 95.0);
    assert_eq!(r.trades[0].exit_reason, ExitReason::StopLoss);

    // A stop-loss can hit on the entry bar itself.
    let same_bar = Data::new(&[
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 100.0, 100.0, 100.0),
        (100.0, 101.0, 94.0, 96.0),
        (96.0, 96.0, 96.0, 96.0),
    ]);
    let r = run(&same_bar.bars(), &at(4, &[(1, Action::Buy)]), &config).unwrap();
    assert_eq!((r.trades[0].entry_bar, r.trades[0].exit_bar), (2, 2));
    assert_eq!(r.trades[0].exit_price, 95.0);
}

#[test]
fn brackets_on_the_wrong_side_are_an_error_naming_the_bar() {
    let d = Data::closes(&[100.0, 100.0, 100.0]);
    let config = BacktestConfig {
        stop_loss: Some(Bracket::Price(105.0)),
        ..BacktestConfig::default()
    };
    let err = run(&d.bars(), &at(3, &[(1, Action::Buy)]), &config).unwrap_err();
    assert!(
        matches!(err, BacktestError::InvalidBracket { bar: 1, ref side, .. } if side == "long")
    );
    assert!(
        err.to_string()
            .starts_with("backtest: bar 1: a long order at 100")
    );
}

#[test]
fn relative_and_fixed_commission_at_entry_and_exit() {
    let d = Data::closes(&[10.0, 10.0, 10.0, 12.0, 12.0]);
    let config = BacktestConfig {
        commission: Commission {
            fixed: 5.0,
            relative: 0.01,
        },
        exclusive_orders: true,
        ..BacktestConfig::default()
    };
    let r = run(
        &d.bars(),
        &at(5, &[(1, Action::Buy), (3, Action::Sell)]),
        &config,
    )
    .unwrap();
    let t = &r.trades[0];
    // units = int(10000·(1−ε) // (10 + (5 + 0.01·(1−ε)·10)/(1−ε))) = int(9999.99… // 15.1) = 662.
    assert_eq!(t.size, 662);
    assert_eq!(
        t.commission,
        5.0 + 0.01 * 662.0 * 10.0 + 5.0 + 0.01 * 662.0 * 12.0
    );
    assert_eq!(t.pnl, 662.0 * 2.0 - t.commission);
    assert_eq!(r.stats.commissions, t.commission);
}

#[test]
fn spread_moves_the_entry_not_the_exit() {
    let d = Data::closes(&[10.0, 10.0, 10.0, 12.0, 12.0]);
    let config = BacktestConfig {
        spread: 0.01,
        exclusive_orders: true,
        ..BacktestConfig::default()
    };
    let r = run(
        &d.bars(),
        &at(5, &[(1, Action::Sell), (3, Action::Buy)]),
        &config,
    )
    .unwrap();
    let t = &r.trades[0];
    assert_eq!(t.size, -1010);
    assert_eq!(t.entry_price, 10.0 * (1.0 - 0.01));
    assert_eq!(t.exit_price, 12.0);
}

#[test]
fn out_of_money_closes_at_the_close_and_stops() {
    // Leverage 10: 99 units at 100 with 1 000 cash; a fall to 85 wipes the account.
    let d = Data::closes(&[100.0, 100.0, 100.0, 85.0, 90.0, 95.0]);
    let config = BacktestConfig {
        cash: 1_000.0,
        margin: 0.1,
        ..BacktestConfig::default()
    };
    let r = run(
        &d.bars(),
        &at(6, &[(1, Action::Buy), (4, Action::Buy)]),
        &config,
    )
    .unwrap();
    assert_eq!(r.trades.len(), 1);
    let t = &r.trades[0];
    assert_eq!((t.size, t.exit_bar, t.exit_price), (99, 3, 85.0));
    assert_eq!(t.exit_reason, ExitReason::OutOfMoney);
    assert_eq!(&r.equity.equity[3..], &[0.0, 0.0, 0.0]);
    assert!(r.warnings.contains(&Warning::OutOfMoney { bar: 3 }));
    assert!(r.open_trades.is_empty());
    assert_eq!(r.stats.return_pct, -100.0);
}

#[test]
fn insufficient_margin_cancels_with_a_warning() {
    let d = Data::closes(&[100.0, 100.0, 100.0, 100.0]);
    let config = BacktestConfig {
        cash: 50.0,
        ..BacktestConfig::default()
    };
    let r = run(&d.bars(), &at(4, &[(1, Action::Buy)]), &config).unwrap();
    assert!(r.trades.is_empty() && r.open_trades.is_empty());
    assert!(matches!(
        r.warnings[0],
        Warning::InsufficientMargin { bar: 2, .. }
    ));
    let fixed = BacktestConfig {
        size: OrderSize::Units(1_000),
        ..BacktestConfig::default()
    };
    let r = run(&d.bars(), &at(4, &[(1, Action::Buy)]), &fixed).unwrap();
    assert!(r.open_trades.is_empty());
    assert_eq!(r.warnings.len(), 1);
    let fixed = BacktestConfig {
        size: OrderSize::Units(7),
        ..BacktestConfig::default()
    };
    let r = run(&d.bars(), &at(4, &[(1, Action::Buy)]), &fixed).unwrap();
    assert_eq!(r.open_trades[0].size, 7);
}

#[test]
fn signal_modes_turn_states_into_trades() {
    let d = Data::closes(&[10.0, 10.0, 11.0, 12.0, 11.0, 10.0, 9.0, 10.0]);
    let state = at(
        8,
        &[
            (1, Action::Buy),
            (2, Action::Buy),
            (3, Action::Buy),
            (4, Action::Sell),
            (5, Action::Sell),
            (6, Action::Hold),
        ],
    );
    let base = BacktestConfig {
        exclusive_orders: true,
        ..BacktestConfig::default()
    };
    // Orders: every BUY is a new order; with exclusive orders each one closes the last.
    let r = run(&d.bars(), &state, &base).unwrap();
    assert_eq!(r.trades.len(), 4);
    // Position: BUY only when not long, SELL only when not short.
    let position = BacktestConfig {
        signal_mode: SignalMode::Position,
        ..base.clone()
    };
    let r = run(&d.bars(), &state, &position).unwrap();
    assert_eq!(r.trades.len(), 1);
    assert_eq!((r.trades[0].entry_bar, r.trades[0].exit_bar), (2, 5));
    assert!(r.open_trades[0].size < 0);
    // Long only: SELL closes, never shorts.
    let long_only = BacktestConfig {
        signal_mode: SignalMode::LongOnly,
        ..base
    };
    let r = run(&d.bars(), &state, &long_only).unwrap();
    assert_eq!(r.trades.len(), 1);
    assert!(r.open_trades.is_empty());
    assert_eq!(r.trades[0].exit_bar, 5);
}

#[test]
fn close_on_last_bar_puts_open_trades_into_the_statistics() {
    let d = Data::new(&[
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (11.0, 11.0, 11.0, 11.0),
        (12.0, 13.0, 11.5, 12.5),
    ]);
    let buy = at(4, &[(1, Action::Buy)]);
    let left = run(&d.bars(), &buy, &BacktestConfig::default()).unwrap();
    assert_eq!(left.stats.trades, 0);
    assert_eq!(left.open_trades.len(), 1);
    assert_eq!(left.warnings, vec![Warning::OpenTradesAtEnd { count: 1 }]);
    assert_eq!(left.stats.equity_final, 10_000.0 + 909.0 * 1.5);
    let closed = run(
        &d.bars(),
        &buy,
        &BacktestConfig {
            end_of_data: EndOfData::CloseOnLastBar,
            ..BacktestConfig::default()
        },
    )
    .unwrap();
    assert_eq!(closed.stats.trades, 1);
    // backtesting.py's finalize_trades: closed at the last bar's open.
    assert_eq!(closed.trades[0].exit_price, 12.0);
    assert_eq!(closed.trades[0].exit_reason, ExitReason::EndOfData);
    assert!(closed.open_trades.is_empty());
}

#[test]
fn no_trades_and_single_bar_give_nan_not_panics() {
    let d = Data::closes(&[10.0, 11.0, 12.0]);
    let r = run(
        &d.bars(),
        &Signals::new(vec![None; 3], 0),
        &BacktestConfig::default(),
    )
    .unwrap();
    assert_eq!(r.stats.trades, 0);
    assert!(r.stats.win_rate_pct.is_nan() && r.stats.sqn.is_nan());
    assert_eq!(r.stats.return_pct, 0.0);
    assert_eq!(r.stats.max_drawdown_duration, None);
    let json = serde_json::to_value(&r.stats).unwrap();
    assert!(json.get("Commissions [$]").is_none());
    assert_eq!(json["Win Rate [%]"], serde_json::Value::Null);
    assert_eq!(json["Max. Trade Duration"], serde_json::Value::Null);
    assert_eq!(r.summary.total_trades, 0);

    let one = Data::closes(&[10.0]);
    let r = run(
        &one.bars(),
        &Signals::new(vec![Some(Action::Buy)], 0),
        &BacktestConfig::default(),
    )
    .unwrap();
    assert!(r.stats.return_ann_pct.is_nan());
    assert_eq!(r.equity.equity, vec![10_000.0]);
    // A warm-up past the end trades nothing.
    let r = run(
        &d.bars(),
        &Signals::new(vec![Some(Action::Buy); 3], 99),
        &BacktestConfig::default(),
    )
    .unwrap();
    assert_eq!(r.equity.equity, vec![10_000.0; 3]);
}

#[test]
fn hedging_keeps_opposite_trades_side_by_side() {
    let d = Data::closes(&[10.0, 10.0, 10.0, 10.0, 11.0]);
    let config = BacktestConfig {
        hedging: true,
        margin: 0.5,
        size: OrderSize::Units(100),
        ..BacktestConfig::default()
    };
    let r = run(
        &d.bars(),
        &at(5, &[(1, Action::Buy), (2, Action::Sell)]),
        &config,
    )
    .unwrap();
    assert_eq!(r.open_trades.len(), 2);
    let netting = BacktestConfig {
        hedging: false,
        ..config
    };
    let r = run(
        &d.bars(),
        &at(5, &[(1, Action::Buy), (2, Action::Sell)]),
        &netting,
    )
    .unwrap();
    assert_eq!(r.open_trades.len(), 0);
    assert_eq!(r.trades.len(), 1);
}

/// A source that peeks at the next bar's close from bar 5 on.
fn peeking() -> impl SignalSource {
    FnSource::new("peeking", |b: &Bars<'_>| {
        let c = b.close();
        Ok(Signals::new(
            (0..c.len())
                .map(|t| {
                    if t < 5 {
                        None
                    } else {
                        c.get(t + 1).map(|next| {
                            if *next > c[t] {
                                Action::Buy
                            } else {
                                Action::Sell
                            }
                        })
                    }
                })
                .collect(),
            0,
        ))
    })
}

/// A causal source: BUY after an up bar, SELL after a down bar.
fn causal() -> impl SignalSource {
    FnSource::new("momentum", |b: &Bars<'_>| {
        let c = b.close();
        Ok(Signals::from_actions(
            (0..c.len())
                .map(|t| {
                    (t > 0).then(|| {
                        if c[t] > c[t - 1] {
                            Action::Buy
                        } else {
                            Action::Sell
                        }
                    })
                })
                .collect(),
        ))
    })
}

#[test]
fn lookahead_guard_catches_a_peeking_source() {
    let c: Vec<f64> = (0..40).map(|i| 100.0 + ((i * 7) % 11) as f64).collect();
    let d = Data::closes(&c);
    let bars = d.bars();
    let full = peeking().signals(&bars).unwrap();
    let err = check_lookahead(&bars, &peeking(), &full, LookAheadCheck::Every).unwrap_err();
    assert!(matches!(
        err,
        BacktestError::LookAhead {
            bar: 5,
            cut: 5,
            bars: 40,
            ..
        }
    ));
    assert!(
        err.to_string()
            .starts_with("look-ahead: the signal at bar 5")
    );
    let err = run_source(
        &bars,
        &peeking(),
        &BacktestConfig::default(),
        LookAheadCheck::Sampled(3),
    )
    .unwrap_err();
    assert!(matches!(err, BacktestError::LookAhead { .. }));
    // Off: the peeking source runs (and is wrong, silently).
    assert!(
        run_source(
            &bars,
            &peeking(),
            &BacktestConfig::default(),
            LookAheadCheck::Off
        )
        .is_ok()
    );
    // A causal source passes every check.
    let r = run_source(
        &bars,
        &causal(),
        &BacktestConfig::default(),
        LookAheadCheck::Every,
    )
    .unwrap();
    assert_eq!(r.strategy, "momentum");
    assert_eq!(r.warmup, 1);
}

#[test]
fn absurd_inputs_are_capped_or_refused_not_panics() {
    // Prices so small that full equity buys more than 10^15 units: capped.
    let d = Data::closes(&[1e-300, 1e-300, 1e-300, 2e-300]);
    let r = run(
        &d.bars(),
        &at(4, &[(1, Action::Sell)]),
        &BacktestConfig::default(),
    )
    .unwrap();
    assert_eq!(r.open_trades[0].size, -1_000_000_000_000_000);
    let huge = BacktestConfig {
        size: OrderSize::Units(u64::MAX),
        ..BacktestConfig::default()
    };
    assert!(matches!(
        run(&d.bars(), &at(4, &[]), &huge),
        Err(BacktestError::Config { .. })
    ));
    let grid = optimise::ParamGrid::parse("a=1..1000:1,b=1..1000:1,c=1..10:1").unwrap();
    assert_eq!(grid.len(), 10_000_000);
    let build =
        |_: &optimise::Params| -> Result<Option<Box<dyn SignalSource>>, BacktestError> { Ok(None) };
    let err = optimise::sweep(
        &d.bars(),
        &grid,
        &BacktestConfig::default(),
        &optimise::Objective::default(),
        &build,
        1,
    )
    .unwrap_err();
    assert!(err.to_string().contains("10000000 combinations"));
    assert!(optimise::ParamGrid::parse("a=5..1:1").is_err());
    assert!(optimise::ParamGrid::parse("a=x").is_err());
    assert!(optimise::ParamGrid::parse("=1").is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn action(k: u8) -> Option<Action> {
        match k % 5 {
            0 => Some(Action::Buy),
            1 => Some(Action::Sell),
            2 => Some(Action::Hold),
            _ => None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any bars, signals and settings: no panic, one equity value per bar, and the books
        /// balance: final equity = cash + Σ closed PnL + Σ open (unrealized − entry commission).
        #[test]
        fn runs_never_panic_and_the_books_balance(
            moves in prop::collection::vec((-0.2f64..0.2, 0.0f64..0.05, 0.0f64..0.05, 0u8..255), 1..120),
            relative in 0.0f64..0.01,
            spread in 0.0f64..0.01,
            margin in 0.05f64..1.0,
            sl in prop::option::of(0.01f64..0.3),
            tp in prop::option::of(0.01f64..0.3),
            mode in 0u8..3,
            flags in 0u8..16,
            warmup in 0usize..10,
        ) {
            let mut rows = Vec::new();
            let mut price = 100.0f64;
            for &(r, up, down, _) in &moves {
                let open = price;
                price *= 1.0 + r;
                let close = price;
                rows.push((open, open.max(close) * (1.0 + up), open.min(close) * (1.0 - down), close));
            }
            let d = Data::new(&rows);
            let signals = Signals::new(moves.iter().map(|m| action(m.3)).collect(), warmup);
            let config = BacktestConfig {
                commission: Commission { fixed: 0.0, relative },
                spread,
                margin,
                fill: if flags & 1 == 0 { Fill::NextOpen } else { Fill::ThisClose },
                exclusive_orders: flags & 2 != 0,
                hedging: flags & 4 != 0,
                end_of_data: if flags & 8 == 0 { EndOfData::LeaveOpen } else { EndOfData::CloseOnLastBar },
                stop_loss: sl.map(Bracket::Fraction),
                take_profit: tp.map(|f| Bracket::Fraction(f + spread)),
                signal_mode: [SignalMode::Orders, SignalMode::Position, SignalMode::LongOnly][mode as usize],
                ..BacktestConfig::default()
            };
            let r = run(&d.bars(), &signals, &config).unwrap();
            prop_assert_eq!(r.equity.equity.len(), rows.len());
            prop_assert!(r.trades.iter().all(|t| t.entry_bar <= t.exit_bar && t.size != 0));
            let broke = r.warnings.iter().any(|w| matches!(w, Warning::OutOfMoney { .. }));
            if !broke {
                let closed: f64 = r.trades.iter().map(|t| t.pnl).sum();
                let open: f64 = r
                    .open_trades
                    .iter()
                    .map(|t| t.unrealized_pnl - config.commission.cost(t.size as f64, t.entry_price))
                    .sum();
                let books = config.cash + closed + open;
                prop_assert!(
                    (r.stats.equity_final - books).abs() <= 1e-9 * books.abs().max(config.cash),
                    "equity {} vs books {}", r.stats.equity_final, books
                );
            }
            // The statistics serialize (NaN as null) and name every key.
            let json = serde_json::to_value(&r.stats).unwrap();
            prop_assert!(json.get("Kelly Criterion").is_some());
        }
    }
}
