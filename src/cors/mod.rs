//! CORS (README.md, "CORS"): origin matching, preflight answers and response headers.
//!
//! The request phase classifies the request (preflight, CORS request, no Origin),
//! counts and logs the decision and answers preflights; it leaves in [`State`] what
//! the response phase needs. The response phase also runs on our own preflight
//! replies (Envoy passes local replies through the filter), which it leaves alone.

mod actual;
mod allow_headers;
mod allow_methods;
mod allow_origin;
pub mod config;
mod expose_headers;
mod header_names;
mod max_age;
mod names;
mod origin_pattern;
mod origin_regex;
mod policy;
mod preflight;
mod vary;

use crate::exchange::{Blocked, Counter, HeaderOp, Outcome};
use crate::http::Headers;
pub use origin_pattern::Entry as OriginEntry;
pub use policy::CorsPolicy;
use std::borrow::Cow;

/// What the request phase found, for the response phase.
#[derive(Debug, Clone, Default)]
pub struct State(Seen);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Seen {
    /// No Origin, or the request phase did not run (a reply before it).
    #[default]
    NoOrigin,
    /// An allowed Origin, kept for the `Access-Control-Allow-Origin` echo
    /// (empty for a `*` policy, which sends `*`).
    Allowed(Vec<u8>),
    Disallowed,
    /// A preflight the filter answered: its reply is complete already.
    Answered,
}

impl State {
    /// The request was a preflight the filter answered (allowed or refused).
    pub fn answered_preflight(&self) -> bool {
        self.0 == Seen::Answered
    }
}

/// Request phase: classify, answer preflights; returns what the response phase needs.
pub fn on_request<'p>(policy: &'p CorsPolicy, request: Headers<'_>, out: &mut Outcome<'p>) -> State {
    if out.answered() {
        return State::default();
    }
    let blocked = |kind, reason| Blocked {
        kind,
        reason,
        report_only: !policy.enforce,
    };
    if preflight::is_preflight(request) {
        match preflight::decide(policy, request) {
            Ok(grant) => {
                out.counters.add(Counter::PreflightAllowed);
                if policy.enforce {
                    out.answer(preflight::allowed_reply(policy, grant));
                }
            }
            Err(reason) => out.refuse(
                blocked("cors preflight", reason),
                Some(Counter::PreflightRejected),
                policy.enforce.then(|| preflight::rejected_reply(policy)),
            ),
        }
        return if policy.enforce {
            State(Seen::Answered)
        } else {
            State::default()
        };
    }
    let seen = match request.single(names::ORIGIN) {
        Ok(None) | Ok(Some([])) => {
            out.counters.add(Counter::NoOrigin);
            Seen::NoOrigin
        }
        Ok(Some(origin)) if policy.allows_origin(origin) => {
            out.counters.add(Counter::ActualAllowed);
            Seen::Allowed(if policy.any_origin() {
                Vec::new()
            } else {
                origin.to_vec()
            })
        }
        // A repeated Origin is no browser's: not allowed, whatever its values.
        _ => {
            let reason = Cow::Borrowed("origin not allowed");
            out.refuse(blocked("cors request", reason), Some(Counter::ActualBlocked), None);
            Seen::Disallowed
        }
    };
    State(seen)
}

/// Response phase: CORS headers and `Vary` on every response of a CORS route.
pub fn on_response<'a>(policy: &'a CorsPolicy, state: &'a State, response: Headers<'_>, ops: &mut Vec<HeaderOp<'a>>) {
    if !policy.enforce {
        return;
    }
    let allow_origin: Option<&[u8]> = match &state.0 {
        Seen::Answered => return,
        // Every response of a `*` policy is the same, so that caches may share it.
        _ if policy.any_origin() => Some(b"*"),
        Seen::Allowed(origin) => Some(origin),
        Seen::NoOrigin | Seen::Disallowed => None,
    };
    actual::edit(policy, allow_origin, response, ops);
}

#[cfg(test)]
mod tests;
