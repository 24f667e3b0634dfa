//! Numerically careful building blocks for online kernels: a fixed-size ring buffer, rolling
//! moments with exact periodic resynchronisation, and compensated summation.

mod ring;
mod sum;
mod welford;

pub use ring::Ring;
pub use sum::NeumaierSum;
pub use welford::RollingMoments;
