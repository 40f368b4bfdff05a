//! The exchange vocabulary: what the features and the pipeline say to each other and
//! to the host glue. Header edits, local replies, refusals, counters, and what the
//! response phase may know of the request phase. A leaf: it knows no feature.

pub mod counter;
pub mod refusal;
pub mod route;

pub use counter::{metric_segment, Counter, Counters};
pub use refusal::{blocked_line, Blocked};
pub use route::RouteInfo;
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
