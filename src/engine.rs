//! The per-request pipeline in pure code: request headers in, a decision out;
//! response headers in, header edits out. The glue only fetches and applies.

use crate::policy::RoutePolicy;
use crate::request::{loggable, Headers};
use crate::rules::RouteInfo;
use crate::{cors, hardening, headers};
use std::borrow::Cow;

/// An edit of the response headers, applied in order by the glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderOp<'a> {
    /// Replace every line of `name` with one line.
    Set(Cow<'a, str>, Cow<'a, [u8]>),
    /// Append one more line.
    Add(Cow<'a, str>, Cow<'a, [u8]>),
    /// Remove every line of `name`.
    Remove(Cow<'a, str>),
}

/// Whether a value read from a message may be written back into a header: never CR,
/// LF or NUL (Envoy's codecs refuse them, so only a misbehaving host hands us one, but
/// copying one would be header injection).
pub fn writable(value: &[u8]) -> bool {
    !value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// A response the filter sends itself instead of forwarding the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalReply<'a> {
    pub status: u32,
    pub headers: Vec<(Cow<'a, str>, Cow<'a, [u8]>)>,
    pub body: Cow<'a, [u8]>,
}

/// Counters kept per route policy (Envoy shows them as
/// `wasmcustom.edge_shield.<policy>.<counter>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Counter {
    Requests,
    PreflightAllowed,
    PreflightRejected,
    ActualAllowed,
    ActualBlocked,
    NoOrigin,
    HttpsRedirected,
    CsrfBlocked,
    WebsocketBlocked,
    /// Route or virtual-host metadata named a policy the configuration does not define.
    UnknownPolicy,
}

impl Counter {
    pub const ALL: [Counter; 10] = [
        Counter::Requests,
        Counter::PreflightAllowed,
        Counter::PreflightRejected,
        Counter::ActualAllowed,
        Counter::ActualBlocked,
        Counter::NoOrigin,
        Counter::HttpsRedirected,
        Counter::CsrfBlocked,
        Counter::WebsocketBlocked,
        Counter::UnknownPolicy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Counter::Requests => "requests",
            Counter::PreflightAllowed => "cors_preflight_allowed",
            Counter::PreflightRejected => "cors_preflight_rejected",
            Counter::ActualAllowed => "cors_actual_allowed",
            Counter::ActualBlocked => "cors_actual_blocked",
            Counter::NoOrigin => "cors_no_origin",
            Counter::HttpsRedirected => "https_redirected",
            Counter::CsrfBlocked => "csrf_blocked",
            Counter::WebsocketBlocked => "websocket_blocked",
            Counter::UnknownPolicy => "unknown_policy",
        }
    }

    /// The full metric name: `edge_shield.<plugin>.<policy>.<counter>`. The plugin
    /// name (Envoy's filter config `name`, sanitized) keeps apart the counters of several
    /// filter instances sharing one VM (one instance per policy, switched per route).
    pub fn metric_name(self, plugin: &str, policy: &str) -> String {
        format!("edge_shield.{}.{policy}.{}", metric_segment(plugin), self.name())
    }
}

/// A metric name segment: characters other than `A-Za-z0-9_-` become `_` (a `.` would
/// split the name in Envoy's stats tree, e.g. Istio's `<namespace>.<name>` plugin names).
pub fn metric_segment(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "edge_shield".to_string()
    } else {
        s
    }
}

/// A small set of counters to bump, without allocating.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters(u32);

impl Counters {
    pub fn add(&mut self, c: Counter) {
        self.0 |= 1 << (c as u8);
    }
    pub fn contains(&self, c: Counter) -> bool {
        self.0 & (1 << (c as u8)) != 0
    }
    pub fn iter(self) -> impl Iterator<Item = Counter> {
        Counter::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

/// A request edge-shield blocked (or, report-only, would have blocked), for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// What refused it, e.g. `cors preflight`, `csrf`.
    pub kind: &'static str,
    /// Why, e.g. `origin not allowed`.
    pub reason: Cow<'static, str>,
    /// True when the policy is report-only and nothing was changed on the wire.
    pub report_only: bool,
}

/// The log line for a blocked request: what, why, and the request's origin, method,
/// path and route, each escaped and truncated (they are attacker-controlled).
pub fn blocked_line(b: &Blocked, request: Headers<'_>, route: &RouteInfo<'_>, policy: &str) -> String {
    let verb = if b.report_only {
        "would block (report-only)"
    } else {
        "blocked"
    };
    let field = |name: &str| loggable(request.get(name).unwrap_or_default(), 200);
    format!(
        "edge-shield: {verb} {kind}: {reason}; origin=\"{origin}\" method=\"{method}\" path=\"{path}\" route=\"{route}\" policy={policy}",
        kind = b.kind,
        reason = b.reason,
        origin = field("origin"),
        method = field(":method"),
        path = loggable(route.path, 200),
        route = loggable(route.route_name.unwrap_or_default().as_bytes(), 100),
    )
}

/// What the response phase needs to remember from the request phase. Owned, so it
/// can live in the stream context next to the policy `Rc`.
#[derive(Debug, Clone, Default)]
pub struct ExchangeState {
    /// The request arrived over HTTPS (`:scheme`, or a trusted forwarded-proto header).
    pub https: bool,
    /// The filter answered the request itself (preflight, redirect, refusal).
    pub answered: bool,
    /// What the CORS phase found (origin allowed or not, preflight answered, ...).
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

impl<'p> RequestOutcome<'p> {
    /// Answers the request locally (the first answer wins).
    pub fn answer(&mut self, reply: LocalReply<'p>) {
        if self.reply.is_none() {
            self.state.answered = true;
            self.reply = Some(reply);
        }
    }
}

/// Decides what to do with a request on a route whose policy is `policy`.
///
/// Order matters: an HTTPS redirect needs no other check; the WebSocket and CSRF
/// refusals come before CORS answers a preflight; each step sees the earlier ones'
/// outcome and does nothing once the request is answered.
pub fn on_request<'p>(policy: &'p RoutePolicy, request: Headers<'_>) -> RequestOutcome<'p> {
    let mut out = RequestOutcome::default();
    out.counters.add(Counter::Requests);
    out.state.https = request.get(":scheme") == Some(b"https");
    if let Some(h) = &policy.headers {
        headers::on_request(h, request, &mut out);
    }
    if let Some(p) = &policy.https_redirect {
        hardening::https_redirect::on_request(p, request, &mut out);
    }
    if let Some(p) = &policy.websocket {
        hardening::websocket::on_request(p, policy.cors.as_deref(), request, &mut out);
    }
    if let Some(p) = &policy.csrf {
        hardening::csrf::on_request(p, policy.cors.as_deref(), request, &mut out);
    }
    if let Some(p) = &policy.cors {
        cors::on_request(p, request, &mut out);
    }
    out
}

/// The header edits for a response, given what the request phase found. Also runs
/// for Envoy's own local replies and ours, and for responses whose request phase
/// never ran (then `state` is the default and `policy` the top-level one).
pub fn on_response<'a>(policy: &'a RoutePolicy, state: &'a ExchangeState, response: Headers<'_>) -> Vec<HeaderOp<'a>> {
    let mut ops = Vec::new();
    if let Some(p) = &policy.cors {
        cors::on_response(p, state, response, &mut ops);
    }
    if let Some(p) = &policy.headers {
        headers::on_response(p, state, response, &mut ops);
    }
    if let Some(p) = &policy.cookies {
        hardening::cookies::on_response(p, state, response, &mut ops);
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_line_escapes_attacker_input() {
        let lines: Vec<(String, Vec<u8>)> = vec![
            (":method".into(), b"OPTIONS".to_vec()),
            ("origin".into(), b"https://evil.example\r\nfake: line".to_vec()),
        ];
        let b = Blocked {
            kind: "cors preflight",
            reason: "origin not allowed".into(),
            report_only: false,
        };
        let route = RouteInfo {
            route_name: Some("api"),
            authority: b"x",
            path: b"/a\"b",
        };
        let line = blocked_line(&b, Headers::new(&lines), &route, "default");
        assert_eq!(
            line,
            "edge-shield: blocked cors preflight: origin not allowed; origin=\"https://evil.example\\r\\nfake: line\" method=\"OPTIONS\" path=\"/a\\\"b\" route=\"api\" policy=default"
        );
    }

    #[test]
    fn counters_set() {
        let mut c = Counters::default();
        c.add(Counter::Requests);
        c.add(Counter::WebsocketBlocked);
        c.add(Counter::Requests);
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            vec![Counter::Requests, Counter::WebsocketBlocked]
        );
        assert_eq!(
            Counter::PreflightAllowed.metric_name("edge-shield", "default"),
            "edge_shield.edge-shield.default.cors_preflight_allowed"
        );
        assert_eq!(
            Counter::Requests.metric_name("istio-system.edge shield", "rule0"),
            "edge_shield.istio-system_edge_shield.rule0.requests"
        );
        assert_eq!(metric_segment(""), "edge_shield");
    }
}
