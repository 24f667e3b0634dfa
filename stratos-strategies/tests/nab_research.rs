//! Research driver (ignored): scores candidate configs on the NAB corpus at STRATOS_NAB_DIR.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use stratos_core::evaluation::{NabCorpus, PROFILES, score_corpus};
use stratos_core::{BuiltinStrategy, StrategyConfig};
use stratos_strategies::anomaly::{AnomalyConfig, AnomalyStrategy, nab};

fn run(corpus: &NabCorpus, json: &str) -> Vec<Vec<f64>> {
    let c = AnomalyConfig::from_json(serde_json::from_str(json).unwrap()).unwrap();
    let s = AnomalyStrategy::from_config(c).unwrap();
    corpus
        .series()
        .iter()
        .map(|x| s.scores(&[&x.values]))
        .collect()
}

fn report(corpus: &NabCorpus, name: &str, scores: &[Vec<f64>]) {
    let files = corpus.files();
    let ins = score_corpus(&files, scores, &PROFILES).unwrap();
    let cv = nab::cross_validate_by_category(&files, &[scores.to_vec()], &PROFILES).unwrap();
    let folds: Vec<String> = cv.profiles[0]
        .folds
        .iter()
        .map(|f| format!("{:.1}", f.normalized.unwrap_or(f.raw)))
        .collect();
    println!(
        "{name:60} in {:6.2} {:6.2} {:6.2} | cv {:6.2} {:6.2} {:6.2} | {}",
        ins[0].normalized,
        ins[1].normalized,
        ins[2].normalized,
        cv.profiles[0].normalized,
        cv.profiles[1].normalized,
        cv.profiles[2].normalized,
        folds.join(" ")
    );
}

#[test]
#[ignore]
fn research() {
    let Ok(dir) = std::env::var("STRATOS_NAB_DIR") else {
        return;
    };
    let corpus = NabCorpus::load(&dir).unwrap();
    let configs: Vec<String> = std::env::var("CONFIGS")
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for c in &configs {
        let t = Instant::now();
        let s = run(&corpus, c);
        let secs = t.elapsed().as_secs_f64();
        report(&corpus, c, &s);
        println!("   ({secs:.2}s)");
    }
}
