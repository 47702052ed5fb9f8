//! Vellum contracts: deterministic, metered WebAssembly.
//!
//! - [`check`]: the static validation a contract passes before governance may register it
//!   (parses and validates, imports only the host API, no floating point, declared limits);
//!   `vellum contract check FILE` prints its [`check::Report`].
//! - [`runtime`]: one call of an exported function under a fuel budget, with bounded memory,
//!   table and call stack; reads come from the ledger through [`runtime::Storage`], writes
//!   and events are returned in the [`runtime::Outcome`] and applied by the caller only if the
//!   call succeeded, so a trap, an exhausted budget or a host error changes nothing.
//! - [`host`]: the host API, version 1 (module `vellum_v1`): names, signatures, fuel costs.
//!
//! Determinism: the interpreter (`wasmi`) executes by construction the same on every machine;
//! the only non-deterministic Wasm feature, floating point (NaN bit patterns), is refused at
//! validation (SIMD and memory64 are not compiled in; `wasmi` is pinned, since fuel costs are
//! consensus); there is no clock, randomness or I/O except through the host API, whose answers
//! come from the block being executed.

pub mod check;
pub mod host;
pub mod limits;
pub mod runtime;

pub use check::{CheckError, Report, check};
pub use runtime::{CallContext, CallError, Outcome, Refusal, Runtime, Storage, call};

/// The wasmi engine configuration every validator uses: deterministic features only, fuel
/// metering on, eager compilation (so validation is complete before a contract is accepted).
pub(crate) fn engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .consume_fuel(true)
        .floats(false)
        .wasm_multi_memory(false)
        .wasm_wide_arithmetic(false)
        .wasm_custom_page_sizes(false)
        .set_max_recursion_depth(limits::CALL_DEPTH_MAX)
        .compilation_mode(wasmi::CompilationMode::Eager);
    wasmi::Engine::new(&config)
}
