//! edge-shield: a Proxy-Wasm HTTP filter giving every route behind Envoy a
//! Fetch-correct CORS policy and hardened security response headers.
//!
//! Only the host glue talks to Envoy (`host`: Proxy-Wasm; `host_native`: Envoy's
//! dynamic-module ABI, feature `native`); everything else is pure Rust with native
//! unit tests and does not know which host runs it.

pub mod config;
pub mod cors;
pub mod engine;
pub mod hardening;
pub mod header_map;
pub mod headers;
pub mod log_limit;
pub mod policy;
pub mod request;
pub mod rules;

#[cfg(target_arch = "wasm32")]
mod host;

#[cfg(all(feature = "native", not(target_family = "wasm")))]
mod host_native;
