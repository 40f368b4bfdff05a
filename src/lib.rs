//! edge-shield: a Proxy-Wasm HTTP filter giving every route behind Envoy a
//! Fetch-correct CORS policy and hardened security response headers.
//!
//! Only [`host`] talks to Envoy; everything else is pure Rust with native unit tests.

pub mod config;
pub mod cors;
pub mod engine;
pub mod hardening;
pub mod header_map;
pub mod headers;
pub mod log_limit;
pub mod policy;
pub mod public_suffix;
pub mod regex_confinement;
pub mod request;
pub mod rules;

#[cfg(target_arch = "wasm32")]
mod host;
