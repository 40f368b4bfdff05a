//! Small grammar checks shared by the hardening features.

/// An RFC 9110 token (header names, cookie names): one or more `tchar`.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Splits a header value on commas into trimmed, non-empty elements.
pub fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|b| *b == b',')
        .map(|e| e.trim_ascii())
        .filter(|e| !e.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        for ok in ["x-forwarded-proto", "X-Scheme", "csrftoken", "__Host-sid", "a.b~c"] {
            assert!(is_token(ok), "{ok}");
        }
        for bad in [
            "",
            "x forwarded",
            "x:y",
            "a\r\nb",
            "sid=1",
            "caf\u{e9}",
            ":scheme",
            "a;b",
            "a,b",
        ] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn list() {
        let v: Vec<&[u8]> = list_elements(b" websocket , ,h2c,").collect();
        assert_eq!(v, vec![&b"websocket"[..], b"h2c"]);
        assert_eq!(list_elements(b"").count(), 0);
    }
}
