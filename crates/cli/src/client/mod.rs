//! The client library every command uses: the client config, one validator's API
//! ([`Client`]), all of them with failover ([`Pool`]), transactions taken to finality with
//! resubmission ([`submit`]), and reads agreed by `f + 1` validators ([`verified`]).
//! `docs/client.md` states the behaviour the SDKs follow.

mod node;
mod pool;
pub mod submit;
pub mod verified;

pub use node::{Client, ClientConfig, Submitted};
pub use pool::Pool;
pub use submit::Outcome;
