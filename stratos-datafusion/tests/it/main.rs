//! The integration tests of `stratos-datafusion`, one test binary:
//!
//! - [`equivalence`]: every SQL function equals the library's `run` result bit for bit;
//! - [`errors`]: bad calls fail at planning, naming the function and the argument;
//! - `ballista` (feature `ballista`, ignored by default): the same SQL on a local Ballista
//!   cluster and in one process gives the same results.

mod equivalence;
mod errors;

#[cfg(feature = "ballista")]
mod ballista;
