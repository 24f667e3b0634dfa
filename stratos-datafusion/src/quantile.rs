//! `stratos_quantile(value, q [, accuracy])`: the `q`-quantile of a group through the
//! mergeable DDSketch of `window_aggregate` (its p50 and p95), relative error `accuracy`
//! (default 0.01, the `quantile_accuracy` default).
//!
//! Partial aggregates (one per partition) carry the finite values they saw as their state;
//! the final aggregate merges the states and feeds one sketch. Because the sketch's merge is
//! exact (a sketch of the union equals the merged sketches), the answer does not depend on how
//! the rows were partitioned.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, ListArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::cast::{as_float64_array, as_list_array};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{
    AccumulatorArgs, AggregateFunctionSimplification, StateFieldsArgs,
};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use stratos_strategies::window::QuantileSketch;

use crate::args::{
    arity, f64_arg, logical_literals, number_type, physical_literals, plan_error, value_type,
};

/// The SQL name.
pub(crate) const NAME: &str = "stratos_quantile";
const USAGE: &str = "(value, q) or (value, q, accuracy)";
/// The default relative accuracy (`window_aggregate`'s `quantile_accuracy`).
pub(crate) const DEFAULT_ACCURACY: f64 = 0.01;

/// The `stratos_quantile` aggregate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Quantile {
    signature: Signature,
}

/// The `stratos_quantile` aggregate as an [`AggregateUDF`].
pub(crate) fn udaf() -> AggregateUDF {
    AggregateUDF::from(Quantile {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// `(q, accuracy)`, checked.
fn parse(args: &[Option<ScalarValue>]) -> Result<(f64, f64)> {
    arity(NAME, args.len(), &[2, 3], USAGE)?;
    let q = f64_arg(NAME, "q", args, 1)?;
    if !(0.0..=1.0).contains(&q) {
        return Err(plan_error(
            NAME,
            format!("argument `q` must be in [0, 1], got {q}"),
        ));
    }
    let accuracy = if args.len() == 3 {
        f64_arg(NAME, "accuracy", args, 2)?
    } else {
        DEFAULT_ACCURACY
    };
    if !(1e-4..=0.5).contains(&accuracy) {
        return Err(plan_error(
            NAME,
            format!("argument `accuracy` must be in [0.0001, 0.5], got {accuracy}"),
        ));
    }
    Ok((q, accuracy))
}

impl AggregateUDFImpl for Quantile {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        arity(NAME, t.len(), &[2, 3], USAGE)?;
        let mut out = vec![
            value_type(NAME, "value", &t[0])?,
            number_type(NAME, "q", &t[1])?,
        ];
        if t.len() == 3 {
            out.push(number_type(NAME, "accuracy", &t[2])?);
        }
        Ok(out)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn simplify(&self) -> Option<AggregateFunctionSimplification> {
        Some(Box::new(|af, _| {
            parse(&logical_literals(&af.params.args))?;
            Ok(Expr::AggregateFunction(af))
        }))
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let (q, accuracy) = parse(&physical_literals(acc_args.exprs))?;
        Ok(Box::new(QuantileAccumulator {
            q,
            accuracy,
            values: Vec::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[values]", args.name),
            DataType::List(Arc::new(Field::new("item", DataType::Float64, true))),
            true,
        ))])
    }
}

/// One group's finite values.
#[derive(Debug)]
struct QuantileAccumulator {
    q: f64,
    accuracy: f64,
    values: Vec<f64>,
}

impl QuantileAccumulator {
    fn push_all(&mut self, a: &Float64Array) {
        for i in 0..a.len() {
            if a.is_valid(i) && a.value(i).is_finite() {
                self.values.push(a.value(i));
            }
        }
    }
}

impl Accumulator for QuantileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let a = values
            .first()
            .ok_or_else(|| DataFusionError::Internal(format!("{NAME}: no value column")))?;
        self.push_all(as_float64_array(a)?);
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut sketch = QuantileSketch::new(self.accuracy);
        for &x in &self.values {
            sketch.add(x);
        }
        Ok(ScalarValue::Float64(sketch.quantile(self.q)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.capacity() * std::mem::size_of::<f64>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: ArrayRef = Arc::new(Float64Array::from(self.values.clone()));
        let list = ListArray::try_new(
            Arc::new(Field::new("item", DataType::Float64, true)),
            OffsetBuffer::from_lengths([values.len()]),
            values,
            None,
        )?;
        Ok(vec![ScalarValue::List(Arc::new(list))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states
            .first()
            .ok_or_else(|| DataFusionError::Internal(format!("{NAME}: no state column")))?;
        let lists = as_list_array(lists)?;
        for row in 0..lists.len() {
            if lists.is_valid(row) {
                let v = lists.value(row);
                self.push_all(as_float64_array(&v)?);
            }
        }
        Ok(())
    }
}
