//! A Vellum validator node: Commonware consensus around the pure ledger.
//!
//! - [`engine`]: wiring of simplex + marshal + broadcast + gossip, generic over runtime and
//!   network (tokio/TCP in production, deterministic/simulated in tests);
//! - [`app`]: the consensus application (propose and verify blocks by running the ledger);
//! - [`executor`]: applies finalized blocks in order, the only writer of the finalized state;
//! - [`epochs`]: one simplex engine per epoch and each epoch's validator set;
//! - [`misbehaviour`]: equivocation proved by consensus, on its way to the ledger;
//! - [`gossip`]: admitted transactions to and from the other validators, in batches;
//! - [`core`]: [`NodeHandle`], the door for the API and tests: the finalized snapshot, the
//!   mempool under one lock, and the services (submission, authentication, audit, evidence,
//!   payments);
//! - [`mempool`]: bounded pending-transaction pool;
//! - [`events`]: finalized-block events for subscribers (bounded, never slowing consensus);
//! - [`acceptance`]: durable acceptance (accepted transactions on disk before the answer);
//! - [`time`]: the checked clock (Roughtime);
//! - [`config`] and [`run`]: files on disk and the production runner.

pub mod acceptance;
pub mod app;
pub mod block;
pub mod certificate;
pub mod config;
pub mod core;
pub mod engine;
pub mod epochs;
pub mod events;
pub mod executor;
pub mod gossip;
pub mod mempool;
pub mod misbehaviour;
pub mod run;
pub mod time;

pub use core::{AuthError, BundleError, NodeHandle, NodeStatus, SubmitError, TxStatus};
