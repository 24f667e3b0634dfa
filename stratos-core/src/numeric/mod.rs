//! The workspace's one numeric module: every strategy's numerics that are not specific to one
//! model live here.
//!
//! - Rolling structures for online kernels: a fixed-size [`Ring`] buffer, [`RollingMoments`]
//!   (Welford with exact periodic resynchronisation), [`NeumaierSum`] (compensated summation),
//!   a [`SortedWindow`] for exact rolling order statistics, a [`SlidingQuantileSketch`] for
//!   bounded-cost quantiles over a sliding window, and the mergeable DDSketch
//!   [`QuantileSketch`].
//! - Least squares: one Householder [`Qr`] (with [`lstsq`], [`OlsFit`] and its covariance) and
//!   [`cholesky_upper`], over [`ndarray`] matrices.
//! - The normal distribution: [`normal_cdf`], [`normal_sf`], [`erf`], [`erfc`] (Cephes, as
//!   scipy; accuracy documented on each).
//!
//! At the boundary, vectors are [`ndarray::ArrayView1`] in and [`ndarray::Array1`] /
//! [`ndarray::Array2`] out, so the results feed linfa or ndarray-stats directly; `&[f64]` and
//! `&Vec<f64>` convert into a view with `.into()`. [`contiguous`] gives the kernels' slice back.

use std::borrow::Cow;

use ndarray::ArrayView1;

mod ddsketch;
mod normal;
mod qr;
mod ring;
mod sliding_quantile;
mod sorted_window;
mod sum;
mod welford;

pub use ndarray;

pub use ddsketch::{QuantileSketch, SketchParts};
pub use normal::{erf, erfc, normal_cdf, normal_sf};
pub use qr::{OlsFit, Qr, QrError, cholesky_upper, dot, lstsq};
pub use ring::Ring;
pub use sliding_quantile::SlidingQuantileSketch;
pub use sorted_window::SortedWindow;
pub use sum::NeumaierSum;
pub use welford::RollingMoments;

/// The values of `v` as one slice: borrowed when they are contiguous and in order (any view
/// made from a slice or a `Vec`), copied otherwise (a strided or reversed view).
///
/// # Examples
/// ```
/// use ndarray::{array, s};
/// use stratos_core::numeric::contiguous;
/// let a = array![1.0, 2.0, 3.0, 4.0];
/// assert!(matches!(contiguous(a.view()), std::borrow::Cow::Borrowed(_)));
/// assert_eq!(&*contiguous(a.slice(s![..;2])), &[1.0, 3.0]);
/// ```
pub fn contiguous<'a>(v: ArrayView1<'a, f64>) -> Cow<'a, [f64]> {
    match v.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(v.to_vec()),
    }
}
