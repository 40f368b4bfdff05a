//! Origins (`scheme://host[:port]`) as bytes, two ways: [`split`] takes only the exact
//! shape browsers send, for CORS pattern matching; [`parse_origin`] is lenient about
//! case, for comparing a request's `Origin` with its `:authority` ([`same_host`]).
//! Both split the host from the port with [`split_host`].

use super::authority::{split_host, split_host_port};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginParts<'a> {
    pub scheme: &'a [u8],
    /// A DNS name or IPv4 address (lower case), or a bracketed IPv6 address.
    pub host: &'a [u8],
    /// The digits after `:`, when there is a port.
    pub port: Option<&'a [u8]>,
}

/// Splits an origin in the exact shape browsers send (Fetch's serialization of a tuple
/// origin: lower-case `scheme://host[:port]`, no default port, no path); anything else
/// is not split, so patterns never match it (exact entries and regexes still compare
/// the raw bytes).
pub fn split(origin: &[u8]) -> Option<OriginParts<'_>> {
    let sep = origin.windows(3).position(|w| w == b"://")?;
    let scheme = &origin[..sep];
    if !is_scheme(scheme) {
        return None;
    }
    let (host, after) = split_host(&origin[sep + 3..])?;
    let host_ok = if host.first() == Some(&b'[') {
        is_ipv6_literal(host)
    } else {
        is_dns_name(host)
    };
    if !host_ok {
        return None;
    }
    let port = match after {
        [] => None,
        [b':', digits @ ..] if is_port(digits) => Some(digits),
        _ => return None,
    };
    Some(OriginParts { scheme, host, port })
}

/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`, lower case only (URL parsing lower-cases it).
pub fn is_scheme(s: &[u8]) -> bool {
    matches!(s.first(), Some(b'a'..=b'z'))
        && s.iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
}

/// Dot-separated non-empty labels of `a-z 0-9 - _` (browsers send hosts lower-cased
/// and IDNA-encoded, so anything else is not a host they send).
pub fn is_dns_name(s: &[u8]) -> bool {
    !s.is_empty() && s.split(|&b| b == b'.').all(is_label)
}

pub fn is_label(l: &[u8]) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `[` hex digits, `:` and `.` `]`, with at least one `:`.
pub fn is_ipv6_literal(s: &[u8]) -> bool {
    match s {
        [b'[', inner @ .., b']'] => {
            inner.contains(&b':')
                && inner
                    .iter()
                    .all(|&b| b.is_ascii_digit() || matches!(b, b'a'..=b'f' | b':' | b'.'))
        }
        _ => false,
    }
}

/// 1 to 5 digits without a leading zero, at most 65535.
pub fn is_port(s: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= 5
        && s[0] != b'0'
        && s.iter().all(u8::is_ascii_digit)
        && s.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= 65535
}

/// A serialized origin `scheme://host[:port]`, borrowed from a header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin<'a> {
    pub scheme: &'a [u8],
    pub host: &'a [u8],
    pub port: Option<u16>,
}

/// Parses `scheme://host[:port]`; `None` for anything else (`null`, paths, userinfo...).
pub fn parse_origin(value: &[u8]) -> Option<Origin<'_>> {
    let sep = value.windows(3).position(|w| w == b"://")?;
    let scheme = &value[..sep];
    let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return None;
    }
    let (host, port) = split_host_port(&value[sep + 3..])?;
    Some(Origin { scheme, host, port })
}

/// The port a scheme implies when the origin names none.
pub fn default_port(scheme: &[u8]) -> Option<u16> {
    if scheme.eq_ignore_ascii_case(b"https") || scheme.eq_ignore_ascii_case(b"wss") {
        Some(443)
    } else if scheme.eq_ignore_ascii_case(b"http") || scheme.eq_ignore_ascii_case(b"ws") {
        Some(80)
    } else {
        None
    }
}

/// Whether an `Origin` names the host the request was sent to: its host and port
/// equal `:authority`'s (the scheme is not compared, since behind a TLS-terminating proxy the request's own scheme is not the page's).
/// Malformed values and `null` never match.
pub fn same_host(origin: &[u8], authority: &[u8]) -> bool {
    let (Some(o), Some((host, port))) = (parse_origin(origin), split_host_port(authority)) else {
        return false;
    };
    if !o.host.eq_ignore_ascii_case(host) {
        return false;
    }
    let default = default_port(o.scheme);
    match port {
        Some(p) => o.port.or(default) == Some(p),
        None => o.port.is_none() || o.port == default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> Option<(String, String, Option<String>)> {
        split(s.as_bytes()).map(|p| {
            let st = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            (st(p.scheme), st(p.host), p.port.map(st))
        })
    }

    #[test]
    fn splits_serialized_origins() {
        let o = |s: &str, h: &str, p: Option<&str>| Some((s.to_string(), h.to_string(), p.map(String::from)));
        assert_eq!(parts("https://app.example.com"), o("https", "app.example.com", None));
        assert_eq!(parts("http://localhost:8080"), o("http", "localhost", Some("8080")));
        assert_eq!(parts("http://[::1]:3000"), o("http", "[::1]", Some("3000")));
        assert_eq!(parts("http://127.0.0.1"), o("http", "127.0.0.1", None));
        assert_eq!(
            parts("chrome-extension://abcdef"),
            o("chrome-extension", "abcdef", None)
        );
    }

    #[test]
    fn refuses_what_browsers_never_send() {
        for bad in [
            "",
            "null",
            "example.com",
            "HTTPS://app.example.com",
            "https://APP.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "https://user@app.example.com",
            "https://app.example.com.",
            "https://.example.com",
            "https://a..example.com",
            "https://app.example.com:",
            "https://app.example.com:08080",
            "https://app.example.com:65536",
            "https://app.example.com:http",
            "https://app.example.com:80:80",
            "http://[::1",
            "http://[zz]",
            "http://[::1]x",
            "https://exa mple.com",
            "https://\u{e9}.example.com",
            "://example.com",
            "1http://example.com",
        ] {
            assert_eq!(parts(bad), None, "{bad:?}");
        }
        assert_eq!(split(&[b'h', b't', b't', b'p', b':', b'/', b'/', 0xff]), None);
    }

    #[test]
    fn ports() {
        assert!(is_port(b"1") && is_port(b"65535") && is_port(b"8080"));
        assert!(!is_port(b"") && !is_port(b"0") && !is_port(b"65536") && !is_port(b"123456") && !is_port(b"8a"));
    }

    #[test]
    fn same_host_table() {
        // (Origin, :authority, same host and port)
        let rows: &[(&[u8], &[u8], bool)] = &[
            (b"https://app.example.com", b"app.example.com", true),
            (b"https://app.example.com", b"APP.Example.com", true),
            (b"http://app.example.com", b"app.example.com", true),
            (b"https://app.example.com", b"app.example.com:443", true),
            (b"http://app.example.com", b"app.example.com:80", true),
            (b"http://app.example.com", b"app.example.com:443", false),
            (b"https://app.example.com:8443", b"app.example.com:8443", true),
            (b"https://app.example.com:8443", b"app.example.com", false),
            (b"https://app.example.com", b"app.example.com:8443", false),
            (b"https://evil.example.com", b"app.example.com", false),
            (b"https://app.example.com.evil.net", b"app.example.com", false),
            (b"https://example.com", b"app.example.com", false),
            (b"http://[::1]:8080", b"[::1]:8080", true),
            (b"http://[::1]", b"[::1]:8080", false),
            (b"null", b"app.example.com", false),
            (b"", b"app.example.com", false),
            (b"https://app.example.com/", b"app.example.com", false),
            (b"https://user@app.example.com", b"app.example.com", false),
            (b"https://app.example.com", b"", false),
            (b"https://app.example.com", b"user@app.example.com", false),
            (b"https://app.example.com", b"app.example.com:", false),
            (b"https://app.example.com", b"app.example.com:99999", false),
            (b"https://\xffapp.example.com", b"\xffapp.example.com", false),
            (b"https://app.example.com\r\n", b"app.example.com\r\n", false),
            (b"chrome-extension://abcdef", b"abcdef", true),
        ];
        for (origin, authority, want) in rows {
            assert_eq!(
                same_host(origin, authority),
                *want,
                "{} vs {}",
                String::from_utf8_lossy(origin),
                String::from_utf8_lossy(authority)
            );
        }
    }
}
