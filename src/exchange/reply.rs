//! A response the filter sends itself.

use std::borrow::Cow;

/// A response the filter sends itself instead of forwarding the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalReply<'a> {
    pub status: u32,
    pub headers: Vec<(Cow<'a, str>, Cow<'a, [u8]>)>,
    pub body: Cow<'a, [u8]>,
}
