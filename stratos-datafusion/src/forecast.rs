//! `stratos_forecast(ts, value, '<arima config>')`: an ARIMA forecast per group, the numbers of
//! `stratos run arima_prediction` on that group.
//!
//! The partial state is the group's rows so far (times and values, two lists), so partial
//! aggregates from any number of partitions merge; the final step puts them in time order
//! (stable sort) and runs the `arima_prediction` strategy on them, built from the config by the
//! strategy registry exactly as `stratos run` builds it.

use std::sync::Arc;

use crate::args::{
    arity, config_error, json_arg, logical_literals, physical_literals, text_type, time_type,
    value_type,
};
use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int32Array, Int64Array, ListArray, StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::cast::{
    as_float64_array, as_int64_array, as_list_array, as_timestamp_microsecond_array,
};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{
    AccumulatorArgs, AggregateFunctionSimplification, StateFieldsArgs,
};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use stratos_core::{BuiltinStrategy, Frame, StrategyConfig, Timestamp};
use stratos_strategies::arima::{ArimaConfig, ArimaStrategy};

/// The SQL name.
pub(crate) const NAME: &str = "stratos_forecast";
const USAGE: &str = "(ts, value, '<arima_prediction config JSON>')";

/// The fields of one forecast step: `step` (1-based), `forecast`, `lower`, `upper`.
pub fn forecast_step_fields() -> Fields {
    Fields::from(vec![
        Field::new("step", DataType::Int32, false),
        Field::new("forecast", DataType::Float64, true),
        Field::new("lower", DataType::Float64, true),
        Field::new("upper", DataType::Float64, true),
    ])
}

/// The result type: a list of forecast steps.
fn return_type() -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(forecast_step_fields()),
        true,
    )))
}

/// The `stratos_forecast` aggregate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Forecast {
    signature: Signature,
}

/// The `stratos_forecast` aggregate as an [`AggregateUDF`].
pub(crate) fn udaf() -> AggregateUDF {
    AggregateUDF::from(Forecast {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// Reads the config argument and checks it by building the strategy from it through the
/// registry, as `stratos run` does (the seed's spellings included). The `data_field` is the
/// value argument, so a configured one is dropped.
fn parse(args: &[Option<ScalarValue>]) -> Result<serde_json::Value> {
    arity(NAME, args.len(), &[3], USAGE)?;
    let mut config = json_arg(NAME, args, 2)?;
    if let Some(map) = config.as_object_mut() {
        map.remove("data_field");
    }
    stratos_strategies::registry()
        .build(stratos_strategies::arima::ID, config.clone())
        .map_err(|e| config_error(NAME, &e))?;
    Ok(config)
}

impl AggregateUDFImpl for Forecast {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        arity(NAME, t.len(), &[3], USAGE)?;
        Ok(vec![
            time_type(NAME, "ts", &t[0])?,
            value_type(NAME, "value", &t[1])?,
            text_type(NAME, "config", &t[2])?,
        ])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(return_type())
    }

    fn simplify(&self) -> Option<AggregateFunctionSimplification> {
        Some(Box::new(|af, _| {
            parse(&logical_literals(&af.params.args))?;
            Ok(Expr::AggregateFunction(af))
        }))
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let config = parse(&physical_literals(acc_args.exprs))?;
        Ok(Box::new(ForecastAccumulator {
            config,
            times: Vec::new(),
            values: Vec::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let list = |name: &str, t: DataType| {
            Arc::new(Field::new(
                format!("{}[{name}]", args.name),
                DataType::List(Arc::new(Field::new("item", t, true))),
                true,
            ))
        };
        Ok(vec![
            list("times", DataType::Int64),
            list("values", DataType::Float64),
        ])
    }
}

/// One group's rows, then its forecast.
#[derive(Debug)]
struct ForecastAccumulator {
    config: serde_json::Value,
    /// Epoch microseconds.
    times: Vec<i64>,
    /// NaN: missing.
    values: Vec<f64>,
}

impl ForecastAccumulator {
    fn forecast(&self) -> Result<Option<ArrayRef>> {
        let mut order: Vec<usize> = (0..self.times.len()).collect();
        // Stable: rows with the same time keep their arrival order.
        order.sort_by_key(|&i| self.times[i]);
        let times = order
            .iter()
            .map(|&i| Timestamp::from_micros(self.times[i]))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DataFusionError::Execution(format!("{NAME}: ts: {e}")))?;
        let values = order.iter().map(|&i| self.values[i]).collect();
        let frame = Frame::builder()
            .timestamps("ts", times)
            .numeric("value", values)
            .build()
            .map_err(|e| DataFusionError::Execution(format!("{NAME}: {e}")))?;
        let strategy = ArimaConfig::from_json(self.config.clone())
            .and_then(ArimaStrategy::from_config)
            .map_err(|e| DataFusionError::Plan(format!("{NAME}: {e}")))?;
        // A group ARIMA cannot fit (too few points, a constant series it refuses) gives NULL.
        let Ok(run) = strategy.run(&frame) else {
            return Ok(None);
        };
        // Undefined (non-finite) numbers are SQL NULLs.
        let numbers = |v: &[f64]| -> Vec<Option<f64>> {
            v.iter().map(|x| x.is_finite().then_some(*x)).collect()
        };
        let report = run.report;
        let mean = numbers(&report.predictions);
        let lower = numbers(&report.confidence_interval.lower);
        let upper = numbers(&report.confidence_interval.upper);
        let n = mean.len();
        let at = |v: &[Option<f64>], i: usize| v.get(i).copied().flatten();
        let steps: Vec<i32> = (1..=n)
            .map(|s| i32::try_from(s).unwrap_or(i32::MAX))
            .collect();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(steps)),
            Arc::new(Float64Array::from(mean.clone())),
            Arc::new(Float64Array::from(
                (0..n).map(|i| at(&lower, i)).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                (0..n).map(|i| at(&upper, i)).collect::<Vec<_>>(),
            )),
        ];
        let steps = StructArray::try_new(forecast_step_fields(), columns, None)?;
        Ok(Some(Arc::new(steps)))
    }
}

/// A one-row list scalar holding `values`.
fn list_scalar(values: ArrayRef) -> Result<ScalarValue> {
    let field = Arc::new(Field::new("item", values.data_type().clone(), true));
    let list = ListArray::try_new(
        field,
        OffsetBuffer::from_lengths([values.len()]),
        values,
        None,
    )?;
    Ok(ScalarValue::List(Arc::new(list)))
}

impl Accumulator for ForecastAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (Some(ts), Some(xs)) = (values.first(), values.get(1)) else {
            return Err(DataFusionError::Internal(format!(
                "{NAME}: two input columns expected"
            )));
        };
        let ts = as_timestamp_microsecond_array(ts)?;
        let xs = as_float64_array(xs)?;
        for i in 0..ts.len() {
            // A row without a time has no place in the series: it is left out.
            if ts.is_null(i) {
                continue;
            }
            self.times.push(ts.value(i));
            self.values.push(if xs.is_valid(i) {
                xs.value(i)
            } else {
                f64::NAN
            });
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        match self.forecast()? {
            Some(steps) => list_scalar(steps),
            None => ScalarValue::try_from(&return_type()),
        }
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self.times.capacity() * std::mem::size_of::<i64>()
            + self.values.capacity() * std::mem::size_of::<f64>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            list_scalar(Arc::new(Int64Array::from(self.times.clone())))?,
            list_scalar(Arc::new(Float64Array::from(self.values.clone())))?,
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (Some(ts), Some(xs)) = (states.first(), states.get(1)) else {
            return Err(DataFusionError::Internal(format!(
                "{NAME}: two state columns expected"
            )));
        };
        let ts = as_list_array(ts)?;
        let xs = as_list_array(xs)?;
        for row in 0..ts.len() {
            if ts.is_null(row) || xs.is_null(row) {
                continue;
            }
            let t = ts.value(row);
            let x = xs.value(row);
            let t = as_int64_array(&t)?;
            let x = as_float64_array(&x)?;
            for i in 0..t.len().min(x.len()) {
                self.times.push(t.value(i));
                self.values
                    .push(if x.is_valid(i) { x.value(i) } else { f64::NAN });
            }
        }
        Ok(())
    }
}
