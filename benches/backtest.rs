//! Backtest benches (DESIGN.md target: an SMA-crossover backtest with full statistics over
//! 1 M bars in ≤ 100 ms; backtesting.py 0.6.6 takes 849 ms per 100 k bars on this machine).
//!
//! The bars are one-minute OHLC bars from 2000-01-03T00:00:00Z, a seeded xorshift64 random
//! walk that `benches/backtesting_py_compare.py` reproduces bit for bit, so the two sides
//! trade the same bars (and print the same # Trades and Return); the run is backtesting.py's
//! README SmaCross(10, 20) with `exclusive_orders=True`, without commission.

#![allow(clippy::expect_used)] // a bench input that fails is a bug to see at once

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stratos::backtest::signals::MovingAverageSignals;
use stratos::backtest::{BacktestConfig, Bars, Commission, SignalSource, run};
use stratos::core::Timestamp;

/// The bars of `backtesting_py_compare.py` (`make_bars` there): a random walk of log
/// returns `0.002·(u − 0.5)` from xorshift64, highs and lows up to 0.05 % beyond the body.
struct Ohlc {
    t: Vec<Timestamp>,
    o: Vec<f64>,
    h: Vec<f64>,
    l: Vec<f64>,
    c: Vec<f64>,
}

fn make_bars(n: usize) -> Ohlc {
    let start = Timestamp::parse("2000-01-03T00:00:00Z")
        .expect("a valid time")
        .micros();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut draw = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / 9_007_199_254_740_992.0
    };
    let draws: Vec<[f64; 3]> = (0..n).map(|_| [draw(), draw(), draw()]).collect();
    let mut b = Ohlc {
        t: Vec::with_capacity(n),
        o: Vec::with_capacity(n),
        h: Vec::with_capacity(n),
        l: Vec::with_capacity(n),
        c: Vec::with_capacity(n),
    };
    let mut log_price = 0.0;
    let mut prev = 100.0;
    for (i, d) in draws.iter().enumerate() {
        log_price += 0.002 * (d[0] - 0.5);
        let close = 100.0 * f64::exp(log_price);
        let open = prev;
        b.t.push(Timestamp::from_micros(start + i as i64 * 60_000_000).expect("in range"));
        b.o.push(open);
        b.h.push(open.max(close) * (1.0 + 0.0005 * d[1]));
        b.l.push(open.min(close) * (1.0 - 0.0005 * d[2]));
        b.c.push(close);
        prev = close;
    }
    b
}

/// SmaCross(10, 20) of backtesting.py's README with `exclusive_orders=True` and no
/// commission (see `backtesting_py_compare.py` for why).
fn config() -> BacktestConfig {
    BacktestConfig {
        commission: Commission::relative(0.0),
        exclusive_orders: true,
        ..BacktestConfig::default()
    }
}

fn backtest(c: &mut Criterion) {
    let mut group = c.benchmark_group("backtest");
    group.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let data = make_bars(n);
        let bars = Bars::new(&data.t, &data.o, &data.h, &data.l, &data.c).expect("valid bars");
        let source = MovingAverageSignals::crossover(10, 20).expect("a valid config");
        let signals = source.signals(&bars).expect("signals");
        let result = run(&bars, &signals, &config()).expect("a run");
        eprintln!(
            "bars={n}: # Trades {}, Return [%] {}, Equity Final [$] {}, Sharpe {}",
            result.stats.trades,
            result.stats.return_pct,
            result.stats.equity_final,
            result.stats.sharpe_ratio
        );
        group.throughput(Throughput::Elements(n as u64));
        // SMA(10)/SMA(20) crossover signals, the simulation and every statistic.
        group.bench_with_input(BenchmarkId::new("sma_cross_full", n), &bars, |b, bars| {
            b.iter(|| {
                let s = source.signals(black_box(bars)).expect("signals");
                run(bars, &s, &config()).expect("a run")
            });
        });
        // The simulation and statistics alone, signals given.
        group.bench_with_input(BenchmarkId::new("run_and_stats", n), &bars, |b, bars| {
            b.iter(|| run(black_box(bars), &signals, &config()).expect("a run"));
        });
    }
    group.finish();
}

criterion_group!(benches, backtest);
criterion_main!(benches);
