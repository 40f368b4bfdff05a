//! A request `Origin` split into scheme, host and port, for pattern matching.
//!
//! Only the exact shape browsers send is accepted (Fetch's serialization of a tuple
//! origin: lower-case `scheme://host[:port]`, no default port, no path); anything
//! else is not split, so patterns never match it (exact entries and regexes still
//! compare the raw bytes).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginParts<'a> {
    pub scheme: &'a [u8],
    /// A DNS name or IPv4 address (lower case), or a bracketed IPv6 address.
    pub host: &'a [u8],
    /// The digits after `:`, when there is a port.
    pub port: Option<&'a [u8]>,
}

pub fn split(origin: &[u8]) -> Option<OriginParts<'_>> {
    let sep = origin.windows(3).position(|w| w == b"://")?;
    let scheme = &origin[..sep];
    if !is_scheme(scheme) {
        return None;
    }
    let rest = &origin[sep + 3..];
    let (host, after) = if rest.first() == Some(&b'[') {
        let end = rest.iter().position(|&b| b == b']')?;
        let host = &rest[..=end];
        if !is_ipv6_literal(host) {
            return None;
        }
        (host, &rest[end + 1..])
    } else {
        let end = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
        let host = &rest[..end];
        if !is_dns_name(host) {
            return None;
        }
        (host, &rest[end..])
    };
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
}
