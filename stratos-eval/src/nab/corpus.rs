//! NAB's folder layout: reading a labelled corpus, writing a detector's results.
//!
//! ```text
//! <root>/data/<category>/<file>.csv          timestamp,value
//! <root>/labels/combined_windows.json        {"<category>/<file>.csv": [[start, end], …], …}
//! <out>/<detector>/<category>/<detector>_<file>.csv   timestamp,value,anomaly_score,label
//! ```
//!
//! The data and results files are read through `stratos-ingest` (its CSV reader, errors with
//! the file and line). The labels file defines the corpus: every file it lists is read, in the key order of the
//! JSON object (sorted), and a listed file that is missing is an error.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use stratos_core::{Frame, Timestamp};
use stratos_ingest::{Format, ReadOptions};

use super::score::{LabelledFile, NabError};

/// One labelled series of a corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct NabSeries {
    /// The file as scored: its NAB key, row count and windows.
    pub file: LabelledFile,
    /// The timestamps in NAB's text form (`YYYY-MM-DD HH:MM:SS`), as written to results files.
    pub timestamp_text: Vec<String>,
    /// The timestamps, parsed.
    pub timestamps: Vec<Timestamp>,
    /// The value column (NaN where the field is empty).
    pub values: Vec<f64>,
}

impl NabSeries {
    /// The NAB key: `<category>/<file>.csv`.
    pub fn key(&self) -> &str {
        self.file.name()
    }

    /// 1 for rows inside a window, 0 elsewhere (NAB's `label` column).
    pub fn labels(&self) -> Vec<u8> {
        let mut labels = vec![0u8; self.file.rows()];
        for &(s, e) in self.file.windows() {
            for l in labels.iter_mut().take(e + 1).skip(s) {
                *l = 1;
            }
        }
        labels
    }
}

/// A labelled corpus in NAB's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct NabCorpus {
    root: PathBuf,
    series: Vec<NabSeries>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> NabError + '_ {
    move |source| NabError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl NabCorpus {
    /// Reads `<root>/labels/combined_windows.json` and every data file it lists.
    ///
    /// # Errors
    /// [`NabError::Io`] for unreadable files, [`NabError::Parse`] for malformed JSON or CSV,
    /// [`NabError::WindowEdge`]/[`NabError::WindowRange`] for windows that do not fit their data.
    pub fn load(root: impl AsRef<Path>) -> Result<Self, NabError> {
        let root = root.as_ref();
        Self::load_with_labels(root, &root.join("labels").join("combined_windows.json"))
    }

    /// [`NabCorpus::load`] with another labels file (NAB's `--labels`).
    ///
    /// # Errors
    /// As [`NabCorpus::load`].
    pub fn load_with_labels(root: &Path, labels: &Path) -> Result<Self, NabError> {
        let text = std::fs::read_to_string(labels).map_err(io_err(labels))?;
        let windows: BTreeMap<String, Vec<[String; 2]>> =
            serde_json::from_str(&text).map_err(|e| NabError::Parse {
                path: labels.display().to_string(),
                line: e.line(),
                message: format!("expected {{\"<category>/<file>.csv\": [[start, end], …]}}: {e}"),
            })?;
        let mut series = Vec::with_capacity(windows.len());
        for (key, edges) in &windows {
            inside_root(key).map_err(|why| NabError::Parse {
                path: labels.display().to_string(),
                line: 0,
                message: format!("label key `{key}`: {why}; keys are paths under data/"),
            })?;
            let path = root.join("data").join(key);
            let bytes = std::fs::read(&path).map_err(io_err(&path))?;
            series.push(parse_series(key, &path, &bytes, edges, labels)?);
        }
        Ok(NabCorpus {
            root: root.to_owned(),
            series,
        })
    }

    /// The corpus root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The series, in the labels file's key order.
    pub fn series(&self) -> &[NabSeries] {
        &self.series
    }

    /// The files as the scorer sees them.
    pub fn files(&self) -> Vec<LabelledFile> {
        self.series.iter().map(|s| s.file.clone()).collect()
    }

    /// Total number of windows.
    pub fn window_count(&self) -> usize {
        self.series.iter().map(|s| s.file.windows().len()).sum()
    }

    /// Total number of rows.
    pub fn row_count(&self) -> usize {
        self.series.iter().map(|s| s.file.rows()).sum()
    }

    /// Writes NAB's results layout for `detector` under `out`:
    /// `<out>/<detector>/<category>/<detector>_<file>.csv` with the columns
    /// `timestamp,value,anomaly_score,label`, one file per series; `scores[k]` belongs to
    /// series `k`. Returns the files written.
    ///
    /// # Errors
    /// [`NabError::FileCount`]/[`NabError::Length`] when the scores do not fit,
    /// [`NabError::Io`] when writing fails.
    pub fn write_results<S: AsRef<[f64]>>(
        &self,
        out: &Path,
        detector: &str,
        scores: &[S],
    ) -> Result<Vec<PathBuf>, NabError> {
        check_detector(out, detector)?;
        if scores.len() != self.series.len() {
            return Err(NabError::FileCount {
                expected: self.series.len(),
                got: scores.len(),
            });
        }
        let mut written = Vec::with_capacity(self.series.len());
        for (s, a) in self.series.iter().zip(scores) {
            let a = a.as_ref();
            if a.len() != s.file.rows() {
                return Err(NabError::Length {
                    file: s.key().to_owned(),
                    expected: s.file.rows(),
                    got: a.len(),
                });
            }
            let (category, name) = s.key().rsplit_once('/').unwrap_or(("", s.key()));
            let dir = out.join(detector).join(category);
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
            let path = dir.join(format!("{detector}_{name}"));
            let labels = s.labels();
            let mut text = String::with_capacity(48 * a.len() + 40);
            text.push_str("timestamp,value,anomaly_score,label\n");
            for i in 0..a.len() {
                let _ = writeln!(
                    text,
                    "{},{},{},{}",
                    s.timestamp_text[i], s.values[i], a[i], labels[i]
                );
            }
            std::fs::write(&path, text).map_err(io_err(&path))?;
            written.push(path);
        }
        Ok(written)
    }
}

impl NabCorpus {
    /// Reads a detector's scores in NAB's results layout,
    /// `<dir>/<detector>/<category>/<detector>_<file>.csv`, one per series: the
    /// `anomaly_score` column, matched to the data rows by position as NAB does.
    ///
    /// # Errors
    /// [`NabError::Io`] for a missing file, [`NabError::Parse`] for a file without an
    /// `anomaly_score` column or with a value that is not a number.
    pub fn read_results(&self, dir: &Path, detector: &str) -> Result<Vec<Vec<f64>>, NabError> {
        check_detector(dir, detector)?;
        let mut all = Vec::with_capacity(self.series.len());
        for s in &self.series {
            let (category, name) = s.key().rsplit_once('/').unwrap_or(("", s.key()));
            let path = dir
                .join(detector)
                .join(category)
                .join(format!("{detector}_{name}"));
            let bytes = std::fs::read(&path).map_err(io_err(&path))?;
            let frame = read_csv(&path, &bytes)?;
            let scores = numeric_column(&frame, &path, "anomaly_score")?.to_vec();
            all.push(scores);
        }
        Ok(all)
    }
}

/// Why a label key would reach outside the corpus's `data/` folder: an absolute path, a
/// drive or root prefix, or a `..` (or `.`) component. Results are written under the
/// results folder by the same key, so this keeps them inside it too.
fn inside_root(key: &str) -> Result<(), &'static str> {
    use std::path::Component;
    if key.is_empty() {
        return Err("empty");
    }
    if key.contains('\\') || key.contains('\0') {
        return Err("holds a backslash or a NUL");
    }
    for c in Path::new(key).components() {
        match c {
            Component::Normal(_) => {}
            Component::ParentDir => return Err("leaves the corpus through `..`"),
            Component::CurDir => return Err("holds a `.` component"),
            Component::RootDir | Component::Prefix(_) => return Err("is an absolute path"),
        }
    }
    Ok(())
}

/// Refuses a detector name that is not one plain folder name (it names a folder under the
/// results directory).
fn check_detector(dir: &Path, detector: &str) -> Result<(), NabError> {
    let plain = !detector.is_empty()
        && detector != "."
        && detector != ".."
        && !detector.contains(['/', '\\', '\0']);
    if plain {
        Ok(())
    } else {
        Err(NabError::Parse {
            path: dir.display().to_string(),
            line: 0,
            message: format!(
                "detector name `{detector}`: expected a plain folder name (no `/`, `\\` or `..`)"
            ),
        })
    }
}

fn parse_series(
    key: &str,
    path: &Path,
    bytes: &[u8],
    edges: &[[String; 2]],
    labels: &Path,
) -> Result<NabSeries, NabError> {
    let frame = read_csv(path, bytes)?;
    let has_time = frame.schema().timestamp_field.as_deref() == Some("timestamp");
    let timestamps = match frame.timestamps() {
        Some(t) if has_time => t.to_vec(),
        _ => {
            return Err(NabError::Parse {
                path: path.display().to_string(),
                line: 1,
                message: format!(
                    "no `timestamp` column of times (columns: {})",
                    column_names(&frame)
                ),
            });
        }
    };
    let values = numeric_column(&frame, path, "value")?.to_vec();
    let timestamp_text = timestamps.iter().map(|&t| nab_time_text(t)).collect();
    let mut windows = Vec::with_capacity(edges.len());
    for [start, end] in edges {
        let parse = |t: &str| {
            Timestamp::parse(t).map_err(|e| NabError::Parse {
                path: labels.display().to_string(),
                line: 0,
                message: format!("{key}: {e}"),
            })
        };
        windows.push((parse(start)?, parse(end)?));
    }
    let file = LabelledFile::from_timestamps(key, &timestamps, &windows, |k, is_end| {
        edges
            .get(k)
            .map(|e| e[usize::from(is_end)].clone())
            .unwrap_or_default()
    })?;
    Ok(NabSeries {
        file,
        timestamp_text,
        timestamps,
        values,
    })
}

/// Reads a NAB CSV (header row, comma-separated) through `stratos-ingest`; its errors name
/// `path` and the line.
fn read_csv(path: &Path, bytes: &[u8]) -> Result<Frame, NabError> {
    let options = ReadOptions::default()
        .with_format(Format::Csv)
        .with_delimiter(b',')
        .with_header(true)
        .with_source_name(path.display().to_string());
    Ok(stratos_ingest::read_bytes(bytes, &options)?)
}

/// The numeric column `name`; a column that holds text names its first non-number and its
/// line.
fn numeric_column<'f>(frame: &'f Frame, path: &Path, name: &str) -> Result<&'f [f64], NabError> {
    if let Some(values) = frame.column(name) {
        return Ok(values);
    }
    let err = |line: usize, message: String| NabError::Parse {
        path: path.display().to_string(),
        line,
        message,
    };
    let Some(text) = frame.category(name) else {
        return Err(err(
            1,
            format!("no `{name}` column (columns: {})", column_names(frame)),
        ));
    };
    let bad = (0..text.len())
        .find_map(|row| {
            let cell = text.get(row)?;
            cell.trim()
                .parse::<f64>()
                .is_err()
                .then(|| (row, cell.to_owned()))
        })
        .unwrap_or_default();
    Err(err(
        bad.0 + 2,
        format!("`{name}`: expected a number, found `{}`", bad.1),
    ))
}

fn column_names(frame: &Frame) -> String {
    let mut names: Vec<&str> = frame
        .schema()
        .timestamp_field
        .iter()
        .map(String::as_str)
        .collect();
    names.extend(frame.numeric_columns().iter().map(|c| c.name.as_str()));
    names.extend(frame.category_columns().iter().map(|c| c.name()));
    names.join(", ")
}

/// NAB's text form of a timestamp: `YYYY-MM-DD HH:MM:SS` (with `.ffffff` when there is a
/// sub-second part), in UTC.
fn nab_time_text(t: Timestamp) -> String {
    let text = t.to_string();
    text.trim_end_matches('Z').replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_and_detectors_stay_inside_their_roots() {
        for key in [
            "../../x.csv",
            "/etc/passwd",
            "a/../../b.csv",
            "./a.csv",
            "a\\b.csv",
            "",
        ] {
            assert!(inside_root(key).is_err(), "{key}");
        }
        assert!(inside_root("realKnownCause/machine_temperature_system_failure.csv").is_ok());
        for d in ["../x", "a/b", "..", "", "."] {
            assert!(check_detector(Path::new("out"), d).is_err(), "{d}");
        }
        assert!(check_detector(Path::new("out"), "zscore").is_ok());
        let dir = std::env::temp_dir().join(format!("stratos_nab_escape_{}", std::process::id()));
        std::fs::create_dir_all(dir.join("corpus/labels")).unwrap();
        std::fs::write(
            dir.join("corpus/labels/combined_windows.json"),
            r#"{"../../escape.csv": []}"#,
        )
        .unwrap();
        let e = NabCorpus::load(dir.join("corpus")).unwrap_err();
        assert!(
            e.to_string().ends_with(
                ":0: label key `../../escape.csv`: leaves the corpus through `..`; keys are \
                 paths under data/"
            ),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parses_a_series_and_maps_window_edges_to_rows() {
        let text = "timestamp,value\n2014-04-10 07:00:00,1\n2014-04-10 07:05:00,2\n\
                    2014-04-10 07:10:00,3\n2014-04-10 07:05:00,4\n2014-04-10 07:15:00,5\n";
        let edges = [[
            "2014-04-10 07:05:00.000000".to_owned(),
            "2014-04-10 07:10:00.000000".to_owned(),
        ]];
        let s = parse_series(
            "c/f.csv",
            Path::new("f.csv"),
            text.as_bytes(),
            &edges,
            Path::new("l.json"),
        )
        .unwrap();
        assert_eq!(s.file.rows(), 5);
        assert_eq!(s.file.windows(), &[(1, 2)]);
        assert_eq!(s.labels(), vec![0, 1, 1, 0, 0]);
        assert_eq!(s.values[4], 5.0);
    }

    #[test]
    fn missing_edge_and_bad_value_are_errors() {
        let edges = [["2020-01-01 00:00:00".to_owned(), "2020-01-01".to_owned()]];
        let e = parse_series(
            "c/f.csv",
            Path::new("f.csv"),
            b"timestamp,value\n2014-04-10 07:00:00,1\n",
            &edges,
            Path::new("l.json"),
        )
        .unwrap_err();
        assert!(matches!(e, NabError::WindowEdge { .. }), "{e}");
        let e = parse_series(
            "c/f.csv",
            Path::new("f.csv"),
            b"timestamp,value\n2014-04-10 07:00:00,x\n",
            &[],
            Path::new("l.json"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.csv:2: `value`: expected a number, found `x`"
        );
    }

    #[test]
    fn results_round_trip() {
        let dir = std::env::temp_dir().join(format!("stratos_nab_rt_{}", std::process::id()));
        let root = dir.join("corpus");
        std::fs::create_dir_all(root.join("data/c")).unwrap();
        std::fs::create_dir_all(root.join("labels")).unwrap();
        std::fs::write(
            root.join("data/c/f.csv"),
            "timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,2\n",
        )
        .unwrap();
        std::fs::write(
            root.join("labels/combined_windows.json"),
            r#"{"c/f.csv": [["2020-01-01 00:05:00.000000", "2020-01-01 00:05:00.000000"]]}"#,
        )
        .unwrap();
        let corpus = NabCorpus::load(&root).unwrap();
        assert_eq!(corpus.window_count(), 1);
        assert_eq!(corpus.row_count(), 2);
        let out = dir.join("results");
        let written = corpus.write_results(&out, "d", &[vec![0.25, 0.5]]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&written[0]).unwrap(),
            "timestamp,value,anomaly_score,label\n2020-01-01 00:00:00,1,0.25,0\n2020-01-01 00:05:00,2,0.5,1\n"
        );
        assert_eq!(
            corpus.read_results(&out, "d").unwrap(),
            vec![vec![0.25, 0.5]]
        );
        assert!(matches!(
            corpus.write_results(&out, "d", &[vec![0.25]]),
            Err(NabError::Length { .. })
        ));
        assert!(matches!(
            corpus.read_results(&out, "missing"),
            Err(NabError::Io { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
