//! `stratos evaluate`: run an anomaly detector over a labelled corpus in NAB's layout and print
//! its NAB scores (three profiles) with precision, recall and F1 by window.

use std::io::Write;

use stratos_core::{BuiltinStrategy, StrategyConfig};
use stratos_eval::nab::NabCorpus;
use stratos_strategies::anomaly::{self, AnomalyConfig, AnomalyStrategy};

use crate::cli::{EvaluateArgs, EvaluateFormat};
use crate::cmd::parse_config;
use crate::exit::{CliError, write_err};
use crate::output::{self, table::Table};

pub(crate) fn run(args: &EvaluateArgs) -> Result<(), CliError> {
    if args.strategy != anomaly::ID {
        return Err(CliError::Usage(format!(
            "evaluate: `{}` gives no anomaly scores; use --strategy {}",
            args.strategy,
            anomaly::ID
        )));
    }
    if args.detector.is_empty() || args.detector.contains(['/', '\\']) {
        return Err(CliError::Usage(format!(
            "--detector `{}`: expected a plain name (it becomes a folder and a file prefix)",
            args.detector
        )));
    }
    let config = AnomalyConfig::from_json(parse_config(args.config.as_deref())?)?;
    let strategy = AnomalyStrategy::from_config(config)?;
    let corpus = match &args.labels {
        Some(labels) => NabCorpus::load_with_labels(&args.corpus, labels)?,
        None => NabCorpus::load(&args.corpus)?,
    };
    let report = match &args.scores {
        Some(dir) => {
            stratos_eval::nab::score_saved(&corpus, corpus.read_results(dir, &args.detector)?)?
        }
        None => stratos_eval::nab::evaluate_corpus(&strategy, &corpus)?,
    };
    let detector = match &args.scores {
        Some(dir) => serde_json::json!({"scores": dir.join(&args.detector).display().to_string()}),
        None => stratos_core::Strategy::config(&strategy),
    };
    if let Some(dir) = &args.results_dir {
        corpus.write_results(dir, &args.detector, &report.scores)?;
    }
    let mut out = output::stdout();
    match args.format {
        EvaluateFormat::Json => {
            let value = serde_json::json!({
                "corpus": corpus.root().display().to_string(),
                "files": corpus.series().len(),
                "windows": corpus.window_count(),
                "rows": report.rows,
                "strategy": anomaly::ID,
                "config": detector,
                "profiles": report.profiles,
            });
            serde_json::to_writer_pretty(&mut out, &value).map_err(write_err)?;
            writeln!(out).map_err(write_err)?;
        }
        EvaluateFormat::Table => {
            let source = match &args.scores {
                Some(dir) => format!("scores of `{}` from {}", args.detector, dir.display()),
                None => format!("{} {}", anomaly::ID, detector),
            };
            writeln!(
                out,
                "{}: {} files, {} windows, {} rows; {source}",
                corpus.root().display(),
                corpus.series().len(),
                corpus.window_count(),
                report.rows,
            )
            .map_err(write_err)?;
            let mut t = Table::new([
                "profile",
                "score",
                "threshold",
                "raw",
                "windows",
                "detected",
                "false alarms",
                "precision",
                "recall",
                "F1",
            ]);
            for p in &report.profiles {
                t.row(vec![
                    p.profile.title.to_owned(),
                    format!("{:.2}", p.normalized),
                    format!("{}", p.threshold),
                    format!("{:.4}", p.raw),
                    p.windows.windows.to_string(),
                    p.windows.detected.to_string(),
                    p.windows.false_alarms.to_string(),
                    format!("{:.3}", p.windows.precision),
                    format!("{:.3}", p.windows.recall),
                    format!("{:.3}", p.windows.f1),
                ]);
            }
            t.write(&mut out).map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)?;
    let rate = if report.detect_seconds > 0.0 {
        report.rows as f64 / report.detect_seconds
    } else {
        0.0
    };
    eprintln!(
        "detector {:.3} s ({:.2} M rows/s), scorer {:.3} s",
        report.detect_seconds,
        rate / 1e6,
        report.score_seconds
    );
    Ok(())
}
