//! `Vary`: a response whose CORS headers depend on a request header must say so,
//! or a shared cache hands one origin's answer to another (Fetch §CORS protocol
//! and HTTP caches). Added to what the upstream sent, never replacing it.

use crate::exchange::HeaderOp;
use crate::http::list::list_elements;
use crate::http::token::is_token;
use crate::http::Headers;
use std::borrow::Cow;

pub const ORIGIN: &str = "Origin";

/// The `Vary` of a preflight reply, built once at load. The answer depends on the
/// requested method and headers, and on the Origin unless every origin gets `*`.
pub fn preflight(origin_varies: bool, private_network: bool) -> String {
    let mut names = Vec::with_capacity(4);
    if origin_varies {
        names.push(ORIGIN);
    }
    names.push("Access-Control-Request-Method");
    names.push("Access-Control-Request-Headers");
    if private_network {
        names.push("Access-Control-Request-Private-Network");
    }
    names.join(", ")
}

/// The edit that makes the response's `Vary` list `name`, or `None` when it already
/// does (in any case) or is `*`. The upstream's elements are kept, in order, in one
/// line: the plainest form for every cache and CDN to parse, however the upstream split it.
/// If an upstream element is not a field name, its bytes are not copied into a header
/// we write (they could carry CR/LF); `name` is then added as a line of its own.
pub fn append(response: Headers<'_>, name: &'static str) -> Option<HeaderOp<'static>> {
    let mut merged: Vec<u8> = Vec::new();
    let (mut copyable, mut lines) = (true, 0);
    for line in response.get_all("vary") {
        lines += 1;
        for element in list_elements(line) {
            if element == b"*" || element.eq_ignore_ascii_case(name.as_bytes()) {
                return None;
            }
            copyable &= is_token(element);
            if !merged.is_empty() {
                merged.extend_from_slice(b", ");
            }
            merged.extend_from_slice(element);
        }
    }
    // No `Vary` at all: one added line is the same result as a set, and the cheaper
    // host call (docs/performance.md).
    if !copyable || lines == 0 {
        return Some(HeaderOp::Add(Cow::Borrowed("vary"), Cow::Borrowed(name.as_bytes())));
    }
    let value = if merged.is_empty() {
        Cow::Borrowed(name.as_bytes())
    } else {
        merged.extend_from_slice(b", ");
        merged.extend_from_slice(name.as_bytes());
        Cow::Owned(merged)
    };
    Some(HeaderOp::Set(Cow::Borrowed("vary"), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Header;

    fn vary_after(lines: &[&str]) -> Option<String> {
        let h: Vec<Header> = lines
            .iter()
            .map(|v| ("vary".to_string(), v.as_bytes().to_vec()))
            .collect();
        append(Headers::new(&h), ORIGIN).map(|op| match op {
            HeaderOp::Set(n, v) if n == "vary" && !lines.is_empty() => String::from_utf8_lossy(&v).into_owned(),
            HeaderOp::Add(n, v) if n == "vary" && lines.is_empty() => String::from_utf8_lossy(&v).into_owned(),
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn invalid_upstream_bytes_are_never_copied() {
        let h: Vec<Header> = vec![("vary".to_string(), b"Accept\r\nX-Evil: 1".to_vec())];
        assert_eq!(
            append(Headers::new(&h), ORIGIN),
            Some(HeaderOp::Add(Cow::Borrowed("vary"), Cow::Borrowed(&b"Origin"[..])))
        );
    }

    #[test]
    fn merge_table() {
        let rows: &[(&str, &[&str], Option<&str>)] = &[
            ("none", &[], Some("Origin")),
            ("other name", &["Accept-Encoding"], Some("Accept-Encoding, Origin")),
            (
                "two lines",
                &["Accept-Encoding", "Accept-Language"],
                Some("Accept-Encoding, Accept-Language, Origin"),
            ),
            (
                "list with spaces",
                &[" Accept-Encoding ,  Cookie"],
                Some("Accept-Encoding, Cookie, Origin"),
            ),
            ("already there", &["Accept-Encoding, Origin"], None),
            ("already there, other case", &["accept-encoding", "ORIGIN"], None),
            ("star", &["*"], None),
            ("star in a list", &["Accept-Encoding, *"], None),
            ("empty line", &[""], Some("Origin")),
            ("empty elements", &[", ,Cookie,"], Some("Cookie, Origin")),
            (
                "origin as a prefix is not origin",
                &["Origin-Agent"],
                Some("Origin-Agent, Origin"),
            ),
        ];
        for (name, lines, want) in rows {
            assert_eq!(vary_after(lines).as_deref(), *want, "{name}");
        }
        let h: Vec<Header> = vec![("vary".into(), b"x-\xff".to_vec())];
        assert!(append(Headers::new(&h), ORIGIN).is_some(), "non-UTF-8 kept, no panic");
    }

    #[test]
    fn preflight_vary() {
        assert_eq!(
            preflight(true, false),
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        );
        assert_eq!(
            preflight(true, true),
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
        );
        assert_eq!(
            preflight(false, false),
            "Access-Control-Request-Method, Access-Control-Request-Headers"
        );
    }
}
