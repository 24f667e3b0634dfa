"""Extra backtest reference cases from backtesting.py 0.6.6 (pip install backtesting==0.6.6).

The shared case (backtest_goog_sma10_20_c002.json) covers backtesting.py's README example.
These add the broker paths it does not reach: stop-loss / take-profit brackets (set as
fractions of the signal bar's close, exactly as stratos' `Bracket::Fraction`), spread,
fixed + relative commission, trade_on_close, finalize_trades, margin and non-exclusive
orders, and moving_average's price-vs-average signal as a target position or long only
(stratos' SignalMode::Position / LongOnly). Same file shape as the shared case. Run from this folder:

    python3 make_cases.py
"""
import json
import math
import sys
import warnings

import backtesting
import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover
from backtesting.test import EURUSD, GOOG, SMA


class SmaCrossX(Strategy):
    n1 = 10
    n2 = 20
    sl = 0.0
    tp = 0.0
    size = 0.0  # 0: backtesting.py's default (all equity); else whole units

    def init(self):
        self.ma1 = self.I(SMA, self.data.Close, self.n1)
        self.ma2 = self.I(SMA, self.data.Close, self.n2)

    def next(self):
        c = self.data.Close[-1]
        size = {"size": int(self.size)} if self.size else {}
        if crossover(self.ma1, self.ma2):
            self.buy(sl=c * (1.0 - self.sl) if self.sl else None,
                     tp=c * (1.0 + self.tp) if self.tp else None, **size)
        elif crossover(self.ma2, self.ma1):
            self.sell(sl=c * (1.0 + self.sl) if self.sl else None,
                      tp=c * (1.0 - self.tp) if self.tp else None, **size)


class PriceVsSma(Strategy):
    """moving_average's price-vs-average signal as a target position (stratos
    SignalMode::Position) or long only (SignalMode::LongOnly)."""
    period = 20
    threshold = 0.01
    long_only = False
    sl = 0.0

    def init(self):
        self.ma = self.I(SMA, self.data.Close, self.period)

    def next(self):
        c, ma = self.data.Close[-1], self.ma[-1]
        d = (c - ma) / abs(ma)
        sl_long = c * (1.0 - self.sl) if self.sl else None
        if self.long_only:
            if d > self.threshold and not self.position:
                self.buy(sl=sl_long)
            elif d < -self.threshold and self.position.is_long:
                self.position.close()
        else:
            if d > self.threshold and not self.position.is_long:
                self.buy(sl=sl_long)
            elif d < -self.threshold and not self.position.is_short:
                self.sell(sl=c * (1.0 + self.sl) if self.sl else None)


def num(x):
    if x is None:
        return None
    if isinstance(x, (pd.Timestamp,)):
        return None if pd.isna(x) else x.isoformat()
    if isinstance(x, pd.Timedelta):
        return None if pd.isna(x) else {"timedelta": str(x), "seconds": x.total_seconds()}
    if x is pd.NaT:
        return None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(x) else float(x)
    return x


CASES = [
    ("backtest_goog_sma10_20_sl5_tp10_spread", dict(n1=10, n2=20, sl=0.05, tp=0.10),
     dict(cash=10000, commission=0.002, spread=0.001, exclusive_orders=True)),
    ("backtest_goog_sma5_15_close_finalize_fixed", dict(n1=5, n2=15, sl=0.0, tp=0.0),
     dict(cash=10000, commission=(1.0, 0.001), trade_on_close=True, finalize_trades=True,
          exclusive_orders=True)),
    ("backtest_goog_sma10_30_netting_margin_sl3", dict(n1=10, n2=30, sl=0.03, tp=0.0),
     dict(cash=25000, commission=0.001, margin=0.5, exclusive_orders=False)),
    ("backtest_goog_sma3_8_tp2_tight", dict(n1=3, n2=8, sl=0.0, tp=0.02),
     dict(cash=1000, commission=0.0, exclusive_orders=True)),
    ("backtest_goog_sma10_20_leverage50_ruin", dict(n1=10, n2=20, sl=0.0, tp=0.0),
     dict(cash=10000, commission=0.002, margin=0.02, exclusive_orders=True)),
    ("backtest_goog_sma5_20_hedging_units_sl5", dict(n1=5, n2=20, sl=0.05, tp=0.0, size=7),
     dict(cash=10000, commission=0.001, hedging=True, exclusive_orders=False)),
    ("backtest_goog_price_vs_sma20_position", dict(period=20, threshold=0.01, long_only=False),
     dict(cash=10000, commission=0.001, exclusive_orders=True)),
    ("backtest_goog_price_vs_sma10_long_only_sl4", dict(period=10, threshold=0.02, long_only=True,
                                                        sl=0.04),
     dict(cash=10000, commission=0.002, exclusive_orders=False)),
    # EURUSD hourly: SMA(5) and SMA(30) are exactly equal in pandas at one bar, where the
    # crossover must not fire (a last-bit difference in the average trades a bar early).
    ("backtest_eurusd_sma5_30", dict(n1=5, n2=30, sl=0.0, tp=0.0),
     dict(cash=10000, commission=0.0002, exclusive_orders=True)),
]


def make(name, strat, opts):
    cls = PriceVsSma if "period" in strat else SmaCrossX
    data, data_name = (EURUSD, "EURUSD") if "eurusd" in name else (GOOG, "GOOG")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bt = Backtest(data, cls, **opts)
        stats = bt.run(**strat)
    trades = stats["_trades"]
    eq = stats["_equity_curve"]
    broker = stats["_strategy"]._broker
    if "period" in strat:
        params = {"period": strat["period"], "threshold": strat["threshold"],
                  "signal_mode": "long_only" if strat["long_only"] else "position"}
    else:
        params = {"n1": strat["n1"], "n2": strat["n2"]}
    params.update({"cash": opts.get("cash", 10000),
              "commission": list(opts["commission"]) if isinstance(opts.get("commission"), tuple)
              else opts.get("commission", 0.0),
              "exclusive_orders": opts.get("exclusive_orders", False),
              "spread": opts.get("spread", 0.0), "margin": opts.get("margin", 1.0),
              "trade_on_close": opts.get("trade_on_close", False),
              "hedging": opts.get("hedging", False),
              "finalize_trades": opts.get("finalize_trades", False)})
    if strat.get("sl"):
        params["sl_fraction"] = strat["sl"]
    if strat.get("tp"):
        params["tp_fraction"] = strat["tp"]
    if strat.get("size"):
        params["size_units"] = int(strat["size"])
    keys = list(stats.index)
    return {
        "case": name,
        "kind": "backtest",
        "visibility": "public",
        "generator": "tests/data/conformance/backtest/make_cases.py",
        "produced_by": {"library": "backtesting.py", "version": backtesting.__version__,
                        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                                     "pandas": pd.__version__}},
        "call": f"Backtest({data_name}, {cls.__name__}, **{opts}).run(**{strat})",
        "notes": "SmaCrossX: SmaCross with buy(sl=C*(1-sl), tp=C*(1+tp)) and "
                 "sell(sl=C*(1+sl), tp=C*(1-tp)), C = the signal bar's close. PriceVsSma: "
                 "d = (C - SMA)/|SMA|; d > threshold buys unless long (long only: unless "
                 "in a position), d < -threshold sells unless short (long only: closes).",
        "input": {"data": f"backtesting.test.{data_name}", "n_bars": len(data), "ohlcv": {
            "timestamps": [t.isoformat() for t in data.index],
            "open": data.Open.tolist(), "high": data.High.tolist(), "low": data.Low.tolist(),
            "close": data.Close.tolist(), "volume": data.Volume.astype(float).tolist()}},
        "params_in": params,
        "expected": {
            "stats": {k: num(stats[k]) for k in keys if not k.startswith("_")},
            "stats_keys_in_order": keys,
            "trades": [{
                "size": int(r.Size), "entry_bar": int(r.EntryBar), "exit_bar": int(r.ExitBar),
                "entry_price": float(r.EntryPrice), "exit_price": float(r.ExitPrice),
                "pnl": float(r.PnL), "commission": float(r.Commission),
                "return_pct": float(r.ReturnPct), "entry_time": r.EntryTime.isoformat(),
                "exit_time": r.ExitTime.isoformat(), "duration": num(r.Duration),
                "sl": num(r.SL), "tp": num(r.TP), "tag": None,
            } for r in trades.itertuples()],
            "open_trades_at_end": [{
                "size": int(t.size), "entry_bar": int(t.entry_bar),
                "entry_price": float(t.entry_price), "entry_time": t.entry_time.isoformat(),
                "unrealized_pl_at_last_close": float(t.pl),
            } for t in broker.trades],
            "equity_curve": {
                "equity": eq.Equity.tolist(),
                "drawdown_pct": eq.DrawdownPct.tolist(),
                "drawdown_duration": [num(x) for x in eq.DrawdownDuration],
            },
            "warnings": [str(w.message) for w in caught],
        },
    }


if __name__ == "__main__":
    for name, strat, opts in CASES:
        case = make(name, strat, opts)
        with open(f"{name}.json", "w") as f:
            json.dump(case, f)
        print(name, len(case["expected"]["trades"]), "trades,",
              len(case["expected"]["open_trades_at_end"]), "open,",
              len(case["expected"]["warnings"]), "warnings")
