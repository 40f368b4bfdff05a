//! Origins and hosts as bytes: the request's `Origin` against its `:authority`, and the
//! exact origins a configuration may trust.

use crate::config::error::ConfigError;
use crate::cors::OriginEntry;

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

/// Splits an authority `host[:port]` (IPv6 in brackets) and checks its characters:
/// `None` for userinfo, paths, spaces, control or non-ASCII bytes, bad ports.
pub fn split_host_port(authority: &[u8]) -> Option<(&[u8], Option<u16>)> {
    let (host, rest) = if authority.first() == Some(&b'[') {
        let end = authority.iter().position(|b| *b == b']')?;
        let inner = &authority[1..end];
        let ok = !inner.is_empty() && inner.iter().all(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'.');
        if !ok {
            return None;
        }
        authority.split_at(end + 1)
    } else {
        let end = authority.iter().position(|b| *b == b':').unwrap_or(authority.len());
        let host = &authority[..end];
        let ok = !host.is_empty()
            && host
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !ok {
            return None;
        }
        authority.split_at(end)
    };
    let port = match rest {
        [] => None,
        [b':', digits @ ..] if (1..=5).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) => {
            Some(std::str::from_utf8(digits).ok()?.parse::<u16>().ok()?)
        }
        _ => return None,
    };
    Some((host, port))
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

/// Whether an `Origin` is the origin the request was sent to: its scheme is how the
/// request arrived (`https`: over TLS, by `:scheme` or the trusted forwarded-proto
/// header), and its host and port equal `:authority`'s, the port defaulting by that
/// scheme. `http://chat.example.com` does not vouch for a request that came over
/// https (docs/origin-trust.md). Malformed values and `null` never match.
pub fn same_host(origin: &[u8], authority: &[u8], https: bool) -> bool {
    let (Some(o), Some((host, port))) = (parse_origin(origin), split_host_port(authority)) else {
        return false;
    };
    let scheme: &[u8] = if https { b"https" } else { b"http" };
    if !o.scheme.eq_ignore_ascii_case(scheme) || !o.host.eq_ignore_ascii_case(host) {
        return false;
    }
    let default = default_port(scheme);
    o.port.or(default) == port.or(default)
}

/// Validates one exact origin of a configuration list and returns it lower-cased
/// (browsers send origins in lower case; requests are then compared byte for byte).
/// The syntax is checked by the CORS origin parser, so both lists accept the same
/// origins with the same messages; only patterns and `null` are refused here.
pub fn compile_exact_origin(value: &str, path: &str) -> Result<String, ConfigError> {
    let bad = |msg: &str| ConfigError::at_str(path, value, msg);
    match OriginEntry::parse(value) {
        Ok(OriginEntry::Exact(lower)) => Ok(lower),
        Ok(OriginEntry::Null) => Err(bad(
            "\"null\" is the opaque origin of sandboxed frames, file: pages and some redirects: any site can produce it, so it cannot be trusted",
        )),
        Ok(OriginEntry::Any | OriginEntry::Pattern(_)) => Err(bad(
            "trusted origins are exact; for a pattern such as \"https://*.example.com\", allow it in the route's cors.allowed_origins",
        )),
        Err(message) => Err(bad(&message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_host_table() {
        // (Origin, :authority, arrived over https, same origin)
        let rows: &[(&[u8], &[u8], bool, bool)] = &[
            (b"https://app.example.com", b"app.example.com", true, true),
            (b"https://app.example.com", b"APP.Example.com", true, true),
            (b"HTTPS://app.example.com", b"app.example.com", true, true),
            (b"http://app.example.com", b"app.example.com", false, true),
            (b"https://app.example.com", b"app.example.com:443", true, true),
            (b"http://app.example.com", b"app.example.com:80", false, true),
            // The scheme is how the request arrived.
            (b"http://app.example.com", b"app.example.com", true, false),
            (b"https://app.example.com", b"app.example.com", false, false),
            (b"http://chat.example.com", b"chat.example.com:443", true, false),
            (b"https://app.example.com", b"app.example.com:80", false, false),
            (b"wss://app.example.com", b"app.example.com", true, false),
            (b"chrome-extension://abcdef", b"abcdef", true, false),
            (b"http://app.example.com", b"app.example.com:443", false, false),
            (b"https://app.example.com:8443", b"app.example.com:8443", true, true),
            (b"https://app.example.com:8443", b"app.example.com", true, false),
            (b"https://app.example.com", b"app.example.com:8443", true, false),
            (b"https://evil.example.com", b"app.example.com", true, false),
            (b"https://app.example.com.evil.net", b"app.example.com", true, false),
            (b"https://example.com", b"app.example.com", true, false),
            (b"http://[::1]:8080", b"[::1]:8080", false, true),
            (b"http://[::1]", b"[::1]:8080", false, false),
            (b"null", b"app.example.com", true, false),
            (b"", b"app.example.com", true, false),
            (b"https://app.example.com/", b"app.example.com", true, false),
            (b"https://user@app.example.com", b"app.example.com", true, false),
            (b"https://app.example.com", b"", true, false),
            (b"https://app.example.com", b"user@app.example.com", true, false),
            (b"https://app.example.com", b"app.example.com:", true, false),
            (b"https://app.example.com", b"app.example.com:99999", true, false),
            (b"https://\xffapp.example.com", b"\xffapp.example.com", true, false),
            (b"https://app.example.com\r\n", b"app.example.com\r\n", true, false),
        ];
        for (origin, authority, https, want) in rows {
            assert_eq!(
                same_host(origin, authority, *https),
                *want,
                "{} vs {} (https: {https})",
                String::from_utf8_lossy(origin),
                String::from_utf8_lossy(authority)
            );
        }
    }

    #[test]
    fn host_port_split() {
        assert_eq!(
            split_host_port(b"a.example:8080"),
            Some((&b"a.example"[..], Some(8080)))
        );
        assert_eq!(split_host_port(b"[::1]"), Some((&b"[::1]"[..], None)));
        assert_eq!(split_host_port(b"[::1]x"), None);
        assert_eq!(split_host_port(b"[]"), None);
        assert_eq!(split_host_port(b"a b"), None);
        assert_eq!(split_host_port(b"a:1:2"), None);
        assert_eq!(split_host_port(b":80"), None);
    }

    #[test]
    fn exact_origins_are_validated_and_lowercased() {
        assert_eq!(
            compile_exact_origin("https://App.Example.com", "csrf.trusted_origins[0]").unwrap(),
            "https://app.example.com"
        );
        assert_eq!(
            compile_exact_origin("http://localhost:3000", "p").unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(
            compile_exact_origin("https://[::1]:8443", "p").unwrap(),
            "https://[::1]:8443"
        );
        let rows: &[(&str, &str)] = &[
            ("null", "cannot be trusted"),
            ("https://*.example.com", "allow it in the route's cors.allowed_origins"),
            ("*", "trusted origins are exact"),
            ("app.example.com", "an origin needs a scheme"),
            ("https://app.example.com/", "no trailing slash"),
            ("https://app.example.com/app", "an origin has no path"),
            ("https://u:p@app.example.com", "no user name or password"),
            ("https://app.example.com:443", "drop the default port"),
            ("http://app.example.com:80", "drop the default port"),
            ("https://app example.com", "no spaces"),
            ("https://", "is not a host name"),
            ("https://a.example:http", "not a number"),
        ];
        for (value, want) in rows {
            let e = compile_exact_origin(value, "csrf.trusted_origins[0]")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("edge-shield: csrf.trusted_origins[0]: "), "{e}");
            assert!(e.contains(want), "{value}: {e}");
        }
    }
}
