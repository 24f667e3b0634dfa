//! `stratos_quantile(value, q [, accuracy])`: the `q`-quantile of a group through the
//! mergeable DDSketch of `window_aggregate` (its p50 and p95), relative error `accuracy`
//! (default 0.01, the `quantile_accuracy` default).
//!
//! Partial aggregates (one per partition) carry their sketch as their state, in bounded
//! memory (at most 2 × 2048 buckets and three numbers, whatever the row count): the zero
//! count, the exact min and max, and the (index, count) buckets of each sign
//! ([`SketchParts`]). The final aggregate merges them. Because the sketch's merge is exact (a
//! sketch of the union equals the merged sketches), the answer does not depend on how the
//! rows were partitioned.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int32Array, ListArray, UInt64Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::cast::{as_float64_array, as_int32_array, as_list_array, as_uint64_array};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{
    AccumulatorArgs, AggregateFunctionSimplification, StateFieldsArgs,
};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use stratos_strategies::window::{QuantileSketch, SketchParts};

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
            sketch: QuantileSketch::new(accuracy),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let field = |part: &str, t: DataType| {
            Arc::new(Field::new(format!("{}[{part}]", args.name), t, true))
        };
        let list = |t: DataType| DataType::List(Arc::new(Field::new("item", t, true)));
        Ok(vec![
            field("zero", DataType::UInt64),
            field("min", DataType::Float64),
            field("max", DataType::Float64),
            field("positive_index", list(DataType::Int32)),
            field("positive_count", list(DataType::UInt64)),
            field("negative_index", list(DataType::Int32)),
            field("negative_count", list(DataType::UInt64)),
        ])
    }
}

/// One group's sketch.
#[derive(Debug)]
struct QuantileAccumulator {
    q: f64,
    accuracy: f64,
    sketch: QuantileSketch,
}

/// A one-row list scalar holding `values`.
fn list_scalar(values: ArrayRef) -> Result<ScalarValue> {
    let item = Arc::new(Field::new("item", values.data_type().clone(), true));
    let list = ListArray::try_new(
        item,
        OffsetBuffer::from_lengths([values.len()]),
        values,
        None,
    )?;
    Ok(ScalarValue::List(Arc::new(list)))
}

/// Row `row` of a state column of `(index, count)` lists.
fn buckets(index: &ListArray, count: &ListArray, row: usize) -> Result<Vec<(i32, u64)>> {
    let (i, n) = (index.value(row), count.value(row));
    let (i, n) = (as_int32_array(&i)?, as_uint64_array(&n)?);
    Ok(i.values()
        .iter()
        .copied()
        .zip(n.values().iter().copied())
        .collect())
}

impl Accumulator for QuantileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let a = values
            .first()
            .ok_or_else(|| DataFusionError::Internal(format!("{NAME}: no value column")))?;
        let a = as_float64_array(a)?;
        for i in 0..a.len() {
            if a.is_valid(i) {
                // NaN and infinities are ignored by the sketch, as in `window_aggregate`.
                self.sketch.add(a.value(i));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.sketch.quantile(self.q)))
    }

    fn size(&self) -> usize {
        // The sketch's maps: a bucket is an (i32, u64) entry plus the B-tree's overhead.
        std::mem::size_of_val(self) + self.sketch.buckets() * 32
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let p = self.sketch.parts();
        let index = |b: &[(i32, u64)]| -> ArrayRef {
            Arc::new(Int32Array::from_iter_values(b.iter().map(|x| x.0)))
        };
        let count = |b: &[(i32, u64)]| -> ArrayRef {
            Arc::new(UInt64Array::from_iter_values(b.iter().map(|x| x.1)))
        };
        Ok(vec![
            ScalarValue::UInt64(Some(p.zero)),
            ScalarValue::Float64(Some(p.min)),
            ScalarValue::Float64(Some(p.max)),
            list_scalar(index(&p.positive))?,
            list_scalar(count(&p.positive))?,
            list_scalar(index(&p.negative))?,
            list_scalar(count(&p.negative))?,
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [zero, min, max, pi, pn, ni, nn] = states else {
            return Err(DataFusionError::Internal(format!(
                "{NAME}: expected 7 state columns, got {}",
                states.len()
            )));
        };
        let (zero, min, max) = (
            as_uint64_array(zero)?,
            as_float64_array(min)?,
            as_float64_array(max)?,
        );
        let (pi, pn, ni, nn) = (
            as_list_array(pi)?,
            as_list_array(pn)?,
            as_list_array(ni)?,
            as_list_array(nn)?,
        );
        for row in 0..zero.len() {
            if zero.is_null(row) {
                continue;
            }
            let parts = SketchParts {
                zero: zero.value(row),
                min: min.value(row),
                max: max.value(row),
                positive: buckets(pi, pn, row)?,
                negative: buckets(ni, nn, row)?,
            };
            let other = QuantileSketch::from_parts(self.accuracy, &parts).ok_or_else(|| {
                DataFusionError::Internal(format!("{NAME}: a partial state that no sketch has"))
            })?;
            self.sketch.merge(&other);
        }
        Ok(())
    }
}
