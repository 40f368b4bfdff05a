//! How a step refuses a request, the same way for CORS and hardening: a counter, a log
//! line (the first refusal of a request has it), and a local reply unless the step is
//! report-only. Hardening checks answer with a short plain-text reply.

use super::counter::Counter;
use super::outcome::{Blocked, Outcome};
use super::reply::LocalReply;
use super::route::RouteInfo;
use crate::http::{loggable, Headers};
use std::borrow::Cow;

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

/// The result of a request check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Refused, with the reason for the log.
    Refuse(&'static str),
}

/// A local reply with a short `text/plain` body. No CORS headers: a refusal does not
/// advertise any policy.
pub fn text(status: u32, body: &'static str) -> LocalReply<'static> {
    LocalReply {
        status,
        headers: vec![(Cow::Borrowed("content-type"), Cow::Borrowed(&b"text/plain"[..]))],
        body: Cow::Borrowed(body.as_bytes()),
    }
}

/// What a refusing check says on the wire and in the log.
pub struct Refusal {
    pub kind: &'static str,
    pub counter: Option<Counter>,
    pub status: u32,
    pub body: &'static str,
}

/// Records a refusal: counts it, notes it for the (rate-limited) log, and answers the
/// request unless the check is report-only (`enforce: false`).
pub fn refuse(out: &mut Outcome<'_>, refusal: &Refusal, reason: &'static str, enforce: bool) {
    let blocked = Blocked {
        kind: refusal.kind,
        reason: Cow::Borrowed(reason),
        report_only: !enforce,
    };
    out.refuse(
        blocked,
        refusal.counter,
        enforce.then(|| text(refusal.status, refusal.body)),
    );
}

/// A request check's hook: skipped once an earlier step answered the request; a
/// refusal is recorded by [`refuse`].
pub fn gate<'p>(out: &mut Outcome<'p>, refusal: &Refusal, enforce: bool, check: impl FnOnce() -> Verdict) {
    if out.answered() {
        return;
    }
    if let Verdict::Refuse(reason) = check() {
        refuse(out, refusal, reason, enforce);
    }
}

/// Runs a check's hook on one request it refuses, under an enforced and a report-only
/// policy: the first is answered as `want` says, both are counted and logged.
#[cfg(test)]
pub fn assert_refusal<P>(
    enforced: &P,
    report_only: &P,
    hook: impl for<'p> Fn(&'p P, &mut Outcome<'p>),
    want: &Refusal,
) {
    for (policy, report) in [(enforced, false), (report_only, true)] {
        let mut out = Outcome::default();
        hook(policy, &mut out);
        if report {
            assert!(out.reply.is_none(), "report-only: nothing on the wire");
        } else {
            assert_eq!(out.reply, Some(text(want.status, want.body)));
        }
        if let Some(c) = want.counter {
            assert!(out.counters.contains(c), "{c:?} counted");
        }
        let blocked = out.blocked.expect("logged");
        assert_eq!((blocked.kind, blocked.report_only), (want.kind, report));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Refusal = Refusal {
        kind: "csrf",
        counter: Some(Counter::CsrfBlocked),
        status: 403,
        body: "Forbidden\n",
    };

    #[test]
    fn enforced_refusal_answers_counts_and_logs() {
        let mut out = Outcome::default();
        refuse(&mut out, &R, "why", true);
        let reply = out.reply.clone().unwrap();
        assert_eq!(reply.status, 403);
        assert_eq!(reply.headers, vec![("content-type".into(), b"text/plain"[..].into())]);
        assert_eq!(&*reply.body, b"Forbidden\n");
        assert!(out.answered());
        assert!(out.counters.contains(Counter::CsrfBlocked));
        let b = out.blocked.unwrap();
        assert_eq!((b.kind, &*b.reason, b.report_only), ("csrf", "why", false));
    }

    #[test]
    fn report_only_counts_and_logs_but_answers_nothing() {
        let mut out = Outcome::default();
        refuse(&mut out, &R, "why", false);
        assert!(out.reply.is_none());
        assert!(!out.answered());
        assert!(out.counters.contains(Counter::CsrfBlocked));
        assert!(out.blocked.unwrap().report_only);
    }

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
}
