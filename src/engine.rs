//! The per-request pipeline, top to bottom: request headers in, a decision out;
//! response headers in, header edits out. Each feature decides its own part and keeps
//! its own state; this file only orders the steps. The host glue fetches and applies.

use crate::config::policy::RoutePolicy;
use crate::exchange::{Blocked, Counter, Counters, Exchange, HeaderOp, LocalReply, Outcome};
use crate::http::forwarded::came_over_https;
use crate::http::Headers;
use crate::{cors, hardening, security_headers};

/// What the response phase needs to remember from the request phase: what every
/// feature may know, and the state of the features that keep one. Owned, so it can
/// live in the stream context next to the policy `Rc`.
#[derive(Debug, Clone, Default)]
pub struct ExchangeState {
    pub exchange: Exchange,
    /// What the CORS step found (origin allowed or not, preflight answered, ...).
    pub cors: cors::State,
}

/// The decision for a request.
#[derive(Debug, Default)]
pub struct RequestOutcome<'p> {
    pub state: ExchangeState,
    pub reply: Option<LocalReply<'p>>,
    pub counters: Counters,
    pub blocked: Option<Blocked>,
}

/// Decides what to do with a request on a route whose policy is `policy`.
///
/// Order matters: an HTTPS redirect needs no other check; the WebSocket and CSRF
/// refusals come before CORS answers a preflight; each step sees the earlier ones'
/// outcome and does nothing once the request is answered.
pub fn on_request<'p>(policy: &'p RoutePolicy, request: Headers<'_>) -> RequestOutcome<'p> {
    let mut out = Outcome::default();
    out.counters.add(Counter::Requests);
    // A forwarded-proto header counts only where the security headers trust it.
    let forwarded = policy
        .headers
        .as_ref()
        .and_then(|h| h.forwarded_proto_header.as_deref());
    out.https = came_over_https(request, forwarded);
    if let Some(p) = &policy.https_redirect {
        hardening::https_redirect::on_request(p, request, &mut out);
    }
    if let Some(p) = &policy.websocket {
        hardening::websocket::on_request(p, policy.cors.as_deref(), request, &mut out);
    }
    if let Some(p) = &policy.csrf {
        hardening::csrf::on_request(p, policy.cors.as_deref(), request, &mut out);
    }
    let cors = match &policy.cors {
        Some(p) => cors::on_request(p, request, &mut out),
        None => cors::State::default(),
    };
    RequestOutcome {
        state: ExchangeState {
            exchange: out.exchange(),
            cors,
        },
        reply: out.reply,
        counters: out.counters,
        blocked: out.blocked,
    }
}

/// The header edits for a response, given what the request phase found. Also runs
/// for Envoy's own local replies and ours, and for responses whose request phase
/// never ran (then `state` is the default and `policy` the top-level one).
pub fn on_response<'a>(policy: &'a RoutePolicy, state: &'a ExchangeState, response: Headers<'_>) -> Vec<HeaderOp<'a>> {
    let mut ops = Vec::new();
    if let Some(p) = &policy.cors {
        cors::on_response(p, &state.cors, response, &mut ops);
    }
    if let Some(p) = &policy.headers {
        security_headers::on_response(p, &state.exchange, response, &mut ops);
    }
    if let Some(p) = &policy.cookies {
        hardening::cookies::on_response(p, &state.exchange, response, &mut ops);
    }
    ops
}
