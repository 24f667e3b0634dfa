//! Links the `stratos` executable position-dependent on Linux (glibc). A position-independent
//! executable of this size (the SQL engine included) carries about 250 000 relative
//! relocations, which the loader applies at every start by writing into about 1 000 pages of
//! `.data.rel.ro`, one page fault each: 4–5 ms before `main`. Linked position-dependent, they
//! are resolved at link time: `stratos --version` went from 6.9 to 1.6 ms, a whole
//! `stratos run arima_prediction` on 1 000 rows from 10.0 to 4.6 ms (README, Performance).
//!
//! The price is that the executable's own code and data load at a fixed address (shared
//! libraries are still randomised). Set `STRATOS_LINK_PIE=1` when building to keep the
//! default position-independent link.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=STRATOS_LINK_PIE");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let keep_pie = std::env::var_os("STRATOS_LINK_PIE").is_some_and(|v| v != "0");
    if os == "linux" && env == "gnu" && !keep_pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
