//! edge-shield: a Proxy-Wasm HTTP filter giving every route behind Envoy a
//! Fetch-correct CORS policy and hardened security response headers.
//!
//! Only the host glue talks to Envoy (`host`: Proxy-Wasm; `host_native`: Envoy's
//! dynamic-module ABI, feature `native`); everything else is pure Rust with native unit
//! tests and does not know which host runs it. The layers and which way imports go:
//! ARCHITECTURE.md.

// Leaves: shared vocabulary, known by every feature, knowing none.
pub mod compile;
pub mod exchange;
pub mod http;
pub mod log_limit;

// Features.
pub mod cors;
pub mod hardening;
pub mod security_headers;

// Above the features: loading the whole policy, and the pipeline.
pub mod config;
pub mod engine;

#[cfg(target_arch = "wasm32")]
mod host;

#[cfg(all(feature = "native", not(target_family = "wasm")))]
mod host_native;

#[cfg(test)]
mod export_tests;
#[cfg(test)]
mod layering_tests;
#[cfg(test)]
mod testing;
