/// A fixed-capacity ring buffer of `f64`: pushing into a full ring evicts the oldest value.
///
/// Memory follows the values held, not the capacity: a ring of capacity 10^6 that has seen
/// ten values holds room for about ten (a window sized by configuration costs nothing until
/// data fills it).
///
/// # Examples
/// ```
/// use stratos_core::numeric::Ring;
/// let mut r = Ring::new(2);
/// assert_eq!(r.push(1.0), None);
/// assert_eq!(r.push(2.0), None);
/// assert_eq!(r.push(3.0), Some(1.0));
/// assert_eq!(r.iter().collect::<Vec<_>>(), [2.0, 3.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ring {
    buf: Vec<f64>,
    cap: usize,
    head: usize,
}

impl Ring {
    /// A ring holding at most `capacity` values (at least 1).
    pub fn new(capacity: usize) -> Self {
        let cap = capacity.max(1);
        Ring {
            buf: Vec::new(),
            cap,
            head: 0,
        }
    }

    /// Appends `x`; returns the evicted oldest value when the ring was full.
    #[inline]
    pub fn push(&mut self, x: f64) -> Option<f64> {
        if self.buf.len() < self.cap {
            if self.buf.len() == self.buf.capacity() {
                // Doubling, but never past the capacity.
                let room = self.buf.capacity().max(4).min(self.cap - self.buf.len());
                self.buf.reserve_exact(room);
            }
            self.buf.push(x);
            None
        } else {
            let slot = &mut self.buf[self.head];
            let old = std::mem::replace(slot, x);
            self.head += 1;
            if self.head == self.cap {
                self.head = 0;
            }
            Some(old)
        }
    }

    /// Number of values held.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// True when holding `capacity` values.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.buf.len() == self.cap
    }

    /// The capacity.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// The newest value.
    pub fn last(&self) -> Option<f64> {
        if self.buf.is_empty() {
            None
        } else if self.buf.len() < self.cap || self.head == 0 {
            self.buf.last().copied()
        } else {
            self.buf.get(self.head - 1).copied()
        }
    }

    /// The values from oldest to newest.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        let (newer, older) = self.buf.split_at(if self.buf.len() < self.cap {
            0
        } else {
            self.head
        });
        older.iter().chain(newer.iter()).copied()
    }

    /// Empties the ring.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.head = 0;
    }
}
