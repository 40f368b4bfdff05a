//! End-to-end harness: a real Envoy (from `ENVOY` or `.venv/bin/envoy`) loading the
//! built `.wasm`, a scriptable upstream in this process, and raw clients.
//!
//! Adding a case is cheap: `Envoy::start(r#"{"cors": {...}}"#)` generates a config from
//! [`DEFAULT_TEMPLATE`] with free ports, and `get("/path").header(..).send(&envoy)`
//! returns every response header line as received. A failing test prints the Envoy log.
//!
//! One module per job: [`paths`] (repository, binaries, scratch files), [`upstream`]
//! (the scriptable upstream), [`envoy`] (the Envoy process and its admin API),
//! [`client`] (HTTP/1.1 on the wire), [`http2`] (HTTP/2: h2c, TLS, extended CONNECT),
//! [`http3`] (a QUIC listener and an aioquic client), [`tls`] (certificates and a TLS
//! listener), [`host`] (which artifact: the `.wasm`, or the native module with
//! `EDGE_SHIELD_HOST=native`).
//! Everything is re-exported here: tests `use crate::harness::*`.

#![allow(dead_code, unused_imports)]

pub mod client;
pub mod envoy;
pub mod host;
pub mod http2;
pub mod http3;
pub mod paths;
pub mod tls;
pub mod upstream;

pub use client::*;
pub use envoy::*;
pub use http2::*;
pub use http3::*;
pub use paths::*;
pub use tls::*;
pub use upstream::*;
