//! Security response headers (SPEC §3): helmet's set, validated and serialized at load.
//!
//! `policy` compiles the configuration (one file per header for the checks and the
//! serialization); the response path comes next.

mod cache_control;
mod choice;
mod clear_site_data;
pub mod config;
mod cross_origin;
mod csp;
mod custom;
mod frame_options;
mod hsts;
mod managed;
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

/// Request phase: nothing yet.
pub fn on_request(policy: &HeaderPolicy, request: Headers<'_>, out: &mut RequestOutcome<'_>) {
    let _ = (policy, request, out);
}

/// Response phase: nothing yet.
pub fn on_response<'a>(
    policy: &'a HeaderPolicy,
    state: &'a ExchangeState,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'a>>,
) {
    let _ = (policy, state, response, ops);
}
