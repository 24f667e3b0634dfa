//! The facade's integration tests, one binary (STYLE.md: one link on 2 cores):
//! conformance against pandas, numpy and statsmodels, and the fuzz-corpus replay.

mod arima_multistart;
mod conformance;
mod engine;
mod fuzz_corpus;
mod nab;
