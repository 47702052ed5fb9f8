//! A Vellum validator node: Commonware consensus around the pure ledger.
//!
//! - [`engine`]: wiring of simplex + marshal + broadcast + gossip, generic over runtime and
//!   network (tokio/TCP in production, deterministic/simulated in tests);
//! - [`app`]: the consensus application (propose, verify, apply finalized blocks);
//! - [`core`]: shared node state and [`NodeHandle`], the door for the API and tests;
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
pub mod events;
pub mod gossip;
pub mod mempool;
pub mod run;
pub mod time;

pub use core::{AuthError, BundleError, NodeHandle, NodeStatus, SubmitError, TxStatus};
