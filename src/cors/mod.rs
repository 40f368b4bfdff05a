//! CORS (SPEC §1.2, §2): origin matching, preflight answers and response headers.

pub mod config;
mod policy;

use crate::engine::{ExchangeState, HeaderOp, RequestOutcome};
use crate::request::Headers;
pub use policy::CorsPolicy;

/// What the request phase found, for the response phase.
#[derive(Debug, Clone, Default)]
pub struct State {}

/// Request phase: classify, answer preflights, remember the origin decision.
pub fn on_request<'p>(policy: &'p CorsPolicy, request: Headers<'_>, out: &mut RequestOutcome<'p>) {
    let _ = (policy, request, out);
}

/// Response phase: CORS headers and `Vary` on every response of a CORS route.
pub fn on_response<'a>(
    policy: &'a CorsPolicy,
    state: &'a ExchangeState,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'a>>,
) {
    let _ = (policy, state, response, ops);
}
