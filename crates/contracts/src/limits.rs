//! Every limit of a contract and of one call, named. Consensus-critical: every validator must
//! use the same values (a change is a protocol change).

/// Largest contract code, in bytes.
pub const CODE_BYTES_MAX: usize = 128 * 1024;
/// Most pages (64 KiB each) of the contract's memory: it must declare a maximum within this.
pub const MEMORY_PAGES_MAX: u64 = 16;
/// Most elements of a contract's tables.
pub const TABLE_ELEMENTS_MAX: u64 = 1_024;
/// Deepest Wasm call stack (frames) within one call.
pub const CALL_DEPTH_MAX: usize = 256;
/// Fuel one call may use at most (a transaction names its own budget up to this).
pub const CALL_FUEL_MAX: u64 = 50_000_000;
/// Fuel all contract calls of one block may use together.
pub const BLOCK_FUEL_MAX: u64 = 500_000_000;
/// Largest input and output of a call, in bytes.
pub const CALL_DATA_BYTES_MAX: usize = 16 * 1024;
/// Largest storage key and value, in bytes.
pub const STORAGE_KEY_BYTES_MAX: usize = 256;
pub const STORAGE_VALUE_BYTES_MAX: usize = 16 * 1024;
/// Most distinct storage keys one call may write.
pub const STORAGE_WRITES_MAX: usize = 256;
/// Most events one call may emit, and the largest event, in bytes.
pub const EVENTS_MAX: usize = 64;
pub const EVENT_BYTES_MAX: usize = 4 * 1024;
/// Most exports and imports a contract may declare.
pub const EXPORTS_MAX: usize = 64;
pub const IMPORTS_MAX: usize = 64;
