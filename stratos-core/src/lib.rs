#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod config;
pub mod engine;
pub mod error;
pub mod event;
pub mod frame;
pub mod numeric;
pub mod prepare;
mod prepared;
pub mod record;
pub mod registry;
pub mod result;
pub mod schema;
pub mod schema_detect;
pub mod series;
pub mod signal;
pub mod strategy;
pub mod timestamp;
pub mod value;

pub use config::{ConfigKey, StrategyConfig};
pub use error::{ConfigError, FrameError, RecordError, StrategyError};
pub use event::{Alert, AlertLevel, Event, ResultEvent};
pub use frame::{
    CategoryColumn, Frame, FrameBuilder, FrameGroup, NumericColumn, RowGroups, STREAM_FIELDS,
};
pub use record::{DataType, Record};
pub use registry::{Plugin, Registry};
pub use result::{
    OutputColumn, OutputValues, Outputs, Report, ReportError, Reported, ResultType, StrategyResult,
};
pub use schema::Schema;
pub use series::Series;
pub use signal::{Action, Signal};
pub use strategy::{
    BatchOnly, BuiltinStrategy, OnlineStrategy, RowRef, Strategy, StrategyInfo, StrategyRequest,
};
pub use timestamp::Timestamp;
pub use value::Value;

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<super::Frame>();
        assert_send_sync::<super::Record>();
        assert_send_sync::<super::StrategyResult>();
        assert_send_sync::<super::Event>();
        assert_send_sync::<super::Registry>();
        assert_send_sync::<Box<dyn super::Strategy>>();
    }
}
