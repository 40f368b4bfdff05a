//! The per-request pipeline, top to bottom: request headers in, a decision out;
//! response headers in, header edits out. Each feature decides its own part and keeps
//! its own state; this file only orders the steps. The host glue fetches and applies.

use crate::config::policy::{Config, MetadataNames, RoutePolicy, Why};
use crate::exchange::{
    apply, blocked_line, Blocked, Counter, Counters, Decision, Disposition, Exchange, HeaderOp, LocalReply, Outcome,
    RouteInfo,
};
use crate::http::forwarded::came_over_https;
use crate::http::{loggable, Headers};
use crate::log_limit::log_limited;
use crate::{cors, hardening, security_headers};
use std::rc::Rc;

/// A request's whole step, the same for every host: the policy chosen for it (and
/// why), and the decision, with any local reply already complete (`complete_reply`)
/// and the unknown-policy counter counted.
#[derive(Debug)]
pub struct RequestStep<'c> {
    pub policy: &'c Rc<RoutePolicy>,
    pub why: Why,
    pub outcome: RequestOutcome<'c>,
}

/// Chooses the policy (route metadata `names`, rules, top level) and decides.
pub fn request_step<'c>(
    config: &'c Config,
    names: MetadataNames<'_>,
    route: &RouteInfo<'_>,
    request: Headers<'_>,
) -> RequestStep<'c> {
    let (policy, why) = config.choose(names, route);
    let mut outcome = on_request(policy, request);
    if let Why::UnknownName(_) = why {
        outcome.counters.add(Counter::UnknownPolicy);
    }
    if let Some(reply) = outcome.reply.as_mut() {
        // Everything the reply needs goes out with it: the glue leaves the response
        // phase of our own reply alone.
        complete_reply(policy, &outcome.state, reply);
    }
    RequestStep { policy, why, outcome }
}

impl RequestStep<'_> {
    /// The decision's record (`record`, when the configuration keeps one: filter state
    /// for access logs) and its debug trace (when `debug`); the decision, whose reason
    /// is formatted, is built only when one of them wants it.
    pub fn record(
        &self,
        config: &Config,
        request: Headers<'_>,
        route: &RouteInfo<'_>,
        debug: bool,
        record: impl FnOnce(&Decision<'_>),
    ) {
        if !(config.record_decision || debug) {
            return;
        }
        let decision = self.outcome.decision(self.policy);
        if config.record_decision {
            record(&decision);
        }
        if debug {
            log::debug!(
                "{}",
                explain_request(config, request, route, self.why, &self.outcome, &decision)
            );
        }
    }

    /// Writes the step's lines, each within the worker's budget and built only when
    /// logged: an unknown policy name (error), a blocked request the policy logs
    /// (warning). `route_name` is asked for only by a blocked line no rule needed it for.
    pub fn log(
        &self,
        names: MetadataNames<'_>,
        route: &RouteInfo<'_>,
        request: Headers<'_>,
        now: impl Fn() -> u64,
        route_name: impl FnOnce() -> Option<String>,
    ) {
        if let Why::UnknownName(from) = self.why {
            log_limited(log::Level::Error, &now, || names.unknown_line(from, route.path));
        }
        if let (Some(blocked), true) = (&self.outcome.blocked, self.policy.log_blocked) {
            log_limited(log::Level::Warn, &now, || {
                let fetched = match route.route_name {
                    Some(_) => None,
                    None => route_name(),
                };
                let route = RouteInfo {
                    route_name: route.route_name.or(fetched.as_deref()),
                    ..*route
                };
                blocked_line(blocked, request, &route, &self.policy.name)
            });
        }
    }
}

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

/// The header edits for a response, given what the request phase found. Each feature
/// plans only edits that change something (each costs a host call: no removal of an
/// absent header, no setting of the value a header has). Also runs for Envoy's own
/// local replies, for ours before they are sent (`complete_reply`), and for responses
/// whose request phase never ran (then `state` is the default and `policy` the
/// top-level one).
///
/// A preflight we answered (allowed or refused) is left as the preflight step made it:
/// only the browser's CORS check reads that reply (never rendered, never a document, no
/// body), so security headers would do nothing there but cost (docs/design.md,
/// "Preflight replies").
pub fn on_response<'a>(policy: &'a RoutePolicy, state: &'a ExchangeState, response: Headers<'_>) -> Vec<HeaderOp<'a>> {
    if state.cors.answered_preflight() {
        return Vec::new();
    }
    // Room for a typical answer's edits (the CORS set, helmet's 12, a few removals):
    // one allocation instead of regrowing.
    let mut ops = Vec::with_capacity(24);
    if let Some(p) = &policy.cors {
        cors::on_response(p, &state.cors, response, &mut ops);
    }
    plan_after_cors(policy, &state.exchange, response, &mut ops);
    ops
}

/// The response phase's edits after the CORS step's: theirs borrow only the policy
/// (the CORS step's may borrow the request's origin, kept in the state).
fn plan_after_cors<'p>(
    policy: &'p RoutePolicy,
    exchange: &Exchange,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'p>>,
) {
    if let Some(p) = &policy.headers {
        security_headers::on_response(p, exchange, response, ops);
    }
    if let Some(p) = &policy.cookies {
        hardening::cookies::on_response(p, exchange, response, ops);
    }
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

/// A local reply made complete before it is sent: the response phase's edits applied
/// to its own headers, so that the one `send_local_response` carries everything and
/// the glue can leave the response phase of our own reply alone. The edits are
/// planned on the headers as Envoy would hand them to the response phase: a body
/// without a content-type is sent as `text/plain`.
pub fn complete_reply<'p>(policy: &'p RoutePolicy, state: &ExchangeState, reply: &mut LocalReply<'p>) {
    if state.cors.answered_preflight() {
        // Left as the preflight step made it, as in `on_response`.
        return;
    }
    let status = reply.status.to_string();
    let mut lines: Vec<(&str, &[u8])> = vec![(":status", status.as_bytes())];
    lines.extend(reply.headers.iter().map(|(n, v)| (n.as_ref(), v.as_ref())));
    if !reply.body.is_empty() && !lines.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        lines.push(("content-type", b"text/plain"));
    }
    let response = Headers::borrowed(&lines);
    // As `on_response`, but the edits that borrow the policy stay borrowed into the
    // reply (no copy of every security header); the CORS step's few are copied.
    let mut cors_ops = Vec::new();
    if let Some(p) = &policy.cors {
        cors::on_response(p, &state.cors, response, &mut cors_ops);
    }
    let mut ops = Vec::with_capacity(16);
    plan_after_cors(policy, &state.exchange, response, &mut ops);
    drop(lines);
    let owned = |op: HeaderOp<'_>| -> HeaderOp<'p> { op.into_owned() };
    apply(cors_ops.into_iter().map(owned), &mut reply.headers);
    apply(ops, &mut reply.headers);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::http::Header;
    use crate::testing::lines;

    const CONFIG: &[u8] = br#"{
        "cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "PUT"],
                 "allowed_headers": ["content-type"], "allow_credentials": true},
        "csrf": {}
    }"#;

    fn sent(reply: &LocalReply<'_>) -> Vec<Header> {
        reply.headers.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect()
    }

    fn value<'a>(headers: &'a [Header], name: &str) -> Option<&'a [u8]> {
        headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// Our local replies go out complete: the response phase, run on the reply as sent,
    /// has nothing left to do (so the glue may skip it). A refusal carries the security
    /// headers; a preflight reply (allowed or refused) only its CORS headers
    /// (docs/design.md, "Preflight replies").
    #[test]
    fn local_replies_are_complete_when_sent() {
        let config = config::load(CONFIG).unwrap();
        let policy = &config.default;
        let https = [
            (":scheme", "https"),
            (":authority", "api.example.com"),
            (":path", "/items"),
        ];
        const SECURITY: &[&str] = &[
            "strict-transport-security",
            "x-content-type-options",
            "content-security-policy",
            "x-frame-options",
        ];
        // (case, request headers, reply status, headers the reply must carry, must not)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], u32, &'a [&'a str], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (
                "an allowed preflight",
                &[
                    (":method", "OPTIONS"),
                    ("origin", "https://app.example.com"),
                    ("access-control-request-method", "PUT"),
                ],
                204,
                &["access-control-allow-origin", "access-control-allow-methods", "vary"],
                SECURITY,
            ),
            (
                "a refused preflight",
                &[
                    (":method", "OPTIONS"),
                    ("origin", "https://evil.example"),
                    ("access-control-request-method", "PUT"),
                ],
                403,
                &["vary"],
                &[
                    "access-control-allow-origin",
                    "strict-transport-security",
                    "x-content-type-options",
                ],
            ),
            (
                "a refused cross-site form post",
                &[
                    (":method", "POST"),
                    ("origin", "https://evil.example"),
                    ("sec-fetch-site", "cross-site"),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                403,
                &["strict-transport-security", "x-content-type-options"],
                &[],
            ),
        ];
        for (name, request, status, want, absent) in cases {
            let mut request = lines(request);
            request.extend(lines(&https));
            let mut out = on_request(policy, Headers::new(&request));
            let state = out.state.clone();
            let reply = out.reply.as_mut().unwrap_or_else(|| panic!("{name}: no local reply"));
            assert_eq!(reply.status, *status, "{name}");
            complete_reply(policy, &state, reply);
            let mut headers = sent(reply);
            for h in *want {
                assert!(value(&headers, h).is_some(), "{name}: {h} missing from {headers:?}");
            }
            for h in *absent {
                assert!(value(&headers, h).is_none(), "{name}: {h} in {headers:?}");
            }
            if want.contains(&"x-content-type-options") {
                assert_eq!(
                    value(&headers, "x-content-type-options"),
                    Some(&b"nosniff"[..]),
                    "{name}"
                );
            }
            if !reply.body.is_empty() && value(&headers, "content-type").is_none() {
                headers.push(("content-type".into(), b"text/plain".to_vec()));
            }
            assert_eq!(
                on_response(policy, &state, Headers::new(&headers)),
                vec![],
                "{name}: edits left"
            );
        }
    }

    /// A body without a content-type is planned for as Envoy sends it, text/plain: no
    /// HTML-only header on it.
    #[test]
    fn a_body_without_content_type_is_text_plain() {
        let config = config::load(br#"{}"#).unwrap();
        let policy = &config.default;
        let state = ExchangeState::default();
        let mut reply = LocalReply {
            status: 400,
            headers: vec![],
            body: b"bad request"[..].into(),
        };
        complete_reply(policy, &state, &mut reply);
        let headers = sent(&reply);
        assert!(value(&headers, "x-content-type-options").is_some());
        assert!(value(&headers, "content-security-policy").is_none(), "{headers:?}");
        let mut html = LocalReply {
            status: 400,
            headers: vec![("content-type".into(), b"text/html"[..].into())],
            body: b"<p>bad</p>"[..].into(),
        };
        complete_reply(policy, &state, &mut html);
        assert!(value(&sent(&html), "content-security-policy").is_some());
    }
}
