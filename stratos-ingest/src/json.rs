//! A JSON document (an array of objects) into a [`Frame`].
//!
//! The document is parsed with `serde_json` into an order-keeping tree ([`Node`]), so
//! columns follow the order in which their keys first appear (serde_json's own map sorts its
//! keys unless its `preserve_order` feature is on, and features unify across a workspace).
//!
//! The records are the document itself when it is an array; when it is an object, the first
//! member holding an array of objects (`{"data": [...]}`), else the object alone. Nested
//! objects flatten to dotted names (`{"a": {"b": 1}}` is column `a.b`). An array of the
//! seed's record envelopes reads as NDJSON does ([`Frame::from_records`]).

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use stratos_core::{CategoryColumn, Frame, FrameError, Record};

use crate::cell::{self, Time, TimeParser};
use crate::error::IngestError;
use crate::frame_builder::SparseColumns;
use crate::location::Location;
use crate::sniff::strip_bom;

/// The keys of the seed's record envelope.
const ENVELOPE_KEYS: [&str; 5] = ["stream_id", "data_type", "payload", "timestamp", "metadata"];

/// A JSON value whose objects keep their keys in input order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Node::Null, Node::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            members.push((k, v));
        }
        Ok(Node::Object(members))
    }
}

impl Node {
    /// The same value as a `serde_json::Value` (for reading envelopes as [`Record`]s).
    fn into_value(self) -> serde_json::Value {
        match self {
            Node::Null => serde_json::Value::Null,
            Node::Bool(b) => serde_json::Value::Bool(b),
            Node::Number(n) => serde_json::Value::Number(n),
            Node::String(s) => serde_json::Value::String(s),
            Node::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(Node::into_value).collect())
            }
            Node::Object(members) => serde_json::Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, v.into_value()))
                    .collect(),
            ),
        }
    }

    /// What kind of value this is, for messages.
    fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a bool",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }

    /// The value as compact JSON text (for arrays kept in category columns).
    fn to_json(&self) -> String {
        self.clone().into_value().to_string()
    }
}

/// Reads a JSON document into a frame.
pub(crate) fn read_json(
    bytes: &[u8],
    options: &crate::ReadOptions,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    let limits = options.limits();
    let depth_limit = u64::from(limits.max_nesting_depth);
    if memchr::memchr2_iter(b'{', b'[', bytes).count() as u64 > depth_limit
        && crate::stream::nesting_depth(bytes) > depth_limit
    {
        return Err(IngestError::limit(
            Location::source(source),
            crate::LimitKind::NestingDepth,
            depth_limit,
        ));
    }
    let doc: Node = serde_json::from_slice(strip_bom(bytes)).map_err(|e| {
        let mut location = Location::source(source);
        if e.line() > 0 {
            location = location.with_line(e.line() as u64);
        }
        IngestError::Json {
            location: Box::new(location),
            message: e.to_string(),
        }
    })?;
    let records = match doc {
        Node::Array(items) => items,
        Node::Object(members) => {
            let holds_records = |v: &Node| {
                matches!(v, Node::Array(items)
                    if !items.is_empty() && items.iter().all(|i| matches!(i, Node::Object(_))))
            };
            match members.iter().position(|(_, v)| holds_records(v)) {
                Some(i) => match members.into_iter().nth(i) {
                    Some((_, Node::Array(items))) => items,
                    _ => Vec::new(),
                },
                None => vec![Node::Object(members)],
            }
        }
        other => {
            return Err(IngestError::Json {
                location: Box::new(Location::source(source)),
                message: format!(
                    "expected an array of objects or an object, found {}",
                    other.kind()
                ),
            });
        }
    };
    let fail = |row: usize, column: Option<&str>, message: String| {
        let mut location = Location::source(source);
        if let Some(c) = column {
            location = location.with_column(c);
        }
        IngestError::Json {
            location: Box::new(location),
            message: format!("record {row}: {message}"),
        }
    };
    if let Some((row, item)) = records
        .iter()
        .enumerate()
        .find(|(_, r)| !matches!(r, Node::Object(_)))
    {
        return Err(fail(
            row,
            None,
            format!("expected an object, found {}", item.kind()),
        ));
    }
    if !records.is_empty() && records.iter().all(is_envelope) {
        return read_envelopes(records, options, source, &fail);
    }
    let mut table = Table {
        max_columns: limits.max_columns,
        ..Table::default()
    };
    for (row, record) in records.into_iter().enumerate() {
        if let Node::Object(members) = record {
            table.add_object(row, "", members);
        }
        if table.over {
            return Err(IngestError::limit(
                Location::source(source),
                crate::LimitKind::Columns,
                limits.max_columns,
            ));
        }
        // The table is dense (every column as long as the rows so far): records that each
        // bring new keys grow it as rows × columns, so both budgets are checked as it grows.
        let cells = (table.rows as u64).saturating_mul(table.names.len() as u64);
        let at = || Location::source(source).with_column(format!("record {row}"));
        if cells > limits.max_cells {
            return Err(IngestError::limit(
                at(),
                crate::LimitKind::Cells,
                limits.max_cells,
            ));
        }
        // The memory budget, counted in cells of the table.
        let memory_cells = limits.max_memory / (std::mem::size_of::<Cell>() as u64 + 8);
        if cells > memory_cells {
            return Err(IngestError::limit(
                at(),
                crate::LimitKind::Cells,
                memory_cells,
            ));
        }
    }
    table.into_frame(limits, source, &fail)
}

/// True for an object holding `stream_id` and only envelope keys.
fn is_envelope(node: &Node) -> bool {
    match node {
        Node::Object(members) => {
            members.iter().any(|(k, _)| k == "stream_id")
                && members
                    .iter()
                    .all(|(k, _)| ENVELOPE_KEYS.contains(&k.as_str()))
        }
        _ => false,
    }
}

fn read_envelopes(
    records: Vec<Node>,
    options: &crate::ReadOptions,
    source: Option<&str>,
    fail: &dyn Fn(usize, Option<&str>, String) -> IngestError,
) -> Result<Frame, IngestError> {
    let records = records
        .into_iter()
        .enumerate()
        .map(|(row, r)| {
            let mut record = Record::new("");
            match r.into_value() {
                serde_json::Value::Object(m) => {
                    crate::stream::fill_from_object(m, options, &mut record)
                        .map_err(|e| fail(row, None, e))?;
                }
                other => {
                    return Err(fail(
                        row,
                        None,
                        format!("expected an object, found {other}"),
                    ));
                }
            }
            Ok(record)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Frame::from_records(&records).map_err(|e| match e {
        FrameError::Record { row, source: why } => fail(row, None, why.to_string()),
        other => IngestError::frame(source, other),
    })
}

/// One cell of a flattened record.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Missing,
    Number(serde_json::Number),
    Text(String),
    Bool(bool),
}

impl Cell {
    /// The cell as text, for category and time columns.
    fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Cell::Missing => None,
            Cell::Number(n) => Some(n.to_string().into()),
            Cell::Text(s) => Some(s.as_str().into()),
            Cell::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
        }
    }
}

/// Flattened records as columns of cells, in order of first appearance.
#[derive(Debug, Default)]
struct Table {
    max_columns: u64,
    over: bool,
    names: Vec<String>,
    index: HashMap<String, usize>,
    /// Each column holds only the records that have it, so records that each bring a new
    /// key take memory linear in the input (the budgets above refuse the dense frame).
    columns: SparseColumns<Cell>,
    rows: usize,
}

impl Table {
    /// Adds the members of record `row` (nested objects under `prefix.`).
    fn add_object(&mut self, row: usize, prefix: &str, members: Vec<(String, Node)>) {
        self.rows = self.rows.max(row + 1);
        for (key, value) in members {
            let name = if prefix.is_empty() {
                key
            } else {
                format!("{prefix}.{key}")
            };
            let cell = match value {
                Node::Object(inner) => {
                    self.add_object(row, &name, inner);
                    continue;
                }
                Node::Null => Cell::Missing,
                Node::Bool(b) => Cell::Bool(b),
                Node::Number(n) => Cell::Number(n),
                Node::String(s) => Cell::Text(s),
                a @ Node::Array(_) => Cell::Text(a.to_json()),
            };
            self.set(row, name, cell);
        }
    }

    fn set(&mut self, row: usize, name: String, cell: Cell) {
        let j = match self.index.get(&name) {
            Some(&j) => j,
            None => {
                let j = self.names.len();
                if j as u64 >= self.max_columns {
                    self.over = true;
                    return;
                }
                self.index.insert(name.clone(), j);
                self.names.push(name);
                self.columns.add_column();
                j
            }
        };
        self.columns.set(row, j, cell);
    }

    /// Types the columns and builds the frame.
    fn into_frame(
        self,
        limits: &crate::Limits,
        source: Option<&str>,
        fail: &dyn Fn(usize, Option<&str>, String) -> IngestError,
    ) -> Result<Frame, IngestError> {
        let rows = self.rows;
        let columns = self
            .columns
            .into_dense(rows, Cell::Missing, limits, || Location::source(source))?;
        let is_time = |name: &str, col: &[Cell]| {
            let named = cell::is_time_name(name);
            let mut parser = TimeParser::default();
            let mut present = 0usize;
            let all = col.iter().all(|c| match c {
                Cell::Missing => true,
                Cell::Text(s) => {
                    present += 1;
                    matches!(parser.parse(s.as_bytes(), named), Time::Value(_))
                }
                Cell::Number(n) if named => {
                    present += 1;
                    matches!(parser.parse(n.to_string().as_bytes(), true), Time::Value(_))
                }
                _ => false,
            });
            all && present > 0
        };
        let candidates: Vec<bool> = self
            .names
            .iter()
            .zip(&columns)
            .map(|(n, c)| is_time(n, c))
            .collect();
        let time = (0..self.names.len())
            .filter(|&j| candidates.get(j) == Some(&true))
            .find(|&j| self.names.get(j).is_some_and(|n| cell::is_time_name(n)))
            .or_else(|| candidates.iter().position(|&c| c));
        let mut b = Frame::builder();
        for (j, (name, col)) in self.names.iter().zip(&columns).enumerate() {
            if Some(j) == time {
                let named = cell::is_time_name(name);
                let mut parser = TimeParser::default();
                let mut ts = Vec::with_capacity(rows);
                for (row, c) in col.iter().enumerate() {
                    let t = match c.text().map(|s| parser.parse(s.as_bytes(), named)) {
                        Some(Time::Value(t)) => t,
                        _ => {
                            return Err(fail(
                                row,
                                Some(name),
                                "expected a timestamp (the time column cannot have missing \
                                 values), found nothing"
                                    .to_owned(),
                            ));
                        }
                    };
                    ts.push(t);
                }
                b = b.timestamps(name.clone(), ts);
            } else if col
                .iter()
                .all(|c| matches!(c, Cell::Missing | Cell::Number(..)))
            {
                let values = col
                    .iter()
                    .map(|c| match c {
                        Cell::Number(n) => n.as_f64().unwrap_or(f64::NAN),
                        _ => f64::NAN,
                    })
                    .collect();
                b = b.numeric(name.clone(), values);
            } else {
                let mut category = CategoryColumn::new(name.clone());
                for c in col {
                    category.push(c.text().as_deref());
                }
                b = b.category(category);
            }
        }
        b.build().map_err(|e| IngestError::frame(source, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stratos_core::Timestamp;

    #[test]
    fn keeps_key_order_and_flattens() {
        let f = read_json(
            br#"[{"z": 1, "a": {"b": 2, "c": "x"}}, {"a": {"b": 3}}]"#,
            &crate::ReadOptions::default(),
            None,
        )
        .unwrap();
        assert_eq!(f.schema().value_fields, ["z", "a.b"]);
        assert_eq!(f.schema().category_fields, ["a.c"]);
        assert_eq!(f.column("a.b").unwrap(), [2.0, 3.0]);
        assert!(f.column("z").unwrap()[1].is_nan());
        assert_eq!(f.category("a.c").unwrap().get(1), None);
    }

    #[test]
    fn finds_the_records_member_and_the_time_column() {
        let f = read_json(
            br#"{"meta": {"n": 2}, "records": [{"time": "2025-01-15", "v": 1}, {"time": "2025-01-16", "v": 2}]}"#,
            &crate::ReadOptions::default(),
            None,
        )
        .unwrap();
        assert_eq!(f.schema().timestamp_field.as_deref(), Some("time"));
        assert_eq!(
            f.timestamps().unwrap()[1],
            Timestamp::parse("2025-01-16").unwrap()
        );
        assert_eq!(f.column("v").unwrap(), [1.0, 2.0]);
    }

    #[test]
    fn mixed_fields_are_text_and_errors_name_the_record() {
        let f = read_json(
            br#"[{"v": 1}, {"v": "x"}, {"v": true}]"#,
            &crate::ReadOptions::default(),
            None,
        )
        .unwrap();
        let v = f.category("v").unwrap();
        assert_eq!(
            (v.get(0), v.get(1), v.get(2)),
            (Some("1"), Some("x"), Some("true"))
        );
        let e = read_json(
            br#"[{"v": 1}, 2]"#,
            &crate::ReadOptions::default(),
            Some("in.json"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "in.json: record 1: expected an object, found a number"
        );
        let e = read_json(
            br#"[{"ts": 1705312200}, {"ts": null}]"#,
            &crate::ReadOptions::default(),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("column `ts`: record 1: "), "{e}");
        let e = read_json(
            b"[{\"v\": 1},\n{\"v\" 2}]",
            &crate::ReadOptions::default(),
            None,
        )
        .unwrap_err();
        assert_eq!(e.location().line, Some(2));
    }

    #[test]
    fn empty_and_scalar_documents() {
        assert!(
            read_json(b"[]", &crate::ReadOptions::default(), None)
                .unwrap()
                .is_empty()
        );
        assert!(
            read_json(b"{}", &crate::ReadOptions::default(), None)
                .unwrap()
                .is_empty()
        );
        assert!(read_json(b"3", &crate::ReadOptions::default(), None).is_err());
    }
}
