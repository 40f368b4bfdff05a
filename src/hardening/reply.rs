//! How a hardening check refuses a request: a short plain-text local reply, a counter
//! and a log line, or only the counter and log line when the check is report-only.

use crate::engine::{Blocked, Counter, LocalReply, RequestOutcome};
use std::borrow::Cow;

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
pub fn refuse(out: &mut RequestOutcome<'_>, refusal: &Refusal, reason: &'static str, enforce: bool) {
    if let Some(c) = refusal.counter {
        out.counters.add(c);
    }
    if out.blocked.is_none() {
        out.blocked = Some(Blocked {
            kind: refusal.kind,
            reason: Cow::Borrowed(reason),
            report_only: !enforce,
        });
    }
    if enforce {
        out.answer(text(refusal.status, refusal.body));
    }
}

/// A request check's hook: skipped once an earlier step answered the request; a
/// refusal is recorded by [`refuse`].
pub fn gate<'p>(out: &mut RequestOutcome<'p>, refusal: &Refusal, enforce: bool, check: impl FnOnce() -> Verdict) {
    if out.reply.is_some() {
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
    hook: impl for<'p> Fn(&'p P, &mut RequestOutcome<'p>),
    want: &Refusal,
) {
    for (policy, report) in [(enforced, false), (report_only, true)] {
        let mut out = RequestOutcome::default();
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
        let mut out = RequestOutcome::default();
        refuse(&mut out, &R, "why", true);
        let reply = out.reply.unwrap();
        assert_eq!(reply.status, 403);
        assert_eq!(reply.headers, vec![("content-type".into(), b"text/plain"[..].into())]);
        assert_eq!(&*reply.body, b"Forbidden\n");
        assert!(out.state.answered);
        assert!(out.counters.contains(Counter::CsrfBlocked));
        let b = out.blocked.unwrap();
        assert_eq!((b.kind, &*b.reason, b.report_only), ("csrf", "why", false));
    }

    #[test]
    fn report_only_counts_and_logs_but_answers_nothing() {
        let mut out = RequestOutcome::default();
        refuse(&mut out, &R, "why", false);
        assert!(out.reply.is_none());
        assert!(!out.state.answered);
        assert!(out.counters.contains(Counter::CsrfBlocked));
        assert!(out.blocked.unwrap().report_only);
    }
}
