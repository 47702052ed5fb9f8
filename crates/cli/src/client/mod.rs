//! The client library every command uses: the client config, one validator's API
//! ([`Client`]), all of them with failover ([`Pool`]), transactions taken to finality with
//! resubmission ([`submit`]), and reads agreed by `f + 1` validators ([`verified`]).
//! `docs/client.md` states the behaviour the SDKs follow.

mod node;
mod pool;
pub mod submit;
pub mod verified;

pub use node::{CONNECT_TIMEOUT, Client, ClientConfig, RESPONSE_TIMEOUT, Submitted, signed_headers};
pub use pool::Pool;
pub use submit::Outcome;
