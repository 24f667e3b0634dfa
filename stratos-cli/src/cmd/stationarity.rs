//! `stratos stationarity FILE`: the augmented Dickey–Fuller or KPSS test on one column,
//! printing statsmodels' `adfuller` / `kpss` fields.

use std::io::Write;

use serde_json::{Value, json};
use stratos_core::StrategyError;
use stratos_core::strategy::input_series;
use stratos_strategies::arima::adf::{self, AdfConfig, Autolag, Regression};
use stratos_strategies::arima::fill_gaps;
use stratos_strategies::arima::kpss::{self, KpssLags, KpssRegression};

use super::run::{input_options, read_input};
use crate::cli::{
    AutolagChoice, RegressionChoice, StationarityArgs, StationarityFormat, StationarityTest,
};
use crate::exit::{CliError, write_err};
use crate::output::{self, table::write_pairs};

/// The name errors are reported under.
const NAME: &str = "stationarity";

pub(crate) fn run(args: &StationarityArgs) -> Result<(), CliError> {
    let mut options = input_options(args.input_format);
    if let Some(sheet) = &args.sheet {
        options = options.with_sheet(sheet.clone());
    }
    let frame = read_input(args.input.as_deref(), options)?;
    let series = input_series(NAME, args.field.as_deref(), &frame)?;
    let filled = fill_gaps(series.values);
    let y = &filled.values;
    let failed = |e: adf::AdfError| CliError::Strategy(StrategyError::numeric(NAME, e));
    let mut out = match args.test {
        StationarityTest::Adf => {
            let regression = match args.regression {
                RegressionChoice::C => Regression::Constant,
                RegressionChoice::Ct => Regression::ConstantTrend,
                RegressionChoice::Ctt => Regression::ConstantTrendSquared,
                RegressionChoice::N => Regression::None,
            };
            let autolag = match args.autolag.unwrap_or(AutolagChoice::Aic) {
                AutolagChoice::Aic => Some(Autolag::Aic),
                AutolagChoice::Bic => Some(Autolag::Bic),
                AutolagChoice::TStat => Some(Autolag::TStat),
                AutolagChoice::None => None,
            };
            let config = AdfConfig::default()
                .with_regression(regression)
                .with_max_lag(args.maxlag)
                .with_autolag(autolag);
            let r = adf::adf(y, &config).map_err(failed)?;
            json!({
                "test": "adf",
                "statistic": r.statistic,
                "pvalue": r.p_value,
                "usedlag": r.used_lag,
                "nobs": r.nobs,
                "critical_values": r.critical_values,
                "icbest": r.ic_best,
                "regression": r.regression,
                "autolag": autolag,
                "maxlag": r.max_lag,
            })
        }
        StationarityTest::Kpss => {
            let regression = match args.regression {
                RegressionChoice::C => KpssRegression::Constant,
                RegressionChoice::Ct => KpssRegression::ConstantTrend,
                other => {
                    return Err(CliError::Usage(format!(
                        "--regression {}: the KPSS test takes c or ct",
                        format!("{other:?}").to_lowercase()
                    )));
                }
            };
            if args.autolag.is_some() {
                return Err(CliError::Usage(
                    "--autolag applies to the ADF test; KPSS takes --maxlag N (its lag; default \
                     statsmodels' nlags='auto')"
                        .to_owned(),
                ));
            }
            let nlags = args.maxlag.map_or(KpssLags::Auto, KpssLags::Fixed);
            let r = kpss::kpss(y, regression, nlags).map_err(failed)?;
            json!({
                "test": "kpss",
                "statistic": r.statistic,
                "pvalue": r.p_value,
                "pvalue_bound": r.p_value_bound,
                "lags": r.lags,
                "nobs": r.nobs,
                "critical_values": r.critical_values,
                "regression": regression,
            })
        }
    };
    out["field"] = json!(series.name);
    out["interpolated"] = json!(filled.interpolated);
    out["trimmed"] = json!(filled.trimmed);
    let mut w = output::stdout();
    match args.format {
        StationarityFormat::Json => {
            serde_json::to_writer_pretty(&mut w, &out)
                .map_err(|e| CliError::Usage(format!("writing JSON: {e}")))?;
            writeln!(w).map_err(write_err)?;
        }
        StationarityFormat::Table => write_table(&mut w, &out).map_err(write_err)?,
    }
    w.flush().map_err(write_err)
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_u64() && !n.is_i64() => format!("{f:.6}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn write_table<W: Write>(w: &mut W, out: &Value) -> std::io::Result<()> {
    let adf = out["test"] == "adf";
    writeln!(
        w,
        "{}",
        if adf {
            "Augmented Dickey-Fuller test (H0: unit root)"
        } else {
            "KPSS test (H0: stationary)"
        }
    )?;
    let keys: &[&str] = if adf {
        &[
            "field",
            "regression",
            "autolag",
            "statistic",
            "pvalue",
            "usedlag",
            "nobs",
            "icbest",
            "maxlag",
        ]
    } else {
        &[
            "field",
            "regression",
            "statistic",
            "pvalue",
            "pvalue_bound",
            "lags",
            "nobs",
        ]
    };
    let mut pairs: Vec<(&str, String)> = keys.iter().map(|k| (*k, cell(&out[*k]))).collect();
    let levels: &[&str] = if adf {
        &["1%", "5%", "10%"]
    } else {
        &["10%", "5%", "2.5%", "1%"]
    };
    let crit: Vec<(String, String)> = levels
        .iter()
        .map(|l| (format!("critical {l}"), cell(&out["critical_values"][*l])))
        .collect();
    pairs.extend(crit.iter().map(|(k, v)| (k.as_str(), v.clone())));
    if out["interpolated"].as_u64().unwrap_or(0) + out["trimmed"].as_u64().unwrap_or(0) > 0 {
        pairs.push(("interpolated", cell(&out["interpolated"])));
        pairs.push(("trimmed", cell(&out["trimmed"])));
    }
    write_pairs(w, &pairs)
}
