//! End-to-end tests: the built `.wasm` in a real Envoy, real HTTP over loopback.
//! Run with `make test` (or `make e2e`), which builds the filter and installs Envoy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

mod cors;
mod deploy;
mod foundation;
mod hardening;
mod headers;
mod routes;
mod ship;
