//! Where in the input an error happened.

use std::fmt;

/// A place in the input: the file (or source name), the 1-based physical line, and the column
/// (CSV) or field (NDJSON). Any part may be unknown.
///
/// It prints as the prefix of an error message: `data.csv:17: column `price``,
/// `line 17`, `data.csv`, or `input` when nothing is known.
///
/// # Examples
/// ```
/// use stratos_ingest::Location;
/// let at = Location::default().with_path("data.csv").with_line(17).with_column("price");
/// assert_eq!(at.to_string(), "data.csv:17: column `price`");
/// assert_eq!(Location::default().with_line(3).to_string(), "line 3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Location {
    /// The file path or source name.
    pub path: Option<String>,
    /// The 1-based physical line (a record spanning several lines reports its first).
    pub line: Option<u64>,
    /// The column (CSV) or field (NDJSON) name.
    pub column: Option<String>,
}

impl Location {
    /// Sets the path or source name.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets the 1-based line.
    pub fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the column or field name.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// A location naming only the source, if there is one.
    pub(crate) fn source(path: Option<&str>) -> Self {
        Location {
            path: path.map(str::to_owned),
            ..Location::default()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wrote = match (&self.path, self.line) {
            (Some(p), Some(l)) => {
                write!(f, "{p}:{l}")?;
                true
            }
            (Some(p), None) => {
                f.write_str(p)?;
                true
            }
            (None, Some(l)) => {
                write!(f, "line {l}")?;
                true
            }
            (None, None) => false,
        };
        match (&self.column, wrote) {
            (Some(c), true) => write!(f, ": column `{c}`"),
            (Some(c), false) => write!(f, "column `{c}`"),
            (None, true) => Ok(()),
            (None, false) => f.write_str("input"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_every_combination() {
        let l = Location::default();
        assert_eq!(l.to_string(), "input");
        assert_eq!(l.clone().with_column("a").to_string(), "column `a`");
        assert_eq!(l.clone().with_path("x.csv").to_string(), "x.csv");
        assert_eq!(
            l.clone().with_line(2).with_column("a").to_string(),
            "line 2: column `a`"
        );
        assert_eq!(
            l.with_path("x.csv")
                .with_line(2)
                .with_column("a")
                .to_string(),
            "x.csv:2: column `a`"
        );
    }
}
