//! Reading the constant arguments of a call (periods, windows, config JSON) and turning bad
//! ones into planning errors that name the function and the argument or config field.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Literal;
use stratos_core::{ConfigError, StrategyConfig};

/// The constant value of each argument of a logical call (`None` for a column or expression).
pub(crate) fn logical_literals(args: &[Expr]) -> Vec<Option<ScalarValue>> {
    args.iter()
        .map(|e| match e {
            Expr::Literal(v, _) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// The constant value of each argument of a physical call (`None` for a column or expression).
pub(crate) fn physical_literals(args: &[Arc<dyn PhysicalExpr>]) -> Vec<Option<ScalarValue>> {
    args.iter()
        .map(|e| e.downcast_ref::<Literal>().map(|l| l.value().clone()))
        .collect()
}

/// A planning error: `function: message`.
pub(crate) fn plan_error(function: &str, message: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Plan(format!("{function}: {message}"))
}

/// The constant at `index`, which must be present and not null.
fn constant<'a>(
    function: &str,
    name: &str,
    args: &'a [Option<ScalarValue>],
    index: usize,
) -> Result<&'a ScalarValue> {
    match args.get(index) {
        Some(Some(v)) if !v.is_null() => Ok(v),
        Some(Some(_)) => Err(plan_error(
            function,
            format!("argument `{name}` must not be NULL"),
        )),
        Some(None) => Err(plan_error(
            function,
            format!("argument `{name}` must be a constant (a literal), not a column"),
        )),
        None => Err(plan_error(
            function,
            format!("argument `{name}` is missing"),
        )),
    }
}

/// A positive-or-zero integer constant at `index`.
pub(crate) fn usize_arg(
    function: &str,
    name: &str,
    args: &[Option<ScalarValue>],
    index: usize,
) -> Result<usize> {
    let v = constant(function, name, args, index)?;
    let n = match v {
        ScalarValue::Int8(Some(n)) => i64::from(*n),
        ScalarValue::Int16(Some(n)) => i64::from(*n),
        ScalarValue::Int32(Some(n)) => i64::from(*n),
        ScalarValue::Int64(Some(n)) => *n,
        ScalarValue::UInt8(Some(n)) => i64::from(*n),
        ScalarValue::UInt16(Some(n)) => i64::from(*n),
        ScalarValue::UInt32(Some(n)) => i64::from(*n),
        ScalarValue::UInt64(Some(n)) => i64::try_from(*n).unwrap_or(i64::MAX),
        other => {
            return Err(plan_error(
                function,
                format!("argument `{name}` must be an integer, got {other}"),
            ));
        }
    };
    usize::try_from(n).map_err(|_| {
        plan_error(
            function,
            format!("argument `{name}` must not be negative, got {n}"),
        )
    })
}

/// A float constant at `index`.
pub(crate) fn f64_arg(
    function: &str,
    name: &str,
    args: &[Option<ScalarValue>],
    index: usize,
) -> Result<f64> {
    let v = constant(function, name, args, index)?;
    match v.cast_to(&DataType::Float64) {
        Ok(ScalarValue::Float64(Some(x))) => Ok(x),
        _ => Err(plan_error(
            function,
            format!("argument `{name}` must be a number, got {v}"),
        )),
    }
}

/// A text constant at `index`.
pub(crate) fn text_arg<'a>(
    function: &str,
    name: &str,
    args: &'a [Option<ScalarValue>],
    index: usize,
) -> Result<&'a str> {
    match constant(function, name, args, index)? {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Ok(s),
        other => Err(plan_error(
            function,
            format!("argument `{name}` must be a text literal, got {other}"),
        )),
    }
}

/// The JSON text at `index` (an empty text means all defaults: `null`).
pub(crate) fn json_arg(
    function: &str,
    args: &[Option<ScalarValue>],
    index: usize,
) -> Result<serde_json::Value> {
    let text = text_arg(function, "config", args, index)?;
    if text.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(text).map_err(|e| plan_error(function, format!("config is not JSON: {e}")))
}

/// A strategy config read from the JSON text at `index` (an empty text means all defaults),
/// with unknown keys and out-of-range values reported by field.
pub(crate) fn config_arg<C: StrategyConfig>(
    function: &str,
    args: &[Option<ScalarValue>],
    index: usize,
) -> Result<C> {
    let value = json_arg(function, args, index)?;
    let config = C::from_json(value).map_err(|e| config_error(function, &e))?;
    config.validate().map_err(|e| config_error(function, &e))?;
    Ok(config)
}

/// A config error as a planning error of `function`.
pub(crate) fn config_error(function: &str, e: &ConfigError) -> DataFusionError {
    plan_error(function, e)
}

/// The type a value argument is cast to: numbers (and NULL) become `Float64`.
pub(crate) fn value_type(function: &str, name: &str, t: &DataType) -> Result<DataType> {
    if t.is_numeric() || matches!(t, DataType::Null) {
        Ok(DataType::Float64)
    } else {
        Err(plan_error(
            function,
            format!("argument `{name}` must be numeric, got {t}"),
        ))
    }
}

/// The type an integer argument is cast to.
pub(crate) fn int_type(function: &str, name: &str, t: &DataType) -> Result<DataType> {
    if t.is_integer() || matches!(t, DataType::Null) {
        Ok(DataType::Int64)
    } else {
        Err(plan_error(
            function,
            format!("argument `{name}` must be an integer, got {t}"),
        ))
    }
}

/// The type a number argument (a quantile, an accuracy) is cast to.
pub(crate) fn number_type(function: &str, name: &str, t: &DataType) -> Result<DataType> {
    value_type(function, name, t)
}

/// The type a text argument is cast to.
pub(crate) fn text_type(function: &str, name: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
            Ok(DataType::Utf8)
        }
        other => Err(plan_error(
            function,
            format!("argument `{name}` must be text (a JSON config), got {other}"),
        )),
    }
}

/// The type a time argument is cast to: timestamps (any unit, zone kept) and dates become
/// microsecond timestamps.
pub(crate) fn time_type(function: &str, name: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Timestamp(_, tz) => Ok(DataType::Timestamp(TimeUnit::Microsecond, tz.clone())),
        DataType::Date32 | DataType::Date64 | DataType::Null => {
            Ok(DataType::Timestamp(TimeUnit::Microsecond, None))
        }
        other => Err(plan_error(
            function,
            format!("argument `{name}` must be a timestamp or a date, got {other}"),
        )),
    }
}

/// Checks the number of arguments.
pub(crate) fn arity(function: &str, got: usize, allowed: &[usize], usage: &str) -> Result<()> {
    if allowed.contains(&got) {
        Ok(())
    } else {
        Err(plan_error(
            function,
            format!("takes {usage}; got {got} argument(s)"),
        ))
    }
}
