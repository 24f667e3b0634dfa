/// Neumaier's compensated sum (an improved Kahan–Babuška): adds and subtracts with an error
/// that does not grow with the number of terms, which keeps running window sums exact to a few
/// ulps over millions of updates.
///
/// # Examples
/// ```
/// use stratos_core::numeric::NeumaierSum;
/// let mut s = NeumaierSum::default();
/// for x in [1e16, 1.0, -1e16] { s.add(x); }
/// assert_eq!(s.value(), 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NeumaierSum {
    sum: f64,
    comp: f64,
}

impl NeumaierSum {
    /// Adds `x`.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.comp += (self.sum - t) + x;
        } else {
            self.comp += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// The compensated total.
    #[inline]
    pub fn value(&self) -> f64 {
        self.sum + self.comp
    }

    /// Resets to zero.
    pub fn clear(&mut self) {
        *self = NeumaierSum::default();
    }
}
