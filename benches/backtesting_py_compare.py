#!/usr/bin/env python3
"""Times backtesting.py 0.6.6 on the bars of `benches/backtest.rs`, for the ratio to Stratos.

Optional: nothing in the test suite needs Python. Requires `pip install backtesting==0.6.6`
(it brings pandas, numpy and bokeh).

The bars: one-minute OHLC bars from 2000-01-03 00:00, a seeded random walk drawn from
xorshift64 exactly as `benches/backtest.rs` draws it (same seed, same float operations), so
both sides trade the same bars and should report the same # Trades and Return. The run:
SmaCross(10, 20) of backtesting.py's README, `exclusive_orders=True`, no commission (with
the README's 0.2 % the account is ruined within a few thousand one-minute trades, after
which every order is cancelled and the run no longer measures trading).

For each size it prints the best of --repeat in-process `Backtest(...).run()` timings,
wall and CPU (stats included, data building excluded), and one whole-process wall time
(interpreter start, imports, bar generation, run, stats), next to the Stratos criterion
figure you pass with --stratos-ms (the `backtest/sma_cross_full/<n>` median), and the
ratios. On a loaded machine compare CPU with CPU.

    python3 benches/backtesting_py_compare.py [--sizes 100000,1000000] [--repeat 3] \\
        [--stratos-ms 100000=4.1,1000000=41]
"""
import argparse
import os
import subprocess
import sys
import time
import warnings

MASK = (1 << 64) - 1


def make_bars(n):
    """The bars of benches/backtest.rs (`make_bars` there)."""
    import numpy as np
    import pandas as pd

    state = 0x9E3779B97F4A7C15
    draws = np.empty((n, 3))
    for i in range(n):
        for k in range(3):
            state ^= (state << 13) & MASK
            state ^= state >> 7
            state ^= (state << 17) & MASK
            draws[i, k] = (state >> 11) / 9007199254740992.0  # 2**53
    log_price = 0.0
    close = np.empty(n)
    for i in range(n):
        log_price += 0.002 * (draws[i, 0] - 0.5)
        close[i] = 100.0 * np.exp(log_price)
    open_ = np.empty(n)
    open_[0] = 100.0
    open_[1:] = close[:-1]
    high = np.maximum(open_, close) * (1.0 + 0.0005 * draws[:, 1])
    low = np.minimum(open_, close) * (1.0 - 0.0005 * draws[:, 2])
    index = pd.date_range("2000-01-03", periods=n, freq="min")
    return pd.DataFrame({"Open": open_, "High": high, "Low": low, "Close": close}, index=index)


def strategy():
    from backtesting import Strategy
    from backtesting.lib import crossover
    from backtesting.test import SMA

    class SmaCross(Strategy):
        n1 = 10
        n2 = 20

        def init(self):
            self.ma1 = self.I(SMA, self.data.Close, self.n1)
            self.ma2 = self.I(SMA, self.data.Close, self.n2)

        def next(self):
            if crossover(self.ma1, self.ma2):
                self.buy()
            elif crossover(self.ma2, self.ma1):
                self.sell()

    return SmaCross


def run_once(n):
    from backtesting import Backtest

    data = make_bars(n)
    bt = Backtest(data, strategy(), commission=0.0, exclusive_orders=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0, c0 = time.perf_counter(), time.process_time()
        stats = bt.run()
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return elapsed, cpu, stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--stratos-ms", default="", help="n=ms pairs from criterion")
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_once(args.child)
        return
    stratos = dict(
        (int(k), float(v)) for k, v in (p.split("=") for p in args.stratos_ms.split(",") if p)
    )
    print(f"uptime: {os.popen('uptime').read().strip()}")
    for n in (int(s) for s in args.sizes.split(",")):
        best = best_cpu = None
        for _ in range(args.repeat):
            elapsed, cpu, stats = run_once(n)
            best = elapsed if best is None else min(best, elapsed)
            best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--child", str(n)], check=True)
        whole = time.perf_counter() - t0
        line = (f"bars={n}: backtesting.py run() best of {args.repeat}: {best * 1e3:.0f} ms "
                f"(CPU {best_cpu * 1e3:.0f} ms); "
                f"whole process {whole * 1e3:.0f} ms; # Trades {stats['# Trades']}, "
                f"Return [%] {float(stats['Return [%]'])!r}, Equity Final [$] "
                f"{float(stats['Equity Final [$]'])!r}, Sharpe {float(stats['Sharpe Ratio'])!r}")
        if n in stratos:
            ms = stratos[n]
            line += (f"; stratos {ms} ms: run() ratio {best * 1e3 / ms:.0f}x, "
                     f"whole-process ratio {whole * 1e3 / ms:.0f}x")
        print(line, flush=True)


if __name__ == "__main__":
    main()
