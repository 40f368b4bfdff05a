//! An authority `host[:port]` (`:authority`, the host part of an origin): split,
//! checked, and reduced to its host name.

/// Splits an authority into its host and what follows it (`""` or `:` and the port):
/// a bracketed IPv6 literal runs to its `]`, any other host to the first `:`.
/// `None` for an unclosed `[`. Nothing is checked here; the callers check the parts.
pub fn split_host(authority: &[u8]) -> Option<(&[u8], &[u8])> {
    if authority.first() == Some(&b'[') {
        let end = authority.iter().position(|&b| b == b']')?;
        Some(authority.split_at(end + 1))
    } else {
        let end = authority.iter().position(|&b| b == b':').unwrap_or(authority.len());
        Some(authority.split_at(end))
    }
}

/// Splits an authority `host[:port]` (IPv6 in brackets) and checks its characters:
/// `None` for userinfo, paths, spaces, control or non-ASCII bytes, bad ports.
pub fn split_host_port(authority: &[u8]) -> Option<(&[u8], Option<u16>)> {
    let (host, rest) = split_host(authority)?;
    let ok = match host {
        [b'[', inner @ .., b']'] => {
            !inner.is_empty() && inner.iter().all(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'.')
        }
        _ => {
            !host.is_empty()
                && host
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        }
    };
    if !ok {
        return None;
    }
    let port = match rest {
        [] => None,
        [b':', digits @ ..] if (1..=5).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) => {
            Some(std::str::from_utf8(digits).ok()?.parse::<u16>().ok()?)
        }
        _ => return None,
    };
    Some((host, port))
}

/// The host name of an `:authority`: without port, and without the trailing dot of a
/// fully qualified name (`api.example.com.` is the same host to DNS and to browsers, so
/// it must not escape a rule written for `api.example.com`).
pub fn host_of(authority: &[u8]) -> &[u8] {
    let host = strip_port(authority);
    host.strip_suffix(b".").unwrap_or(host)
}

/// `host:port` → `host`; `[v6]:port` → `[v6]`.
pub fn strip_port(authority: &[u8]) -> &[u8] {
    if authority.first() == Some(&b'[') {
        return match authority.iter().position(|&b| b == b']') {
            Some(end) => &authority[..=end],
            None => authority,
        };
    }
    match authority.iter().rposition(|&b| b == b':') {
        Some(colon) => &authority[..colon],
        None => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn ipv6_authority() {
        assert_eq!(strip_port(b"[::1]:8080"), b"[::1]");
        assert_eq!(strip_port(b"[::1]"), b"[::1]");
        assert_eq!(strip_port(b"host"), b"host");
    }
}
