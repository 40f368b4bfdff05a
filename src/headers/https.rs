//! Whether a request reached the edge over HTTPS, by a trusted forwarded-proto header.
//!
//! Trusting it by default is safe for HSTS: a forged `https` can at worst put HSTS on a
//! plain-HTTP response, which browsers ignore (RFC 6797 §8.1). Not trusting it would
//! silently drop HSTS behind every load balancer that terminates TLS in front of Envoy.

/// True when the header's first element (the proxy nearest the client) is `https`.
pub fn forwarded_https(value: &[u8]) -> bool {
    let first = value.split(|b| *b == b',').next().unwrap_or_default();
    first.trim_ascii().eq_ignore_ascii_case(b"https")
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
