//! `stratos evaluate`: run an anomaly detector over a labelled corpus in NAB's layout and print
//! its NAB scores (three profiles) with precision, recall and F1 by window.

use std::io::Write;

use stratos_core::{BuiltinStrategy, StrategyConfig};
use stratos_eval::nab::{CvReport, NabCorpus, PROFILES, cross_validate_by_category};
use stratos_strategies::anomaly::{self, AnomalyConfig, AnomalyStrategy};

use crate::cli::{EvaluateArgs, EvaluateCv, EvaluateFormat};
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
    // A JSON list of configs: candidates for the cross-validation.
    let configs = match parse_config(args.config.as_deref())? {
        serde_json::Value::Array(list) => {
            if args.cv.is_none() {
                return Err(CliError::Usage(
                    "--config: a list of configs needs --cv category (the list is the candidates it chooses from)"
                        .to_owned(),
                ));
            }
            if list.is_empty() {
                return Err(CliError::Usage("--config: an empty list".to_owned()));
            }
            list
        }
        one => vec![one],
    };
    let strategies = configs
        .into_iter()
        .map(|c| AnomalyStrategy::from_config(AnomalyConfig::from_json(c)?))
        .collect::<Result<Vec<_>, _>>()?;
    let strategy = strategies[0].clone();
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
    let cv: Option<CvReport> = match args.cv {
        None => None,
        Some(EvaluateCv::Category) => {
            let mut candidates = vec![report.scores.clone()];
            for s in strategies.iter().skip(1) {
                candidates.push(stratos_eval::nab::evaluate_corpus(s, &corpus)?.scores);
            }
            Some(cross_validate_by_category(
                &corpus.files(),
                &candidates,
                &PROFILES,
            )?)
        }
    };
    let candidates: Vec<serde_json::Value> = strategies
        .iter()
        .map(stratos_core::Strategy::config)
        .collect();
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
            let mut value = value;
            if let (Some(cv), Some(obj)) = (&cv, value.as_object_mut()) {
                obj.insert("candidates".into(), candidates.clone().into());
                obj.insert("cv".into(), serde_json::to_value(cv).map_err(write_err)?);
            }
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
            if let Some(cv) = &cv {
                write_cv(&mut out, cv, candidates.len())?;
            }
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

/// The cross-validation table: one row per profile, its corpus-level score and each held-out
/// category's (with the chosen candidate when there are several).
fn write_cv(out: &mut impl Write, cv: &CvReport, candidates: usize) -> Result<(), CliError> {
    let chosen = if candidates > 1 {
        format!("config (of {candidates}) and threshold")
    } else {
        "threshold".to_owned()
    };
    writeln!(
        out,
        "\nleave-one-category-out: {chosen} chosen on the other categories, scored on the held-out one"
    )
    .map_err(write_err)?;
    let Some(first) = cv.profiles.first() else {
        return Ok(());
    };
    let mut header = vec!["profile".to_owned(), "cv score".to_owned()];
    header.extend(first.folds.iter().map(|f| f.category.clone()));
    let mut t = Table::new(header);
    for p in &cv.profiles {
        let mut row = vec![p.profile.title.to_owned(), format!("{:.2}", p.normalized)];
        for f in &p.folds {
            let score = f
                .normalized
                .map_or_else(|| format!("raw {:.2}", f.raw), |n| format!("{n:.2}"));
            row.push(if candidates > 1 {
                format!("{score} (#{})", f.chosen + 1)
            } else {
                score
            });
        }
        t.row(row);
    }
    t.write(out).map_err(write_err)
}
