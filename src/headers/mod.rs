//! Security response headers (SPEC §3): helmet's set, validated and serialized at load.
//!
//! `policy` compiles the configuration (one file per header for the checks and the
//! serialization); `merge` is the response path, which only compares and borrows.

mod cache_control;
mod choice;
mod clear_site_data;
pub mod config;
mod content_type;
mod cross_origin;
mod csp;
mod custom;
mod frame_options;
mod hsts;
mod https;
mod managed;
mod merge;
mod permissions_policy;
mod policy;
mod referrer_policy;
mod remove;
mod reporting;
mod reserved;
mod simple;
mod suggest;
mod value;

#[cfg(test)]
mod tests;

use crate::engine::{ExchangeState, HeaderOp, RequestOutcome};
use crate::request::Headers;
pub use policy::{HeaderPolicy, Line};

/// Request phase: a request that reached the edge over HTTPS through a proxy that
/// terminated TLS says so in a trusted forwarded-proto header.
pub fn on_request(policy: &HeaderPolicy, request: Headers<'_>, out: &mut RequestOutcome<'_>) {
    if out.state.https {
        return;
    }
    if let Some(name) = &policy.forwarded_proto_header {
        if request.get(name).is_some_and(https::forwarded_https) {
            out.state.https = true;
        }
    }
}

/// Response phase: add, keep or override the security headers; remove fingerprints.
pub fn on_response<'a>(
    policy: &'a HeaderPolicy,
    state: &'a ExchangeState,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'a>>,
) {
    merge::plan(policy, state.https, response, ops);
}
