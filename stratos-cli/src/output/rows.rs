//! Per-row outputs of a batch run: one row per input row, as CSV, NDJSON or table cells.

use std::io::Write;

use stratos_core::{CategoryColumn, Frame, OutputValues, StrategyResult};
use stratos_ingest::arrow::{ColumnData, Table, WriteError};

use super::float_cell;
use crate::exit::{CliError, write_err};

/// The row view of a result over its input: time (when the frame has it), the input field,
/// then each output column.
pub(crate) struct RowView<'a> {
    frame: &'a Frame,
    result: &'a StrategyResult,
    input: Option<&'a [f64]>,
    /// A leading (name, value) cell in every row: the stream of a multi-stream run.
    tag: Option<(&'a str, &'a str)>,
}

impl<'a> RowView<'a> {
    pub(crate) fn new(frame: &'a Frame, result: &'a StrategyResult) -> Self {
        let input = result
            .outputs
            .field
            .as_deref()
            .and_then(|f| frame.column(f));
        RowView {
            frame,
            result,
            input,
            tag: None,
        }
    }

    /// Puts a `name` cell holding `value` first in every row.
    pub(crate) fn with_tag(mut self, name: &'a str, value: &'a str) -> Self {
        self.tag = Some((name, value));
        self
    }

    pub(crate) fn len(&self) -> usize {
        self.result
            .outputs
            .columns
            .iter()
            .map(|c| c.values.len())
            .max()
            .unwrap_or(0)
    }

    pub(crate) fn headers(&self) -> Vec<String> {
        let mut h = Vec::new();
        if let Some((name, _)) = self.tag {
            h.push(name.to_owned());
        }
        if self.frame.timestamps().is_some() {
            h.push(
                self.frame
                    .schema()
                    .timestamp_field
                    .clone()
                    .unwrap_or_else(|| "timestamp".into()),
            );
        }
        if let (Some(f), Some(_)) = (&self.result.outputs.field, self.input) {
            h.push(f.clone());
        }
        h.extend(self.result.outputs.columns.iter().map(|c| c.name.clone()));
        h
    }

    /// The text cells of row `i`.
    pub(crate) fn cells(&self, i: usize) -> Vec<String> {
        let mut cells = Vec::new();
        if let Some((_, value)) = self.tag {
            cells.push(value.to_owned());
        }
        if let Some(ts) = self.frame.timestamps() {
            cells.push(ts.get(i).map(ToString::to_string).unwrap_or_default());
        }
        if let Some(input) = self.input {
            cells.push(input.get(i).map_or_else(String::new, |v| float_cell(*v)));
        }
        for c in &self.result.outputs.columns {
            cells.push(match &c.values {
                OutputValues::Number(v) => v.get(i).map_or_else(String::new, |x| float_cell(*x)),
                OutputValues::Flag(v) => v.get(i).map_or_else(String::new, ToString::to_string),
                OutputValues::Action(v) => v
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or_else(String::new, |a| a.to_string()),
            });
        }
        cells
    }

    /// Row `i` as a JSON object with typed values.
    pub(crate) fn json(&self, i: usize) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        let num = |v: Option<&f64>| {
            v.and_then(|x| serde_json::Number::from_f64(*x))
                .map_or(serde_json::Value::Null, serde_json::Value::Number)
        };
        if let Some((name, value)) = self.tag {
            m.insert(name.to_owned(), value.into());
        }
        if let Some(ts) = self.frame.timestamps() {
            let name = self
                .frame
                .schema()
                .timestamp_field
                .clone()
                .unwrap_or_else(|| "timestamp".into());
            m.insert(
                name,
                ts.get(i)
                    .map_or(serde_json::Value::Null, |t| t.to_string().into()),
            );
        }
        if let (Some(f), Some(input)) = (&self.result.outputs.field, self.input) {
            m.insert(f.clone(), num(input.get(i)));
        }
        for c in &self.result.outputs.columns {
            let v = match &c.values {
                OutputValues::Number(v) => num(v.get(i)),
                OutputValues::Flag(v) => v.get(i).map_or(serde_json::Value::Null, |b| (*b).into()),
                OutputValues::Action(v) => v
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or(serde_json::Value::Null, |a| a.as_str().into()),
            };
            m.insert(c.name.clone(), v);
        }
        serde_json::Value::Object(m)
    }

    /// The rows [`RowView::write_csv`] prints, as a typed table: the tag and actions as text,
    /// the time column as instants, numbers as numbers (missing as null), flags as booleans.
    pub(crate) fn table(&self) -> Result<Table, WriteError> {
        let n = self.len();
        let text = |name: &str, cell: &dyn Fn(usize) -> Option<&'static str>| {
            let mut c = CategoryColumn::new(name);
            for i in 0..n {
                c.push(cell(i));
            }
            ColumnData::Category(c)
        };
        let numbers = |v: &[f64]| {
            ColumnData::Number(
                (0..n)
                    .map(|i| v.get(i).copied().unwrap_or(f64::NAN))
                    .collect(),
            )
        };
        let mut t = Table::new();
        if let Some((name, value)) = self.tag {
            let mut c = CategoryColumn::new(name);
            for _ in 0..n {
                c.push(Some(value));
            }
            t = t.with_column(name, ColumnData::Category(c))?;
        }
        let headers = self.headers();
        let mut names = headers.iter().skip(usize::from(self.tag.is_some()));
        if let Some(ts) = self.frame.timestamps() {
            let name = names.next().cloned().unwrap_or_default();
            let times = ts.get(..n).ok_or_else(|| WriteError::Shape {
                message: format!("{} results for {} rows", n, ts.len()),
            })?;
            t = t.with_column(name, ColumnData::Time(times.to_vec()))?;
        }
        if let Some(input) = self.input {
            let name = names.next().cloned().unwrap_or_default();
            t = t.with_column(name, numbers(input))?;
        }
        for c in &self.result.outputs.columns {
            let data = match &c.values {
                OutputValues::Number(v) => numbers(v),
                OutputValues::Flag(v) => {
                    ColumnData::Flag((0..n).map(|i| v.get(i).copied()).collect())
                }
                OutputValues::Action(v) => text(&c.name, &|i| {
                    v.get(i).copied().flatten().map(|a| a.as_str())
                }),
            };
            t = t.with_column(c.name.clone(), data)?;
        }
        Ok(t)
    }

    pub(crate) fn write_csv<W: Write>(&self, out: &mut W) -> Result<(), CliError> {
        self.write_csv_rows(out, true)
    }

    /// The CSV rows, after the header line when `header`.
    pub(crate) fn write_csv_rows<W: Write>(
        &self,
        out: &mut W,
        header: bool,
    ) -> Result<(), CliError> {
        let mut w = csv::Writer::from_writer(out);
        if header {
            w.write_record(self.headers())
                .map_err(|e| write_err(std::io::Error::from(e)))?;
        }
        for i in 0..self.len() {
            w.write_record(self.cells(i))
                .map_err(|e| write_err(std::io::Error::from(e)))?;
        }
        w.flush().map_err(write_err)
    }

    pub(crate) fn write_ndjson<W: Write>(&self, out: &mut W) -> Result<(), CliError> {
        for i in 0..self.len() {
            super::json_line(out, &self.json(i)).map_err(write_err)?;
        }
        Ok(())
    }
}
