//! Links the `stratos` executable as a fixed-address (non-PIE) executable on Linux with the GNU
//! toolchain.
//!
//! A position-independent executable of this size carries about 31 000 relative relocations
//! (panic locations, vtables, static string tables of the dependencies): at every start the
//! dynamic loader reads them and rewrites some 600 KB of `.data.rel.ro`, page by page
//! (about 150 copy-on-write page faults). That was a third of the time `stratos --version`
//! takes. Linked at a fixed address, the linker resolves them once and the loader has
//! nothing to do. Shared libraries, the heap, the stack and mappings are still placed at
//! random addresses; only the executable's own image is not.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        // After rustc's own `-pie`, so this one decides.
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
