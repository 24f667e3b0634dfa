//! A borrowed numeric column with its timestamps.

use crate::timestamp::Timestamp;

/// One numeric column of a [`crate::Frame`], borrowed: its name, values (NaN for missing) and the
/// frame's timestamps when it has them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Series<'a> {
    /// The column name.
    pub name: &'a str,
    /// The values, NaN where missing.
    pub values: &'a [f64],
    /// One timestamp per value, when the frame has a time column.
    pub timestamps: Option<&'a [Timestamp]>,
}

impl<'a> Series<'a> {
    /// A series over `values` with no timestamps.
    pub fn new(name: &'a str, values: &'a [f64]) -> Self {
        Series {
            name,
            values,
            timestamps: None,
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The timestamp of point `i`, if the series has timestamps and `i` is in range.
    pub fn timestamp(&self, i: usize) -> Option<Timestamp> {
        self.timestamps.and_then(|t| t.get(i).copied())
    }

    /// Number of non-NaN points.
    pub fn valid_count(&self) -> usize {
        self.values.iter().filter(|v| !v.is_nan()).count()
    }
}
