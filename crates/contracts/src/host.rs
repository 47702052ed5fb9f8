//! The host API, version 1: what a contract may import (module [`MODULE`]), with each
//! function's signature and fuel cost. `docs/contracts.md` documents the same table; a contract
//! importing anything else is refused by [`crate::check`].
//!
//! Pointers and lengths are `i32` offsets into the contract's exported `memory`. A host
//! function given a range outside memory, or over a limit, traps: the call fails and nothing
//! it did is kept.

/// The import module of host API version 1.
pub const MODULE: &str = "vellum_v1";
/// The version a contract built against [`MODULE`] declares.
pub const VERSION: u32 = 1;

/// Fuel every host call costs on top of the Wasm instructions around it.
pub const CALL_FUEL: u64 = 100;
/// Fuel per byte a host call copies into or out of the contract's memory.
pub const BYTE_FUEL: u64 = 1;
/// Fuel a storage read costs beyond [`CALL_FUEL`] (an authenticated-map lookup).
pub const STORAGE_READ_FUEL: u64 = 2_000;
/// Fuel a storage write costs beyond [`CALL_FUEL`] (a map update and a stored row per block).
pub const STORAGE_WRITE_FUEL: u64 = 10_000;
/// Fuel an event costs beyond [`CALL_FUEL`] (a log leaf).
pub const EVENT_FUEL: u64 = 5_000;

/// Fuel a token transfer from the contract costs beyond [`CALL_FUEL`] (every ledger rule, a
/// payment record in the log).
pub const TRANSFER_FUEL: u64 = 20_000;
/// Fuel a call to another contract costs beyond [`CALL_FUEL`], on top of the fuel the callee
/// uses (which comes out of the caller's budget).
pub const CALL_CONTRACT_FUEL: u64 = 10_000;

/// A Wasm value type of the host API (only integers: floats are refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    I32,
    I64,
}

/// One host function: name, parameters, results, and what it does.
#[derive(Clone, Copy, Debug)]
pub struct HostFn {
    pub name: &'static str,
    pub params: &'static [Ty],
    pub results: &'static [Ty],
    pub doc: &'static str,
}

use Ty::{I32, I64};

/// Every function of host API version 1.
pub const FUNCTIONS: &[HostFn] = &[
    HostFn { name: "input_len", params: &[], results: &[I32], doc: "length of the call's input" },
    HostFn { name: "input_read", params: &[I32], results: &[], doc: "copies the input to `ptr`" },
    HostFn { name: "output_write", params: &[I32, I32], results: &[], doc: "sets the call's output to `len` bytes at `ptr` (the last write wins)" },
    HostFn {
        name: "storage_read",
        params: &[I32, I32, I32, I32],
        results: &[I32],
        doc: "`(key_ptr, key_len, out_ptr, out_cap)`: the value's length, or -1 if absent; copies at most `out_cap` bytes",
    },
    HostFn { name: "storage_write", params: &[I32, I32, I32, I32], results: &[], doc: "`(key_ptr, key_len, value_ptr, value_len)`" },
    HostFn { name: "storage_remove", params: &[I32, I32], results: &[], doc: "`(key_ptr, key_len)`" },
    HostFn { name: "caller", params: &[I32], results: &[], doc: "writes the calling account's 32-byte id to `ptr`" },
    HostFn { name: "self_id", params: &[I32], results: &[], doc: "writes the contract account's 32-byte id to `ptr`" },
    HostFn { name: "block_height", params: &[], results: &[I64], doc: "height of the block executing the call" },
    HostFn { name: "block_time_ms", params: &[], results: &[I64], doc: "that block's time (ms since the Unix epoch)" },
    HostFn { name: "emit", params: &[I32, I32], results: &[], doc: "appends an event of `len` bytes at `ptr`" },
    HostFn { name: "abort", params: &[I32], results: &[], doc: "ends the call as failed with a contract error code; nothing is kept" },
    HostFn {
        name: "balance",
        params: &[I32, I32, I32],
        results: &[],
        doc: "`(sym_ptr, sym_len, out_ptr)`: writes the contract account's balance of the token, 16 bytes little-endian",
    },
    HostFn {
        name: "transfer",
        params: &[I32, I32, I32, I32],
        results: &[],
        doc: "`(sym_ptr, sym_len, to_ptr, amount_ptr)`: pays a 16-byte little-endian amount from the contract account to the 32-byte account id at `to_ptr`, under every ledger rule; a refusal fails the call",
    },
    HostFn {
        name: "proof_lookup",
        params: &[I32, I32, I32],
        results: &[I64],
        doc: "`(registrant_ptr, digest_ptr, out_ptr)`: the log position of the evidence record of the registrant's live registration of the digest (writing its 32-byte proof id to `out_ptr`), or -1",
    },
    HostFn {
        name: "call_contract",
        params: &[I32, I32, I32, I32, I32, I64, I32, I32],
        results: &[I32],
        doc: "`(contract_ptr, fn_ptr, fn_len, input_ptr, input_len, fuel, out_ptr, out_cap)`: calls another contract under at most `fuel` (taken from this call's budget); its output's length (copies at most `out_cap` bytes); its failure fails this call",
    },
];

/// The host function `name`, if host API version 1 has it.
pub fn function(name: &str) -> Option<&'static HostFn> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
