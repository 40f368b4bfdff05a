//! The per-request pipeline, top to bottom: request headers in, a decision out;
//! response headers in, header edits out. Each feature decides its own part and keeps
//! its own state; this file only orders the steps. The host glue fetches and applies.

use crate::config::policy::{Config, RoutePolicy, Why};
use crate::exchange::{
    Blocked, Counter, Counters, Decision, Disposition, Exchange, HeaderOp, LocalReply, Outcome, RouteInfo,
};
use crate::http::forwarded::came_over_https;
use crate::http::{loggable, Headers};
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

impl RequestOutcome<'_> {
    /// The record of this decision (policy, verdict, reason) for the access log.
    pub fn decision<'a>(&'a self, policy: &'a RoutePolicy) -> Decision<'a> {
        let disposition = Disposition::of(
            self.blocked.as_ref(),
            self.reply.is_some(),
            self.counters.contains(Counter::HttpsRedirected),
        );
        Decision::new(&policy.name, disposition, self.blocked.as_ref())
    }
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

/// The debug trace of a request's decision: method and path, the policy chosen and why,
/// the verdict (and reason), the counters bumped. Only built when it is logged.
pub fn explain_request(
    config: &Config,
    request: Headers<'_>,
    route: &RouteInfo<'_>,
    why: Why,
    outcome: &RequestOutcome<'_>,
    decision: &Decision<'_>,
) -> String {
    format!(
        "edge-shield: {} {}: {}; verdict {}{}; counters {:?}",
        loggable(request.get(":method").unwrap_or_default(), 20),
        loggable(route.path, 200),
        config.explain_selection(route, why),
        decision.verdict.as_str(),
        decision
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default(),
        outcome.counters.iter().map(Counter::name).collect::<Vec<_>>(),
    )
}

/// What the response phase does with each security header and why, as `name: why`
/// lines (the debug trace; only called when it is logged).
pub fn explain_response(policy: &RoutePolicy, state: &ExchangeState, response: Headers<'_>) -> Vec<String> {
    match &policy.headers {
        Some(p) => security_headers::explain_response(p, &state.exchange, response),
        None => Vec::new(),
    }
}
