//! The per-request decision record: which policy decided, what it did and why. The host
//! glue stores it where the proxy's access log can read it (docs/observability.md, "The
//! decision in the access log").

use super::outcome::Blocked;
use std::borrow::Cow;

/// What the filter did with a request (the access log's `verdict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Forwarded, nothing refused.
    Allowed,
    /// Answered by the filter without refusing: a granted CORS preflight.
    Answered,
    /// Answered with a redirect to HTTPS.
    Redirected,
    /// Refused: answered with an error, or (a disallowed CORS origin) forwarded without
    /// CORS headers.
    Blocked,
    /// A report-only check would have refused it; nothing changed on the wire.
    WouldBlock,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Allowed => "allowed",
            Disposition::Answered => "answered",
            Disposition::Redirected => "redirected",
            Disposition::Blocked => "blocked",
            Disposition::WouldBlock => "would_block",
        }
    }

    /// The verdict of a request phase: its refusal, if any, decides; else whether it was
    /// answered, and with a redirect.
    pub fn of(blocked: Option<&Blocked>, answered: bool, redirected: bool) -> Disposition {
        match blocked {
            Some(b) if b.report_only => Disposition::WouldBlock,
            Some(_) => Disposition::Blocked,
            None if redirected => Disposition::Redirected,
            None if answered => Disposition::Answered,
            None => Disposition::Allowed,
        }
    }
}

/// The record of one request's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'a> {
    /// `default` or the rule's name.
    pub policy: &'a str,
    pub verdict: Disposition,
    /// For a refusal (or a report-only one): what refused and why, e.g.
    /// `cors preflight: origin not allowed`.
    pub reason: Option<Cow<'a, str>>,
}

impl<'a> Decision<'a> {
    pub fn new(policy: &'a str, verdict: Disposition, blocked: Option<&'a Blocked>) -> Self {
        Decision {
            policy,
            verdict,
            reason: blocked.map(|b| Cow::Owned(format!("{}: {}", b.kind, b.reason))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let refused = Blocked {
            kind: "csrf",
            reason: "cross-site request".into(),
            report_only: false,
        };
        let shadow = Blocked {
            report_only: true,
            ..refused.clone()
        };
        let cases = [
            (None, false, false, "allowed"),
            (None, true, false, "answered"),
            (None, true, true, "redirected"),
            (Some(&refused), true, false, "blocked"),
            // A disallowed CORS origin is forwarded, yet refused.
            (Some(&refused), false, false, "blocked"),
            (Some(&shadow), false, false, "would_block"),
        ];
        for (blocked, answered, redirected, want) in cases {
            assert_eq!(
                Disposition::of(blocked, answered, redirected).as_str(),
                want,
                "{blocked:?} {answered}"
            );
        }
        let d = Decision::new("api", Disposition::Blocked, Some(&refused));
        assert_eq!(d.reason.as_deref(), Some("csrf: cross-site request"));
        assert_eq!(Decision::new("api", Disposition::Allowed, None).reason, None);
    }
}
