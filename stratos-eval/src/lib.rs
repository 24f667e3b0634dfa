#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod backtest;
pub mod nab;
pub mod rolling_origin;
