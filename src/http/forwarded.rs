//! Whether a request reached the edge over HTTPS: its `:scheme`, or a trusted
//! forwarded-proto header (`x-forwarded-proto`), whose first element is the scheme the
//! client used (each proxy in a chain appends its own hop's).
//!
//! Trusting it by default is safe for HSTS: a forged `https` can at worst put HSTS on a
//! plain-HTTP response, which browsers ignore (RFC 6797 §8.1). Not trusting it would
//! silently drop HSTS behind every load balancer that terminates TLS in front of Envoy.

use super::header_view::Headers;
use super::list::first_element;

/// The scheme a forwarded-proto header `name` reports: the first element of its first
/// line, trimmed (`None` without the header).
pub fn forwarded_proto<'a>(request: Headers<'a>, name: &str) -> Option<&'a [u8]> {
    request.get(name).map(first_element)
}

/// True when the header's first element (the proxy nearest the client) is `https`.
pub fn forwarded_https(value: &[u8]) -> bool {
    first_element(value).eq_ignore_ascii_case(b"https")
}

/// Whether the request reached the edge over HTTPS: `:scheme` says so, or the trusted
/// forwarded-proto header `forwarded` (when there is one) does.
pub fn came_over_https(request: Headers<'_>, forwarded: Option<&str>) -> bool {
    request.get(":scheme") == Some(b"https")
        || forwarded.is_some_and(|name| request.get(name).is_some_and(forwarded_https))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_element_decides() {
        let cases: &[(&[u8], bool)] = &[
            (b"https", true),
            (b"HTTPS", true),
            (b" https ", true),
            (b"https, http", true),
            (b"http", false),
            (b"http, https", false),
            (b"", false),
            (b"httpsx", false),
            (&[0xff, 0xfe], false),
        ];
        for (value, want) in cases {
            assert_eq!(forwarded_https(value), *want, "{:?}", String::from_utf8_lossy(value));
        }
    }
}
