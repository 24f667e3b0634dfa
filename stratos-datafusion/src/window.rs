//! The window functions: one [`PartitionEvaluator`] per `PARTITION BY` group, walking the rows
//! in the `ORDER BY` order through the same per-row kernels as `stratos run` and
//! `stratos stream`.
//!
//! Missing values: a NULL (or NaN, or infinity) value is a missing value, exactly as an empty
//! cell is in `stratos run`: it is pushed into the kernel as NaN, and each kernel applies its
//! own rule (the SMA and WMA are undefined while the window holds it, the EMA carries its last
//! value, the z-score and anomaly methods skip it). Where the kernel's answer is undefined
//! (NaN, or no score yet) the function returns NULL.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::cast::{as_float64_array, as_timestamp_microsecond_array};
use datafusion::common::{DataFusionError, Result, exec_err};
use datafusion::logical_expr::function::{
    PartitionEvaluatorArgs, WindowFunctionSimplification, WindowUDFFieldArgs,
};
use datafusion::logical_expr::{
    Expr, PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};
use stratos_core::{BuiltinStrategy, Frame, OutputValues, Timestamp};
use stratos_strategies::anomaly::{AnomalyConfig, AnomalyState, AnomalyStrategy, RollingZScore};
use stratos_strategies::moving_average::{
    MaKind, MovingAverage, MovingAverageConfig, MovingAverageStrategy,
};
use stratos_strategies::trend::{TrendConfig, TrendStrategy};

use crate::args::{
    arity, config_arg, config_error, int_type, logical_literals, physical_literals, plan_error,
    text_type, time_type, usize_arg, value_type,
};

/// Which Stratos window function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum WindowKind {
    /// `stratos_sma(value, n)`.
    Sma,
    /// `stratos_ema(value, n)`.
    Ema,
    /// `stratos_wma(value, n)`.
    Wma,
    /// `stratos_zscore(value, window [, ddof])`.
    ZScore,
    /// `stratos_anomaly_score(value, config)`.
    AnomalyScore,
    /// `stratos_trend([ts,] value, config)`.
    Trend,
}

impl WindowKind {
    /// Every window function.
    pub(crate) const ALL: [WindowKind; 6] = [
        WindowKind::Sma,
        WindowKind::Ema,
        WindowKind::Wma,
        WindowKind::ZScore,
        WindowKind::AnomalyScore,
        WindowKind::Trend,
    ];

    /// The SQL name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            WindowKind::Sma => "stratos_sma",
            WindowKind::Ema => "stratos_ema",
            WindowKind::Wma => "stratos_wma",
            WindowKind::ZScore => "stratos_zscore",
            WindowKind::AnomalyScore => "stratos_anomaly_score",
            WindowKind::Trend => "stratos_trend",
        }
    }

    /// How it is called, for error messages.
    fn usage(self) -> &'static str {
        match self {
            WindowKind::Sma => "(value, n)",
            WindowKind::Ema => "(value, n)",
            WindowKind::Wma => "(value, n)",
            WindowKind::ZScore => "(value, window) or (value, window, ddof)",
            WindowKind::AnomalyScore => "(value, '<anomaly_detection config JSON>')",
            WindowKind::Trend => {
                "(value, '<trend_analysis config JSON>') or (ts, value, '<trend_analysis config JSON>')"
            }
        }
    }

    fn arities(self) -> &'static [usize] {
        match self {
            WindowKind::ZScore | WindowKind::Trend => &[2, 3],
            _ => &[2],
        }
    }
}

/// A parsed call: the kernel settings, checked.
#[derive(Debug, Clone)]
enum Spec {
    Average(MaKind, usize),
    ZScore {
        window: usize,
        ddof: usize,
    },
    Anomaly(Box<AnomalyStrategy>),
    Trend {
        strategy: Box<TrendStrategy>,
        timed: bool,
    },
}

impl Spec {
    /// Reads and validates the constant arguments of a call to `kind` (`args`: one entry per
    /// argument, the constant or `None`).
    fn parse(kind: WindowKind, args: &[Option<datafusion::common::ScalarValue>]) -> Result<Spec> {
        let f = kind.name();
        arity(f, args.len(), kind.arities(), kind.usage())?;
        match kind {
            WindowKind::Sma | WindowKind::Ema | WindowKind::Wma => {
                let ma = match kind {
                    WindowKind::Sma => MaKind::Sma,
                    WindowKind::Ema => MaKind::Ema,
                    _ => MaKind::Wma,
                };
                let period = usize_arg(f, "n", args, 1)?;
                let config = MovingAverageConfig {
                    period,
                    kind: ma,
                    ..MovingAverageConfig::default()
                };
                // The strategy's own range check (names `period`, its value and the range).
                MovingAverageStrategy::from_config(config).map_err(|e| config_error(f, &e))?;
                Ok(Spec::Average(ma, period))
            }
            WindowKind::ZScore => {
                let window = usize_arg(f, "window", args, 1)?;
                let ddof = if args.len() == 3 {
                    usize_arg(f, "ddof", args, 2)?
                } else {
                    AnomalyConfig::default().ddof
                };
                let config = AnomalyConfig {
                    window_size: window,
                    ddof,
                    ..AnomalyConfig::default()
                };
                AnomalyStrategy::from_config(config).map_err(|e| config_error(f, &e))?;
                Ok(Spec::ZScore { window, ddof })
            }
            WindowKind::AnomalyScore => {
                let mut config: AnomalyConfig = config_arg(f, args, 1)?;
                if config.fields.as_ref().is_some_and(|v| v.len() > 1) {
                    return Err(plan_error(
                        f,
                        "config field `fields`: one field per call (the value argument); \
                         multi-field methods are not available in SQL",
                    ));
                }
                config.fields = None;
                config.data_field = None;
                let strategy =
                    AnomalyStrategy::from_config(config).map_err(|e| config_error(f, &e))?;
                Ok(Spec::Anomaly(Box::new(strategy)))
            }
            WindowKind::Trend => {
                let timed = args.len() == 3;
                let mut config: TrendConfig = config_arg(f, args, args.len() - 1)?;
                config.data_field = None;
                let strategy =
                    TrendStrategy::from_config(config).map_err(|e| config_error(f, &e))?;
                Ok(Spec::Trend {
                    strategy: Box::new(strategy),
                    timed,
                })
            }
        }
    }
}

/// A Stratos window function (see the crate docs for the list).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct StratosWindow {
    kind: WindowKind,
    signature: Signature,
}

impl StratosWindow {
    pub(crate) fn new(kind: WindowKind) -> Self {
        StratosWindow {
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The window function `kind` as a [`WindowUDF`].
pub(crate) fn udwf(kind: WindowKind) -> WindowUDF {
    WindowUDF::from(StratosWindow::new(kind))
}

impl WindowUDFImpl for StratosWindow {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let f = self.kind.name();
        arity(f, arg_types.len(), self.kind.arities(), self.kind.usage())?;
        let t = arg_types;
        match self.kind {
            WindowKind::Sma | WindowKind::Ema | WindowKind::Wma => Ok(vec![
                value_type(f, "value", &t[0])?,
                int_type(f, "n", &t[1])?,
            ]),
            WindowKind::ZScore => {
                let mut out = vec![
                    value_type(f, "value", &t[0])?,
                    int_type(f, "window", &t[1])?,
                ];
                if t.len() == 3 {
                    out.push(int_type(f, "ddof", &t[2])?);
                }
                Ok(out)
            }
            WindowKind::AnomalyScore => Ok(vec![
                value_type(f, "value", &t[0])?,
                text_type(f, "config", &t[1])?,
            ]),
            WindowKind::Trend if t.len() == 3 => Ok(vec![
                time_type(f, "ts", &t[0])?,
                value_type(f, "value", &t[1])?,
                text_type(f, "config", &t[2])?,
            ]),
            WindowKind::Trend => Ok(vec![
                value_type(f, "value", &t[0])?,
                text_type(f, "config", &t[1])?,
            ]),
        }
    }

    fn simplify(&self) -> Option<WindowFunctionSimplification> {
        // Checks the constant arguments while the query is planned, so that a bad period or
        // config fails before any data is read. The call itself is kept as it is.
        let kind = self.kind;
        Some(Box::new(move |wf, _| {
            Spec::parse(kind, &logical_literals(&wf.params.args))?;
            Ok(Expr::from(wf))
        }))
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        let spec = Spec::parse(self.kind, &physical_literals(args.input_exprs()))?;
        Ok(Box::new(Evaluator {
            function: self.kind.name(),
            spec,
        }))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Float64,
            true,
        )))
    }
}

/// Evaluates one partition.
#[derive(Debug)]
struct Evaluator {
    function: &'static str,
    spec: Spec,
}

/// The value column as `f64`s with NULL as NaN (a missing value, as in a frame).
fn values_of(array: &ArrayRef) -> Result<Vec<f64>> {
    let a = as_float64_array(array)?;
    Ok((0..a.len())
        .map(|i| if a.is_valid(i) { a.value(i) } else { f64::NAN })
        .collect())
}

/// NaN (undefined) becomes NULL.
fn to_array(values: impl IntoIterator<Item = f64>) -> ArrayRef {
    Arc::new(
        values
            .into_iter()
            .map(|v| (!v.is_nan()).then_some(v))
            .collect::<Float64Array>(),
    )
}

impl PartitionEvaluator for Evaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let missing = || DataFusionError::Internal(format!("{}: no value column", self.function));
        match &self.spec {
            Spec::Average(kind, period) => {
                let xs = values_of(values.first().ok_or_else(missing)?)?;
                let mut ma =
                    MovingAverage::new(*kind, *period, MovingAverageConfig::default().adjust);
                Ok(to_array(xs.into_iter().map(|x| ma.push(x))))
            }
            Spec::ZScore { window, ddof } => {
                let xs = values_of(values.first().ok_or_else(missing)?)?;
                let mut z = RollingZScore::new(*window, *ddof);
                Ok(to_array(
                    xs.into_iter().map(|x| z.push(x).unwrap_or(f64::NAN)),
                ))
            }
            Spec::Anomaly(strategy) => {
                let xs = values_of(values.first().ok_or_else(missing)?)?;
                let mut state = AnomalyState::new(strategy, 1);
                Ok(to_array(xs.into_iter().map(|x| {
                    state.update(&[x]).map_or(f64::NAN, |(score, _)| score)
                })))
            }
            Spec::Trend { strategy, timed } => {
                if num_rows == 0 {
                    return Ok(to_array([]));
                }
                let (xs, times) = if *timed {
                    let ts = as_timestamp_microsecond_array(values.first().ok_or_else(missing)?)?;
                    let mut times = Vec::with_capacity(ts.len());
                    for i in 0..ts.len() {
                        if ts.is_null(i) {
                            return exec_err!(
                                "{}: the ts argument is NULL at row {} of its partition; every row needs a time",
                                self.function,
                                i + 1
                            );
                        }
                        times.push(Timestamp::from_micros(ts.value(i)).map_err(|e| {
                            DataFusionError::Execution(format!("{}: ts: {e}", self.function))
                        })?);
                    }
                    (values_of(values.get(1).ok_or_else(missing)?)?, Some(times))
                } else {
                    (values_of(values.first().ok_or_else(missing)?)?, None)
                };
                trend_growth(self.function, strategy, xs, times)
            }
        }
    }
}

/// The `growth` output of `trend_analysis` run over one partition, as `stratos run` computes it
/// (the batch walk over the same per-row state as the online form).
fn trend_growth(
    function: &str,
    strategy: &TrendStrategy,
    values: Vec<f64>,
    times: Option<Vec<Timestamp>>,
) -> Result<ArrayRef> {
    let n = values.len();
    let mut builder = Frame::builder();
    if let Some(t) = times {
        builder = builder.timestamps("ts", t);
    }
    let frame = builder
        .numeric("value", values)
        .build()
        .map_err(|e| DataFusionError::Execution(format!("{function}: {e}")))?;
    let result = strategy
        .batch(&frame)
        .map_err(|e| DataFusionError::Execution(format!("{function}: {e}")))?;
    match result.outputs.get("growth") {
        Some(OutputValues::Number(g)) if g.len() == n => Ok(to_array(g.iter().copied())),
        _ => exec_err!("{function}: trend_analysis gave no growth column"),
    }
}
