//! Edits of the response headers, applied in order by the glue.

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
