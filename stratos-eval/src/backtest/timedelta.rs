//! Durations as pandas prints them.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A span of time in microseconds, written like pandas' `Timedelta`: `3116 days 00:00:00`
/// (`0 days 00:00:00.500000` with a fraction). Serialized as
/// `{"timedelta": "3116 days 00:00:00", "seconds": 269222400.0}`, the shape of the
/// conformance files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timedelta {
    micros: i64,
}

impl Timedelta {
    /// A span of `micros` microseconds.
    pub fn from_micros(micros: i64) -> Self {
        Timedelta { micros }
    }

    /// Microseconds.
    pub fn micros(self) -> i64 {
        self.micros
    }

    /// Seconds, with the fraction.
    pub fn seconds(self) -> f64 {
        self.micros as f64 / 1e6
    }

    /// Whole days (floored), as pandas' `Timedelta.days`.
    pub fn days(self) -> i64 {
        self.micros.div_euclid(MICROS_PER_DAY)
    }
}

impl fmt::Display for Timedelta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.days();
        let rest = self.micros.rem_euclid(MICROS_PER_DAY);
        let secs = rest / 1_000_000;
        let frac = rest % 1_000_000;
        write!(
            f,
            "{days} days {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        if frac != 0 {
            write!(f, ".{frac:06}")?;
        }
        Ok(())
    }
}

impl Serialize for Timedelta {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("timedelta", &self.to_string())?;
        m.serialize_entry("seconds", &self.seconds())?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for Timedelta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Shape {
            seconds: f64,
        }
        let s = Shape::deserialize(d)?;
        if !s.seconds.is_finite() || s.seconds.abs() > 9.2e12 {
            return Err(serde::de::Error::custom(
                "`seconds` must be a finite number of seconds",
            ));
        }
        Ok(Timedelta::from_micros((s.seconds * 1e6).round() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_pandas() {
        let t = Timedelta::from_micros(3116 * MICROS_PER_DAY);
        assert_eq!(t.to_string(), "3116 days 00:00:00");
        assert_eq!(
            Timedelta::from_micros(90_061_500_000).to_string(),
            "1 days 01:01:01.500000"
        );
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"timedelta":"3116 days 00:00:00","seconds":269222400.0}"#
        );
        let back: Timedelta = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }
}
