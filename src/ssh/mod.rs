//! SSH, agentless: one russh connection per host per run, host keys verified against
//! known_hosts strictly by default, several exec channels on each connection.
//!
//! The connection owns its settings: `settings.rs` declares them (name, where set, default,
//! description), `endpoint.rs` holds one host's values, which the inventory resolves and fills
//! in, and `client.rs` opens a connection with them.

mod auth;
mod client;
pub mod config;
mod endpoint;
pub mod known_hosts;
pub mod settings;

pub use auth::{Keys, PASSPHRASE_ENV};
pub use client::{Connection, SshContext, SshOptions};
pub use endpoint::{Become, Endpoint, Hop};
