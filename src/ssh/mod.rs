//! SSH, agentless: one russh connection per host per run, host keys verified against
//! known_hosts strictly by default, several exec channels on each connection.

mod auth;
mod client;
pub mod config;
mod endpoint;
pub mod known_hosts;
pub mod settings;

pub use auth::{Keys, PASSPHRASE_ENV};
pub use client::{Connection, SshContext, SshOptions};
pub use endpoint::{Become, Endpoint, Hop};
