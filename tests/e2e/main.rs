//! End-to-end tests: the built `.wasm` (or, with `EDGE_SHIELD_HOST=native`, the native
//! module) in a real Envoy, real HTTP over loopback. Run with `make test` (or `make e2e`,
//! `make e2e-native`), which builds the filter and installs Envoy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

mod cors;
mod deploy;
mod faults;
mod foundation;
mod hardening;
mod headers;
mod http2;
mod native;
mod observe;
mod route_metadata;
mod routes;
mod ship;
mod soak;
mod trust;
mod workers;
mod xds;
mod yaml_config;
