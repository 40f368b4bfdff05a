//! Security response headers (SPEC §3): helmet's set, validated and serialized at load.

pub mod config;
mod policy;

use crate::engine::{ExchangeState, HeaderOp, RequestOutcome};
use crate::request::Headers;
pub use policy::HeaderPolicy;

/// Request phase: note what the response phase needs (e.g. whether the request
/// came over HTTPS by a trusted forwarded-proto header).
pub fn on_request(policy: &HeaderPolicy, request: Headers<'_>, out: &mut RequestOutcome<'_>) {
    let _ = (policy, request, out);
}

/// Response phase: add, keep or override the security headers; remove fingerprints.
pub fn on_response<'a>(
    policy: &'a HeaderPolicy,
    state: &'a ExchangeState,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'a>>,
) {
    let _ = (policy, state, response, ops);
}
