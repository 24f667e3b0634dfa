//! [`StreamKey`]: a stream id as a key of the engine's stream maps, short ids held inline.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// Longest id held inline, in bytes.
const INLINE: usize = 22;

/// A stream id as a map key. Ids up to [`INLINE`] bytes (the usual `sensor_01`, `s42`) are
/// held in the key itself, so that finding a stream compares bytes already in the map's
/// table instead of following a pointer to a separate allocation (with thousands of streams
/// that allocation is seldom in cache). Longer ids are boxed. It hashes and compares exactly
/// as the `str` it holds, so maps keyed by it are searched with a `&str`.
#[derive(Debug, Clone)]
pub(super) enum StreamKey {
    /// An id of up to [`INLINE`] bytes: its length and bytes (the rest zero).
    Inline {
        /// Bytes used.
        len: u8,
        /// The id's bytes, valid UTF-8 up to `len`.
        bytes: [u8; INLINE],
    },
    /// A longer id.
    Boxed(Box<str>),
}

impl StreamKey {
    /// The id as text.
    #[inline]
    pub(super) fn as_str(&self) -> &str {
        match self {
            StreamKey::Inline { len, bytes } => {
                // Always whole UTF-8 (copied from a `str`); an empty id otherwise.
                std::str::from_utf8(bytes.get(..usize::from(*len)).unwrap_or_default())
                    .unwrap_or_default()
            }
            StreamKey::Boxed(s) => s,
        }
    }
}

impl From<&str> for StreamKey {
    fn from(s: &str) -> Self {
        let mut bytes = [0u8; INLINE];
        match (bytes.get_mut(..s.len()), u8::try_from(s.len())) {
            (Some(head), Ok(len)) => {
                head.copy_from_slice(s.as_bytes());
                StreamKey::Inline { len, bytes }
            }
            _ => StreamKey::Boxed(s.into()),
        }
    }
}

impl Borrow<str> for StreamKey {
    #[inline]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for StreamKey {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for StreamKey {}

impl Hash for StreamKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::FxHashMap;

    #[test]
    fn keys_find_their_str_inline_or_boxed() {
        let ids = [
            "",
            "s1",
            "sensor_01",
            "ü-sensor",
            "exactly_twenty_two_by",
            "exactly_twenty_two_byt",
            "twenty_three_bytes_long",
            "a much longer stream id than any inline key holds",
        ];
        let mut map: FxHashMap<StreamKey, usize> = FxHashMap::default();
        for (i, id) in ids.iter().enumerate() {
            let key = StreamKey::from(*id);
            assert_eq!(key.as_str(), *id);
            assert_eq!(
                matches!(key, StreamKey::Inline { .. }),
                id.len() <= INLINE,
                "{id}"
            );
            map.insert(key, i);
        }
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(map.get(*id), Some(&i), "{id}");
        }
        assert_eq!(map.get("s2"), None);
        assert_eq!(map.remove("sensor_01"), Some(2));
        assert_eq!(map.get("sensor_01"), None);
        assert_eq!(map.len(), ids.len() - 1);
    }
}
