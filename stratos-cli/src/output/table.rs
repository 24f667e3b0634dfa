//! Plain aligned text tables.

use std::io::{self, Write};

/// A table of text cells; numbers are right-aligned, text left-aligned.
#[derive(Debug, Default)]
pub(crate) struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(crate) fn write<W: Write>(&self, out: &mut W) -> io::Result<()> {
        let cols = self.headers.len();
        let mut width: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let numeric: Vec<bool> = (0..cols)
            .map(|i| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .filter(|c| !c.is_empty())
                    .all(|c| c.parse::<f64>().is_ok())
            })
            .collect();
        let line = |out: &mut W, cells: &[String]| -> io::Result<()> {
            let mut text = String::new();
            for (i, c) in cells.iter().enumerate().take(cols) {
                if i > 0 {
                    text.push_str("  ");
                }
                let pad = width[i].saturating_sub(c.chars().count());
                if numeric[i] {
                    text.extend(std::iter::repeat_n(' ', pad));
                    text.push_str(c);
                } else {
                    text.push_str(c);
                    if i + 1 < cols {
                        text.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(out, &self.headers)?;
        for r in &self.rows {
            line(out, r)?;
        }
        Ok(())
    }
}

/// Writes `label  value` pairs with labels padded to one width.
pub(crate) fn write_pairs<W: Write>(out: &mut W, pairs: &[(&str, String)]) -> io::Result<()> {
    let w = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in pairs {
        writeln!(out, "{k:<w$}  {v}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_numbers_right_and_text_left() {
        let mut t = Table::new(["name", "value"]);
        t.row(vec!["a".into(), "1.5".into()]);
        t.row(vec!["long".into(), "10".into()]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "name  value\na       1.5\nlong     10\n"
        );
    }
}
