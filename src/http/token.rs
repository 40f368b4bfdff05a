//! RFC 9110 `token` (§5.6.2): the syntax of method names, header field names and
//! cookie names.

/// Whether `s` is a non-empty `token`: `1*tchar`.
pub fn is_token<S: AsRef<[u8]> + ?Sized>(s: &S) -> bool {
    let s = s.as_ref();
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// A `tchar`: a visible ASCII character other than a delimiter.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        for ok in ["GET", "x-request-id", "M-SEARCH", "a!#$%&'*+-.^_`|~9"] {
            assert!(is_token(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "GET, DELETE",
            "GET ",
            "a:b",
            "x\u{e9}",
            "a\r\nb",
            "a/b",
            "\"a\"",
            "a,",
        ] {
            assert!(!is_token(bad.as_bytes()), "{bad:?}");
        }
        assert!(!is_token(&[b'a', 0xff]));
    }

    #[test]
    fn tokens_of_header_and_cookie_names() {
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
}
