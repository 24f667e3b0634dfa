//! Every example in `stratos --help` and `stratos <command> --help` runs as written from the
//! repository root: each help line starting with `stratos ` (or `cat … | stratos `) is run by
//! bash with `stratos` standing for the built binary, and must exit 0 with some output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const COMMANDS: [&str; 7] = [
    "",
    "run",
    "stream",
    "strategies",
    "inspect",
    "backtest",
    "evaluate",
];

fn help(command: &str) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stratos"));
    if !command.is_empty() {
        c.arg(command);
    }
    let out = c.arg("--help").output().unwrap();
    assert!(out.status.success(), "stratos {command} --help");
    String::from_utf8(out.stdout).unwrap()
}

/// The example lines of a help text: indented, starting with `stratos ` or `cat `.
fn examples(help: &str) -> Vec<String> {
    help.lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("stratos ") || (l.starts_with("cat ") && l.contains("| stratos "))
        })
        .map(str::to_owned)
        .collect()
}

/// A scratch folder whose `examples`, `tests` and crate folders link to the repository's, so
/// the examples read the repository's files and write (`--plot chart.svg`, `--results-dir`)
/// into the scratch folder.
fn scratch_root() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("help_examples");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("target")).unwrap();
    for name in ["examples", "tests", "stratos-cli", "stratos-ingest"] {
        std::os::unix::fs::symlink(repo.join(name).canonicalize().unwrap(), dir.join(name))
            .unwrap();
    }
    dir
}

#[test]
fn every_help_example_runs_as_written() {
    let root = scratch_root();
    let bin = env!("CARGO_BIN_EXE_stratos");
    let mut ran = 0;
    for command in COMMANDS {
        for example in examples(&help(command)) {
            let script = example
                .replacen("stratos ", &format!("{bin} "), 1)
                .replace("| stratos ", &format!("| {bin} "));
            let out = Command::new("bash")
                .args(["-o", "pipefail", "-c", &script])
                .current_dir(&root)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "`{example}` (from `stratos {command} --help`) failed: {stderr}"
            );
            assert!(
                !out.stdout.is_empty(),
                "`{example}` printed nothing: {stderr}"
            );
            ran += 1;
        }
    }
    assert!(ran >= 20, "only {ran} examples found");
}
