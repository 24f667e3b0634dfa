//! The facade's integration tests, one binary (STYLE.md: one link on 2 cores):
//! conformance against pandas, numpy and statsmodels, and the fuzz-corpus replay.

mod conformance;
mod conformance_adf;
mod conformance_arima;
mod conformance_backtest;
mod conformance_order_search;
mod conformance_sma;
mod engine;
mod fuzz_corpus;
mod nab;
