//! Static validation of contract code (X.1405 8.6.1, 8.6.4): what `vellum contract check`
//! reports and what a registration proposal must pass. Refuses: oversize code, anything that
//! does not parse and validate, floating point and the other non-deterministic or unbounded
//! features, imports other than the host API (with its exact signatures), a start function, a
//! memory without a declared maximum within [`MEMORY_PAGES_MAX`], and entry points with
//! parameters or results (a call's data goes through the host API).

use crate::host;
use crate::limits::{CODE_BYTES_MAX, EXPORTS_MAX, IMPORTS_MAX, MEMORY_PAGES_MAX, TABLE_ELEMENTS_MAX};
use thiserror::Error;
use wasmi::{ExternType, ValType};

/// What a contract that passed the checks declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// SHA-256 of the code: the digest governance registers and advisories name.
    pub code_digest: [u8; 32],
    pub code_bytes: usize,
    pub host_api_version: u32,
    /// Host functions it imports, in import order.
    pub imports: Vec<String>,
    /// Exported functions a transaction may call, sorted.
    pub entry_points: Vec<String>,
    /// The maximum its memory declares (pages of 64 KiB).
    pub memory_pages_max: u64,
}

/// Why contract code was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CheckError {
    #[error("the code is {bytes} bytes; contracts are at most {max}")]
    TooLarge { bytes: usize, max: usize },
    #[error("not a WebAssembly module: {0}")]
    NotWasm(&'static str),
    #[error("the module does not validate (floating point and non-deterministic features are refused): {0}")]
    Invalid(String),
    #[error("a start function runs at instantiation; contracts initialise through an explicit call")]
    StartFunction,
    #[error("the module declares {count} {what}; at most {max}")]
    TooMany { what: &'static str, count: usize, max: usize },
    #[error("import `{module}.{name}` is not a function of host API `{}`", host::MODULE)]
    UnknownImport { module: String, name: String },
    #[error("import `{name}` has the wrong signature for host API `{}`", host::MODULE)]
    ImportSignature { name: String },
    #[error("the module must export its memory as `memory`")]
    NoMemory,
    #[error("the memory must declare a maximum of at most {max} pages (it declares {})", declared.map_or("none".to_string(), |d| d.to_string()))]
    MemoryUnbounded { declared: Option<u64>, max: u64 },
    #[error("table `{name}` must declare a maximum of at most {max} elements")]
    TableUnbounded { name: String, max: u64 },
    #[error("entry point `{name}` must take no parameters and return nothing (call data goes through the host API)")]
    EntrySignature { name: String },
    #[error("the module exports no function to call")]
    NoEntryPoint,
}

impl CheckError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CheckError::TooLarge { .. } => "too_large",
            CheckError::NotWasm(_) => "not_wasm",
            CheckError::Invalid(_) => "invalid",
            CheckError::StartFunction => "start_function",
            CheckError::TooMany { .. } => "too_many",
            CheckError::UnknownImport { .. } => "unknown_import",
            CheckError::ImportSignature { .. } => "import_signature",
            CheckError::NoMemory => "no_memory",
            CheckError::MemoryUnbounded { .. } => "memory_unbounded",
            CheckError::TableUnbounded { .. } => "table_unbounded",
            CheckError::EntrySignature { .. } => "entry_signature",
            CheckError::NoEntryPoint => "no_entry_point",
        }
    }
}

/// WebAssembly section ids refused before the module is handed to the validator.
const START_SECTION: u8 = 8;

/// Checks contract code; the report on success.
pub fn check(code: &[u8]) -> Result<Report, CheckError> {
    check_and_compile(&crate::engine(), code).map(|(report, _)| report)
}

/// [`check`], keeping the module it compiled on `engine` (the runtime runs that one: one
/// compilation per contract).
pub(crate) fn check_and_compile(engine: &wasmi::Engine, code: &[u8]) -> Result<(Report, wasmi::Module), CheckError> {
    if code.len() > CODE_BYTES_MAX {
        return Err(CheckError::TooLarge { bytes: code.len(), max: CODE_BYTES_MAX });
    }
    if section_ids(code)?.contains(&START_SECTION) {
        return Err(CheckError::StartFunction);
    }
    let module = wasmi::Module::new(engine, code).map_err(|e| CheckError::Invalid(e.to_string()))?;
    let imports = check_imports(&module)?;
    let (entry_points, memory_pages_max) = check_exports(&module)?;
    let report = Report {
        code_digest: vellum_types::sha256(code),
        code_bytes: code.len(),
        host_api_version: host::VERSION,
        imports,
        entry_points,
        memory_pages_max,
    };
    Ok((report, module))
}

/// The ids of the module's sections, in order: a bounded walk of the binary framing (magic,
/// version, then `id ‖ LEB128 size ‖ bytes` per section).
fn section_ids(code: &[u8]) -> Result<Vec<u8>, CheckError> {
    const HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    if code.len() < HEADER.len() || code[..HEADER.len()] != HEADER {
        return Err(CheckError::NotWasm("no WebAssembly version 1 header"));
    }
    let mut ids = Vec::new();
    let mut at = HEADER.len();
    while at < code.len() {
        let id = code[at];
        let (size, read) = leb128_u32(&code[at + 1..]).ok_or(CheckError::NotWasm("a section size is malformed"))?;
        at = (at + 1 + read).checked_add(size as usize).filter(|end| *end <= code.len()).ok_or(CheckError::NotWasm("a section runs past the end"))?;
        ids.push(id);
    }
    Ok(ids)
}

/// An unsigned LEB128 `u32` and how many bytes it took.
fn leb128_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        let part = u32::from(byte & 0x7f);
        if i == 4 && part > 0x0f {
            return None;
        }
        value |= part << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn host_types(types: &[ValType]) -> Option<Vec<host::Ty>> {
    types
        .iter()
        .map(|t| match t {
            ValType::I32 => Some(host::Ty::I32),
            ValType::I64 => Some(host::Ty::I64),
            _ => None,
        })
        .collect()
}

fn check_imports(module: &wasmi::Module) -> Result<Vec<String>, CheckError> {
    let count = module.imports().len();
    if count > IMPORTS_MAX {
        return Err(CheckError::TooMany { what: "imports", count, max: IMPORTS_MAX });
    }
    let mut names = Vec::with_capacity(count);
    for import in module.imports() {
        let unknown = || CheckError::UnknownImport { module: import.module().to_string(), name: import.name().to_string() };
        if import.module() != host::MODULE {
            return Err(unknown());
        }
        let function = host::function(import.name()).ok_or_else(unknown)?;
        let ExternType::Func(ty) = import.ty() else { return Err(unknown()) };
        let matches = host_types(ty.params()).as_deref() == Some(function.params) && host_types(ty.results()).as_deref() == Some(function.results);
        if !matches {
            return Err(CheckError::ImportSignature { name: import.name().to_string() });
        }
        names.push(import.name().to_string());
    }
    Ok(names)
}

fn check_exports(module: &wasmi::Module) -> Result<(Vec<String>, u64), CheckError> {
    let count = module.exports().count();
    if count > EXPORTS_MAX {
        return Err(CheckError::TooMany { what: "exports", count, max: EXPORTS_MAX });
    }
    let mut entry_points = Vec::new();
    let mut memory = None;
    for export in module.exports() {
        match export.ty() {
            ExternType::Func(ty) => {
                if !ty.params().is_empty() || !ty.results().is_empty() {
                    return Err(CheckError::EntrySignature { name: export.name().to_string() });
                }
                entry_points.push(export.name().to_string());
            }
            ExternType::Memory(ty) if export.name() == "memory" => memory = Some(ty.maximum()),
            ExternType::Table(ty) => {
                if ty.maximum().is_none_or(|m| m > TABLE_ELEMENTS_MAX) {
                    return Err(CheckError::TableUnbounded { name: export.name().to_string(), max: TABLE_ELEMENTS_MAX });
                }
            }
            ExternType::Memory(_) | ExternType::Global(_) => {}
        }
    }
    let declared = memory.ok_or(CheckError::NoMemory)?;
    let pages = declared.filter(|m| *m <= MEMORY_PAGES_MAX).ok_or(CheckError::MemoryUnbounded { declared, max: MEMORY_PAGES_MAX })?;
    if entry_points.is_empty() {
        return Err(CheckError::NoEntryPoint);
    }
    entry_points.sort();
    Ok((entry_points, pages))
}
