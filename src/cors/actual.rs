//! The CORS headers of every response but our own preflight replies: upstream
//! responses to actual requests and Envoy's local replies (404, 503, ...). On a CORS
//! route the filter owns the `Access-Control-*` response headers: it sets what the
//! policy grants (one line each) and removes whatever else the upstream set.

use super::names::*;
use super::{vary, CorsPolicy};
use crate::exchange::HeaderOp;
use crate::http::Headers;
use std::borrow::Cow;

/// `allow_origin`: the `Access-Control-Allow-Origin` value when the request's origin
/// is allowed (`*` or the origin), `None` when it is not or there was none.
pub fn edit<'a>(
    policy: &'a CorsPolicy,
    allow_origin: Option<&'a [u8]>,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'a>>,
) {
    let mut granted: [Option<(&'static str, &'a [u8])>; 3] = [None; 3];
    if let Some(origin) = allow_origin {
        granted[0] = Some((ALLOW_ORIGIN, origin));
        if policy.credentials {
            granted[1] = Some((ALLOW_CREDENTIALS, b"true"));
        }
        granted[2] = policy.expose.as_deref().map(|e| (EXPOSE_HEADERS, e.as_bytes()));
    }
    for name in RESPONSE_HEADERS {
        match granted.iter().flatten().find(|(n, _)| *n == name) {
            Some((_, value)) => set(ops, response, name, value),
            None if response.contains(name) => ops.push(HeaderOp::Remove(Cow::Borrowed(name))),
            None => {}
        }
    }
    // Any other `Access-Control-*` the upstream set (e.g. `-Allow-Local-Network`) goes
    // too: a grant is ours to make. Rare, so the owned name costs nothing in practice.
    let mut others: Vec<&str> = Vec::new();
    for (name, _) in response.iter() {
        let b = name.as_bytes();
        let lower_prefix = b.len() > PREFIX.len() && b[..PREFIX.len()].eq_ignore_ascii_case(PREFIX.as_bytes());
        if lower_prefix
            && !RESPONSE_HEADERS.iter().any(|n| n.eq_ignore_ascii_case(name))
            && !others.iter().any(|o| o.eq_ignore_ascii_case(name))
        {
            others.push(name);
        }
    }
    ops.extend(
        others
            .into_iter()
            .map(|n| HeaderOp::Remove(Cow::Owned(n.to_ascii_lowercase()))),
    );
    // A `*` policy answers every request alike: nothing to vary on.
    if !policy.any_origin() {
        ops.extend(vary::append(response, vary::ORIGIN));
    }
}

const PREFIX: &str = "access-control-";

/// Replaces every line of `name`, unless the upstream already sent exactly this one line;
/// adds it when the upstream sent none (the same result, and the cheaper host call:
/// docs/performance.md).
fn set<'a>(ops: &mut Vec<HeaderOp<'a>>, response: Headers<'_>, name: &'static str, value: &'a [u8]) {
    match response.count(name) {
        0 => ops.push(HeaderOp::Add(Cow::Borrowed(name), Cow::Borrowed(value))),
        1 if response.get(name) == Some(value) => {}
        _ => ops.push(HeaderOp::Set(Cow::Borrowed(name), Cow::Borrowed(value))),
    }
}
