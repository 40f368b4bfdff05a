//! What the request steps decide together, and what the response phase may know of it.

use super::counter::Counter;
use super::counter::Counters;
use super::reply::LocalReply;
use std::borrow::Cow;

/// The request phase's decision so far, shared by its steps in pipeline order: each
/// step adds counters, may refuse (see [`refusal`]) or answer, and sees what the
/// earlier steps decided.
#[derive(Debug, Default)]
pub struct Outcome<'p> {
    /// The request arrived over HTTPS (`:scheme`, or a trusted forwarded-proto header).
    pub https: bool,
    pub reply: Option<LocalReply<'p>>,
    pub counters: Counters,
    pub blocked: Option<Blocked>,
}

impl<'p> Outcome<'p> {
    /// Answers the request locally (the first answer wins).
    pub fn answer(&mut self, reply: LocalReply<'p>) {
        if self.reply.is_none() {
            self.reply = Some(reply);
        }
    }

    /// Whether a step answered the request itself (preflight, redirect, refusal): the
    /// later steps then leave it alone.
    pub fn answered(&self) -> bool {
        self.reply.is_some()
    }

    /// What the response phase may know of this request.
    pub fn exchange(&self) -> Exchange {
        Exchange {
            https: self.https,
            answered: self.answered(),
        }
    }
}

/// What every feature's response phase may know of the request phase. Owned, so it
/// can live in the stream context next to the policy `Rc`; a feature that needs to
/// remember more keeps its own state (the pipeline stores it next to this).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exchange {
    /// The request arrived over HTTPS.
    pub https: bool,
    /// The filter answered the request itself (preflight, redirect, refusal).
    pub answered: bool,
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

impl<'p> Outcome<'p> {
    /// Records a refusal: counts it, keeps it for the log line unless an earlier step
    /// refused already (one line per request), and answers with `reply`, if any.
    pub fn refuse(&mut self, blocked: Blocked, counter: Option<Counter>, reply: Option<LocalReply<'p>>) {
        if let Some(c) = counter {
            self.counters.add(c);
        }
        self.blocked.get_or_insert(blocked);
        if let Some(reply) = reply {
            self.answer(reply);
        }
    }
}
