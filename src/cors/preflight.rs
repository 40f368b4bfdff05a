//! Preflight requests (README.md, "CORS: On the wire"): recognized exactly as Fetch sends them and answered
//! by the filter, never forwarded: an upstream that sees a preflight can only leak
//! the policy or act on it. Allowed only when the origin, the method and every
//! requested header are; a refusal advertises nothing.

use super::names::*;
use super::CorsPolicy;
use crate::exchange::LocalReply;
use crate::http::{loggable, Headers};
use std::borrow::Cow;

/// `OPTIONS` with a non-empty `Origin` and a non-empty `Access-Control-Request-Method`.
/// Any other `OPTIONS` is an ordinary request for the upstream.
pub fn is_preflight(request: Headers<'_>) -> bool {
    request.get(":method") == Some(b"OPTIONS")
        && request.get(ORIGIN).is_some_and(|o| !o.is_empty())
        && request.get(REQUEST_METHOD).is_some_and(|m| !m.is_empty())
}

/// What the reply to an allowed preflight grants.
#[derive(Debug)]
pub struct Grant<'p> {
    origin: Cow<'p, [u8]>,
    methods: Cow<'p, [u8]>,
    headers: Option<Cow<'p, [u8]>>,
    private_network: bool,
}

/// Allowed, or the reason for the log. Checks in Fetch's order: origin, method, headers.
pub fn decide<'p>(policy: &'p CorsPolicy, request: Headers<'_>) -> Result<Grant<'p>, Cow<'static, str>> {
    // A repeated Origin is no browser's: refused, whatever its values.
    let origin = match request.single(ORIGIN) {
        Ok(Some(o)) if policy.allows_origin(o) => o,
        _ => return Err(Cow::Borrowed("origin not allowed")),
    };
    let methods = match request.single(REQUEST_METHOD) {
        Ok(Some(m)) => policy
            .methods
            .allow(m)
            .ok_or_else(|| format!("method not allowed: {}", loggable(m, 100)))?,
        _ => {
            return Err(Cow::Borrowed(
                "method not allowed: repeated access-control-request-method",
            ))
        }
    };
    let headers = policy.headers.allow(request)?;
    // Requested but not enabled: answered without the grant and left to the browser
    // (Chrome only warns in its PNA warning mode; refusing would break the CORS part).
    let private_network = policy.private_network && request.get(REQUEST_PRIVATE_NETWORK) == Some(b"true");
    let origin = if policy.any_origin() {
        Cow::Borrowed(&b"*"[..])
    } else {
        Cow::Owned(origin.to_vec())
    };
    Ok(Grant {
        origin,
        methods,
        headers,
        private_network,
    })
}

type Line<'p> = (Cow<'p, str>, Cow<'p, [u8]>);

fn line<'p>(name: &'static str, value: impl Into<Cow<'p, [u8]>>) -> Line<'p> {
    (Cow::Borrowed(name), value.into())
}

/// `preflight_status` with the full grant. `Content-Length: 0` for Safari, which
/// otherwise waits for a body.
pub fn allowed_reply<'p>(policy: &'p CorsPolicy, grant: Grant<'p>) -> LocalReply<'p> {
    let mut headers = Vec::with_capacity(8);
    headers.push(line(ALLOW_ORIGIN, grant.origin));
    if !grant.methods.is_empty() {
        headers.push(line(ALLOW_METHODS, grant.methods));
    }
    if let Some(h) = grant.headers {
        headers.push(line(ALLOW_HEADERS, h));
    }
    if policy.credentials {
        headers.push(line(ALLOW_CREDENTIALS, &b"true"[..]));
    }
    if let Some(m) = &policy.max_age {
        headers.push(line(MAX_AGE, m.as_bytes()));
    }
    if grant.private_network {
        headers.push(line(ALLOW_PRIVATE_NETWORK, &b"true"[..]));
    }
    headers.push(line("vary", policy.preflight_vary.as_bytes()));
    headers.push(line("content-length", &b"0"[..]));
    LocalReply {
        status: policy.preflight_status,
        headers,
        body: Cow::Borrowed(b""),
    }
}

/// 403 without any `Access-Control-*`: the browser fails the preflight, and the
/// policy is not advertised to an origin it refuses.
pub fn rejected_reply(policy: &CorsPolicy) -> LocalReply<'_> {
    LocalReply {
        status: 403,
        headers: vec![
            line("vary", policy.preflight_vary.as_bytes()),
            line("content-length", &b"0"[..]),
        ],
        body: Cow::Borrowed(b""),
    }
}
