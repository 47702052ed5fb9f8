//! One call of a contract's entry point: the code is checked ([`crate::check`]), instantiated
//! in a fresh store with bounded memory and tables, and the entry point runs until it returns,
//! traps, aborts or runs out of fuel. Reads go to [`Storage`] (the ledger's authenticated map,
//! seen through the contract's own key space) overlaid by the call's own writes; writes, events
//! and the output come back in [`Outcome`] and only a successful call has one — so nothing a
//! failed call did can reach the ledger.

use crate::check::{CheckError, check_and_compile};
use crate::host::{self, BYTE_FUEL, CALL_CONTRACT_FUEL, CALL_FUEL, EVENT_FUEL, STORAGE_READ_FUEL, STORAGE_WRITE_FUEL, TRANSFER_FUEL};
use crate::limits::{
    CALL_DATA_BYTES_MAX, CALL_FUEL_MAX, EVENT_BYTES_MAX, EVENTS_MAX, MEMORY_PAGES_MAX, STORAGE_KEY_BYTES_MAX,
    STORAGE_VALUE_BYTES_MAX, STORAGE_WRITES_MAX, TABLE_ELEMENTS_MAX,
};
use std::collections::BTreeMap;
use thiserror::Error;
use wasmi::{Caller, Linker, Store, StoreLimits, StoreLimitsBuilder, TrapCode};

/// The ledger as a contract sees it: its own storage, its balances, transfers from its
/// account, proof lookups and calls to other contracts. The ledger implements every method on
/// the transaction's scratch state, so whatever a failed call did is dropped with it; a store
/// without a ledger (tests, benchmarks, fuzzing) keeps the defaults, which refuse.
pub trait Storage {
    fn read(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// The contract account's balance of `token` (0 if none or no such token).
    fn balance(&self, _token: &str) -> u128 {
        0
    }
    /// Moves `amount` of `token` from the contract account to `to`, under every ledger rule.
    fn transfer(&mut self, _token: &str, _to: [u8; 32], _amount: u128) -> Result<(), Refusal> {
        Err(Refusal::no_ledger())
    }
    /// The live registration of `digest` by `registrant`: its proof id and the log position of
    /// its evidence record.
    fn proof(&self, _registrant: [u8; 32], _digest: [u8; 32]) -> Option<([u8; 32], u64)> {
        None
    }
    /// Calls `function` of another contract with `input` under at most `fuel`; its output and
    /// the fuel it used.
    fn call(&mut self, _contract: [u8; 32], _function: &str, _input: &[u8], _fuel: u64) -> Result<(Vec<u8>, u64), Refusal> {
        Err(Refusal::no_ledger())
    }
}

/// What the ledger answered a contract's transfer or call it refused: its stable code and
/// message. The call fails with it (nothing is kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: String,
    pub message: String,
}

impl Refusal {
    fn no_ledger() -> Self {
        Self { code: "no_ledger".into(), message: "this store has no ledger behind it".into() }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// What the block and the transaction tell the call.
#[derive(Clone, Debug)]
pub struct CallContext<'a> {
    pub caller: [u8; 32],
    pub contract: [u8; 32],
    pub height: u64,
    pub time_ms: u64,
    pub input: &'a [u8],
    /// The call's fuel budget, at most [`CALL_FUEL_MAX`].
    pub fuel: u64,
}

/// What a successful call leaves, for the ledger to apply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub output: Vec<u8>,
    /// Final value of every key the call wrote (`None`: removed), in key order.
    pub writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Events in the order emitted.
    pub events: Vec<Vec<u8>>,
    pub fuel_used: u64,
}

/// Why a call failed. Nothing the call did is kept.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CallError {
    #[error("the contract code is refused: {0}")]
    Code(#[from] CheckError),
    #[error("the contract has no entry point `{0}`")]
    NoEntryPoint(String),
    #[error("a call's fuel is at most {max}; {asked} was asked")]
    FuelOverLimit { asked: u64, max: u64 },
    #[error("the input is {bytes} bytes; at most {max}")]
    InputTooLarge { bytes: usize, max: usize },
    #[error("the call ran out of fuel (budget {budget})")]
    FuelExhausted { budget: u64 },
    #[error("the contract aborted with code {0}")]
    Aborted(i32),
    #[error("the contract trapped: {0}")]
    Trap(String),
    #[error("host API: {0}")]
    Host(HostError),
    #[error("the ledger refused what the contract asked: {0}")]
    Refused(Refusal),
}

impl CallError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CallError::Code(_) => "contract_code",
            CallError::NoEntryPoint(_) => "no_entry_point",
            CallError::FuelOverLimit { .. } => "fuel_over_limit",
            CallError::InputTooLarge { .. } => "input_too_large",
            CallError::FuelExhausted { .. } => "fuel_exhausted",
            CallError::Aborted(_) => "contract_aborted",
            CallError::Trap(_) => "contract_trap",
            CallError::Host(_) => "host_error",
            CallError::Refused(_) => "contract_refused",
        }
    }
}

/// A host function refused what the contract asked (it traps the call).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum HostError {
    #[error("a pointer or length is outside the contract's memory")]
    OutOfBounds,
    #[error("a storage key is over {STORAGE_KEY_BYTES_MAX} bytes")]
    KeyTooLarge,
    #[error("a storage value is over {STORAGE_VALUE_BYTES_MAX} bytes")]
    ValueTooLarge,
    #[error("more than {STORAGE_WRITES_MAX} keys written in one call")]
    TooManyWrites,
    #[error("more than {EVENTS_MAX} events in one call")]
    TooManyEvents,
    #[error("an event is over {EVENT_BYTES_MAX} bytes")]
    EventTooLarge,
    #[error("the output is over {CALL_DATA_BYTES_MAX} bytes")]
    OutputTooLarge,
    #[error("aborted with code {0}")]
    Abort(i32),
    #[error("a token symbol or function name is not valid UTF-8")]
    BadText,
    #[error("the ledger refused: {0}")]
    Refused(Refusal),
}

impl wasmi::errors::HostError for HostError {}

/// The store's data: the call's context and everything it has done so far.
struct CallState<'a> {
    ctx: CallContext<'a>,
    storage: &'a mut dyn Storage,
    limits: StoreLimits,
    outcome: Outcome,
}

/// Most compiled modules a [`Runtime`] keeps; beyond it the least recently used is dropped
/// (it is compiled again when called).
pub const MODULE_CACHE_MAX: usize = 64;

/// One interpreter engine and its compiled modules, by code digest: a contract is checked and
/// compiled once, then every call only instantiates it. Compilation costs no fuel, so a cached
/// call and an uncached one have the same outcome to the unit of fuel.
pub struct Runtime {
    engine: wasmi::Engine,
    cache: std::sync::Mutex<ModuleCache>,
}

#[derive(Default)]
struct ModuleCache {
    modules: BTreeMap<[u8; 32], (wasmi::Module, Vec<String>)>,
    /// Digests from least to most recently used.
    order: std::collections::VecDeque<[u8; 32]>,
}

impl ModuleCache {
    fn get(&mut self, digest: &[u8; 32]) -> Option<(wasmi::Module, Vec<String>)> {
        let hit = self.modules.get(digest).cloned()?;
        self.order.retain(|d| d != digest);
        self.order.push_back(*digest);
        Some(hit)
    }

    fn insert(&mut self, digest: [u8; 32], entry: (wasmi::Module, Vec<String>)) {
        if self.modules.len() >= MODULE_CACHE_MAX
            && let Some(oldest) = self.order.pop_front()
        {
            self.modules.remove(&oldest);
        }
        self.modules.insert(digest, entry);
        self.order.push_back(digest);
        debug_assert_eq!(self.modules.len(), self.order.len(), "every cached module is in the order once");
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    pub fn new() -> Self {
        Self { engine: crate::engine(), cache: std::sync::Mutex::default() }
    }

    /// Modules compiled and kept.
    pub fn cached_modules(&self) -> usize {
        self.cache.lock().expect("module cache lock").modules.len()
    }

    /// The checked, compiled module of `code` and its entry points.
    fn module(&self, code: &[u8]) -> Result<(wasmi::Module, Vec<String>), CallError> {
        let digest = vellum_types::sha256(code);
        if let Some(hit) = self.cache.lock().expect("module cache lock").get(&digest) {
            return Ok(hit);
        }
        let (report, module) = check_and_compile(&self.engine, code)?;
        let entry = (module, report.entry_points);
        self.cache.lock().expect("module cache lock").insert(digest, entry.clone());
        Ok(entry)
    }

    /// Runs `entry` of `code` under `ctx`.
    pub fn call(&self, code: &[u8], entry: &str, ctx: CallContext<'_>, storage: &mut dyn Storage) -> Result<Outcome, CallError> {
        if ctx.fuel > CALL_FUEL_MAX {
            return Err(CallError::FuelOverLimit { asked: ctx.fuel, max: CALL_FUEL_MAX });
        }
        if ctx.input.len() > CALL_DATA_BYTES_MAX {
            return Err(CallError::InputTooLarge { bytes: ctx.input.len(), max: CALL_DATA_BYTES_MAX });
        }
        let (module, entry_points) = self.module(code)?;
        if !entry_points.iter().any(|e| e == entry) {
            return Err(CallError::NoEntryPoint(entry.to_string()));
        }
        let budget = ctx.fuel;
        let limits = StoreLimitsBuilder::new()
            .memory_size(MEMORY_PAGES_MAX as usize * 65_536)
            .table_elements(TABLE_ELEMENTS_MAX as usize)
            .instances(1)
            .memories(1)
            .tables(1)
            .build();
        let mut store = Store::new(&self.engine, CallState { ctx, storage, limits, outcome: Outcome::default() });
        store.limiter(|s| &mut s.limits);
        store.set_fuel(budget).expect("fuel metering is on");
        let run = linker(&self.engine)
            .instantiate_and_start(&mut store, &module)
            .and_then(|instance| instance.get_typed_func::<(), ()>(&store, entry))
            .and_then(|f| f.call(&mut store, ()));
        let left = store.get_fuel().expect("fuel metering is on");
        match run {
            Ok(()) => {
                let mut outcome = store.into_data().outcome;
                outcome.fuel_used = budget - left;
                Ok(outcome)
            }
            Err(e) => Err(call_error(&e, budget)),
        }
    }
}

/// Runs `entry` of `code` under `ctx` on a fresh [`Runtime`] (nothing cached).
pub fn call(code: &[u8], entry: &str, ctx: CallContext<'_>, storage: &mut dyn Storage) -> Result<Outcome, CallError> {
    Runtime::new().call(code, entry, ctx, storage)
}

fn call_error(e: &wasmi::Error, budget: u64) -> CallError {
    if let Some(host) = e.downcast_ref::<HostError>() {
        return match host {
            HostError::Abort(code) => CallError::Aborted(*code),
            HostError::Refused(r) => CallError::Refused(r.clone()),
            other => CallError::Host(other.clone()),
        };
    }
    match e.as_trap_code() {
        Some(TrapCode::OutOfFuel) => CallError::FuelExhausted { budget },
        _ => CallError::Trap(e.to_string()),
    }
}

type Ctx<'c, 'a> = Caller<'c, CallState<'a>>;

/// Takes `amount` fuel for host work; out of fuel traps like the interpreter does.
fn charge(caller: &mut Ctx<'_, '_>, amount: u64) -> Result<(), wasmi::Error> {
    let fuel = caller.get_fuel()?;
    if fuel < amount {
        caller.set_fuel(0)?;
        return Err(wasmi::Error::from(TrapCode::OutOfFuel));
    }
    caller.set_fuel(fuel - amount)?;
    Ok(())
}

fn memory(caller: &Ctx<'_, '_>) -> Result<wasmi::Memory, wasmi::Error> {
    caller.get_export("memory").and_then(wasmi::Extern::into_memory).ok_or_else(|| wasmi::Error::host(HostError::OutOfBounds))
}

/// Copies `len` bytes at `ptr` out of the contract's memory (charging per byte), refusing more
/// than `max`.
fn read_bytes(caller: &mut Ctx<'_, '_>, ptr: i32, len: i32, max: usize, too_large: HostError) -> Result<Vec<u8>, wasmi::Error> {
    let (Ok(ptr), Ok(len)) = (usize::try_from(ptr), usize::try_from(len)) else { return Err(wasmi::Error::host(HostError::OutOfBounds)) };
    if len > max {
        return Err(wasmi::Error::host(too_large));
    }
    charge(caller, len as u64 * BYTE_FUEL)?;
    let mut bytes = vec![0; len];
    memory(caller)?.read(&*caller, ptr, &mut bytes).map_err(|_| wasmi::Error::host(HostError::OutOfBounds))?;
    Ok(bytes)
}

fn write_bytes(caller: &mut Ctx<'_, '_>, ptr: i32, bytes: &[u8]) -> Result<(), wasmi::Error> {
    let Ok(ptr) = usize::try_from(ptr) else { return Err(wasmi::Error::host(HostError::OutOfBounds)) };
    charge(caller, bytes.len() as u64 * BYTE_FUEL)?;
    memory(caller)?.write(&mut *caller, ptr, bytes).map_err(|_| wasmi::Error::host(HostError::OutOfBounds))
}

/// The storage value of `key` as this call sees it: its own writes first.
fn storage_value(state: &CallState<'_>, key: &[u8]) -> Option<Vec<u8>> {
    match state.outcome.writes.get(key) {
        Some(written) => written.clone(),
        None => state.storage.read(key),
    }
}

fn record_write(caller: &mut Ctx<'_, '_>, key: Vec<u8>, value: Option<Vec<u8>>) -> Result<(), wasmi::Error> {
    let writes = &mut caller.data_mut().outcome.writes;
    if !writes.contains_key(&key) && writes.len() >= STORAGE_WRITES_MAX {
        return Err(wasmi::Error::host(HostError::TooManyWrites));
    }
    writes.insert(key, value);
    Ok(())
}

/// Host API version 1 ([`crate::host::FUNCTIONS`]).
fn linker<'a>(engine: &wasmi::Engine) -> Linker<CallState<'a>> {
    let mut l = Linker::new(engine);
    let m = host::MODULE;
    let wrap = "host API functions have distinct names";
    l.func_wrap(m, "input_len", |mut c: Ctx<'_, 'a>| -> Result<i32, wasmi::Error> {
        charge(&mut c, CALL_FUEL)?;
        Ok(c.data().ctx.input.len() as i32)
    })
    .expect(wrap);
    l.func_wrap(m, "input_read", |mut c: Ctx<'_, 'a>, ptr: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL)?;
        let input = c.data().ctx.input;
        write_bytes(&mut c, ptr, input)
    })
    .expect(wrap);
    l.func_wrap(m, "output_write", |mut c: Ctx<'_, 'a>, ptr: i32, len: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL)?;
        let output = read_bytes(&mut c, ptr, len, CALL_DATA_BYTES_MAX, HostError::OutputTooLarge)?;
        c.data_mut().outcome.output = output;
        Ok(())
    })
    .expect(wrap);
    l.func_wrap(m, "storage_read", |mut c: Ctx<'_, 'a>, key_ptr: i32, key_len: i32, out_ptr: i32, out_cap: i32| -> Result<i32, wasmi::Error> {
        charge(&mut c, CALL_FUEL + STORAGE_READ_FUEL)?;
        let key = read_bytes(&mut c, key_ptr, key_len, STORAGE_KEY_BYTES_MAX, HostError::KeyTooLarge)?;
        let Some(value) = storage_value(c.data(), &key) else { return Ok(-1) };
        let cap = usize::try_from(out_cap).map_err(|_| wasmi::Error::host(HostError::OutOfBounds))?;
        write_bytes(&mut c, out_ptr, &value[..value.len().min(cap)])?;
        Ok(value.len() as i32)
    })
    .expect(wrap);
    l.func_wrap(m, "storage_write", |mut c: Ctx<'_, 'a>, key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL + STORAGE_WRITE_FUEL)?;
        let key = read_bytes(&mut c, key_ptr, key_len, STORAGE_KEY_BYTES_MAX, HostError::KeyTooLarge)?;
        let value = read_bytes(&mut c, value_ptr, value_len, STORAGE_VALUE_BYTES_MAX, HostError::ValueTooLarge)?;
        record_write(&mut c, key, Some(value))
    })
    .expect(wrap);
    l.func_wrap(m, "storage_remove", |mut c: Ctx<'_, 'a>, key_ptr: i32, key_len: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL + STORAGE_WRITE_FUEL)?;
        let key = read_bytes(&mut c, key_ptr, key_len, STORAGE_KEY_BYTES_MAX, HostError::KeyTooLarge)?;
        record_write(&mut c, key, None)
    })
    .expect(wrap);
    l.func_wrap(m, "caller", |mut c: Ctx<'_, 'a>, ptr: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL)?;
        let id = c.data().ctx.caller;
        write_bytes(&mut c, ptr, &id)
    })
    .expect(wrap);
    l.func_wrap(m, "self_id", |mut c: Ctx<'_, 'a>, ptr: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL)?;
        let id = c.data().ctx.contract;
        write_bytes(&mut c, ptr, &id)
    })
    .expect(wrap);
    l.func_wrap(m, "block_height", |mut c: Ctx<'_, 'a>| -> Result<i64, wasmi::Error> {
        charge(&mut c, CALL_FUEL)?;
        Ok(c.data().ctx.height as i64)
    })
    .expect(wrap);
    l.func_wrap(m, "block_time_ms", |mut c: Ctx<'_, 'a>| -> Result<i64, wasmi::Error> {
        charge(&mut c, CALL_FUEL)?;
        Ok(c.data().ctx.time_ms as i64)
    })
    .expect(wrap);
    l.func_wrap(m, "emit", |mut c: Ctx<'_, 'a>, ptr: i32, len: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL + EVENT_FUEL)?;
        if c.data().outcome.events.len() >= EVENTS_MAX {
            return Err(wasmi::Error::host(HostError::TooManyEvents));
        }
        let event = read_bytes(&mut c, ptr, len, EVENT_BYTES_MAX, HostError::EventTooLarge)?;
        c.data_mut().outcome.events.push(event);
        Ok(())
    })
    .expect(wrap);
    l.func_wrap(m, "abort", |mut c: Ctx<'_, 'a>, code: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL)?;
        Err(wasmi::Error::host(HostError::Abort(code)))
    })
    .expect(wrap);
    link_ledger(&mut l);
    debug_assert_eq!(host::FUNCTIONS.len(), 16, "every host function is linked");
    l
}

/// Reads a 32-byte id at `ptr`.
fn read_id(c: &mut Ctx<'_, '_>, ptr: i32) -> Result<[u8; 32], wasmi::Error> {
    let bytes = read_bytes(c, ptr, 32, 32, HostError::OutOfBounds)?;
    Ok(bytes.try_into().expect("read exactly 32 bytes"))
}

/// Reads UTF-8 text of `len` bytes (at most `max`) at `ptr`.
fn read_text(c: &mut Ctx<'_, '_>, ptr: i32, len: i32, max: usize) -> Result<String, wasmi::Error> {
    let bytes = read_bytes(c, ptr, len, max, HostError::BadText)?;
    String::from_utf8(bytes).map_err(|_| wasmi::Error::host(HostError::BadText))
}

/// Longest token symbol the host reads (the ledger's own limit is smaller).
const SYMBOL_BYTES_MAX: usize = 32;
/// Longest function name a cross-contract call names.
const FUNCTION_BYTES_MAX: usize = 64;

/// The ledger functions of host API version 1: balances, transfers, proof lookups and calls
/// to other contracts.
fn link_ledger(l: &mut Linker<CallState<'_>>) {
    let m = host::MODULE;
    let wrap = "host API functions have distinct names";
    l.func_wrap(m, "balance", |mut c: Ctx<'_, '_>, sym_ptr: i32, sym_len: i32, out_ptr: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL + STORAGE_READ_FUEL)?;
        let token = read_text(&mut c, sym_ptr, sym_len, SYMBOL_BYTES_MAX)?;
        let amount = c.data().storage.balance(&token);
        write_bytes(&mut c, out_ptr, &amount.to_le_bytes())
    })
    .expect(wrap);
    l.func_wrap(m, "transfer", |mut c: Ctx<'_, '_>, sym_ptr: i32, sym_len: i32, to_ptr: i32, amount_ptr: i32| -> Result<(), wasmi::Error> {
        charge(&mut c, CALL_FUEL + TRANSFER_FUEL)?;
        let token = read_text(&mut c, sym_ptr, sym_len, SYMBOL_BYTES_MAX)?;
        let to = read_id(&mut c, to_ptr)?;
        let amount = read_bytes(&mut c, amount_ptr, 16, 16, HostError::OutOfBounds)?;
        let amount = u128::from_le_bytes(amount.try_into().expect("read exactly 16 bytes"));
        c.data_mut().storage.transfer(&token, to, amount).map_err(|r| wasmi::Error::host(HostError::Refused(r)))
    })
    .expect(wrap);
    l.func_wrap(m, "proof_lookup", |mut c: Ctx<'_, '_>, registrant_ptr: i32, digest_ptr: i32, out_ptr: i32| -> Result<i64, wasmi::Error> {
        charge(&mut c, CALL_FUEL + 2 * STORAGE_READ_FUEL)?;
        let registrant = read_id(&mut c, registrant_ptr)?;
        let digest = read_id(&mut c, digest_ptr)?;
        let Some((proof, height)) = c.data().storage.proof(registrant, digest) else { return Ok(-1) };
        write_bytes(&mut c, out_ptr, &proof)?;
        Ok(height as i64)
    })
    .expect(wrap);
    l.func_wrap(
        m,
        "call_contract",
        |mut c: Ctx<'_, '_>, target_ptr: i32, fn_ptr: i32, fn_len: i32, input_ptr: i32, input_len: i32, fuel: i64, out_ptr: i32, out_cap: i32| -> Result<i32, wasmi::Error> {
            charge(&mut c, CALL_FUEL + CALL_CONTRACT_FUEL)?;
            let target = read_id(&mut c, target_ptr)?;
            let function = read_text(&mut c, fn_ptr, fn_len, FUNCTION_BYTES_MAX)?;
            let input = read_bytes(&mut c, input_ptr, input_len, CALL_DATA_BYTES_MAX, HostError::OutputTooLarge)?;
            let cap = usize::try_from(out_cap).map_err(|_| wasmi::Error::host(HostError::OutOfBounds))?;
            // The callee runs on what the caller has left: it cannot spend more than that.
            let budget = u64::try_from(fuel).unwrap_or(0).min(c.get_fuel()?);
            let (output, used) = c.data_mut().storage.call(target, &function, &input, budget).map_err(|r| wasmi::Error::host(HostError::Refused(r)))?;
            assert!(used <= budget, "a callee uses at most its budget");
            charge(&mut c, used)?;
            write_bytes(&mut c, out_ptr, &output[..output.len().min(cap)])?;
            Ok(output.len() as i32)
        },
    )
    .expect(wrap);
}
