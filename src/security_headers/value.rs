//! Checks every configured header value and name goes through, so that nothing the
//! configuration says can inject a header line or be mangled by the proxy.

use crate::compile::ConfigError;
use crate::http::token::is_token;

/// A whole header value: printable ASCII with inner spaces. CR/LF would start a new
/// header line (header injection); Envoy would strip outer whitespace, so the value
/// on the wire would differ from the one configured.
pub fn field_value(path: &str, value: &str) -> Result<(), ConfigError> {
    let fail = |msg: &str| Err(ConfigError::at_str(path, value, msg));
    if value.is_empty() {
        return fail("an empty value; to send no header, set it to false");
    }
    if value.contains(['\r', '\n']) {
        return fail("CR and LF are refused in header values: they would start a new header line (header injection)");
    }
    if value.contains('\0') || value.chars().any(|c| c.is_control() && c != '\t') {
        return fail("control characters are refused in header values");
    }
    if !value.is_ascii() {
        return fail("only ASCII is allowed in header values (percent-encode URLs, use punycode for hosts)");
    }
    if value.starts_with([' ', '\t']) || value.ends_with([' ', '\t']) {
        return fail("leading or trailing whitespace is refused (the proxy would strip it)");
    }
    Ok(())
}

/// One element of a list the filter joins into a header value (a CSP source, a
/// referrer token, ...): a valid value without separators, so that one element can
/// never become two, or end a directive.
pub fn list_item(path: &str, value: &str) -> Result<(), ConfigError> {
    field_value(path, value)?;
    if value.contains([';', ',']) {
        return Err(ConfigError::at_str(
            path,
            value,
            "';' and ',' are refused: they would end this entry and start another; give one entry per list element",
        ));
    }
    if value.contains([' ', '\t']) {
        return Err(ConfigError::at_str(
            path,
            value,
            "whitespace is refused: give one entry per list element, as in [\"'self'\", \"https:\"]",
        ));
    }
    Ok(())
}

/// An HTTP field name (RFC 9110 token), returned lower-cased as Envoy stores it.
pub fn header_name(path: &str, name: &str) -> Result<String, ConfigError> {
    let fail = |msg: &str| Err(ConfigError::at_str(path, name, msg));
    if name.is_empty() {
        return fail("an empty header name");
    }
    if name.starts_with(':') {
        return fail("pseudo-headers (':status', ...) belong to the proxy and cannot be set or removed");
    }
    if !is_token(name) {
        return fail("not a valid header name: use letters, digits and !#$%&'*+-.^_`|~ only");
    }
    Ok(name.to_ascii_lowercase())
}

/// An error when a list repeats an entry (`seen` holds the entries before `i`).
pub fn no_repeat(path: &str, seen: &[impl AsRef<str>], value: &str) -> Result<(), ConfigError> {
    if seen.iter().any(|s| s.as_ref() == value) {
        Err(ConfigError::at_str(path, value, "listed twice; remove the repetition"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(r: Result<impl std::fmt::Debug, ConfigError>) -> String {
        match r {
            Ok(v) => format!("accepted {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn field_values() {
        let cases: &[(&str, &str)] = &[
            ("no-store, max-age=0", "accepted ()"),
            ("a\tb", "accepted ()"),
            ("", "edge-shield: p: \"\": an empty value; to send no header, set it to false"),
            ("a\r\nset-cookie: x=1", "edge-shield: p: \"a\\r\\nset-cookie: x=1\": CR and LF are refused in header values: they would start a new header line (header injection)"),
            ("a\nb", "edge-shield: p: \"a\\nb\": CR and LF are refused"),
            ("a\0b", "edge-shield: p: \"a\\u0000b\": control characters are refused in header values"),
            ("a\u{7f}", "edge-shield: p: \"a\u{7f}\": control characters are refused"),
            ("café", "edge-shield: p: \"café\": only ASCII is allowed"),
            (" x", "edge-shield: p: \" x\": leading or trailing whitespace is refused"),
            ("x ", "edge-shield: p: \"x \": leading or trailing whitespace is refused"),
        ];
        for (value, want) in cases {
            let got = msg(field_value("p", value));
            assert!(got.starts_with(want), "{value:?}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn list_items() {
        assert!(list_item("p", "'self'").is_ok());
        assert_eq!(
            msg(list_item("p", "a;b")),
            "edge-shield: p: \"a;b\": ';' and ',' are refused: they would end this entry and start another; give one entry per list element"
        );
        assert!(msg(list_item("p", "a,b")).contains("';' and ',' are refused"));
        assert!(msg(list_item("p", "'self' https:")).contains("whitespace is refused"));
        assert!(msg(list_item("p", "a\r\nb")).contains("CR and LF"));
    }

    #[test]
    fn header_names() {
        assert_eq!(header_name("p", "X-Robots-Tag").unwrap(), "x-robots-tag");
        assert_eq!(header_name("p", "$wsep").unwrap(), "$wsep");
        assert_eq!(
            msg(header_name("p", ":status")),
            "edge-shield: p: \":status\": pseudo-headers (':status', ...) belong to the proxy and cannot be set or removed"
        );
        assert!(msg(header_name("p", "x a")).contains("not a valid header name"));
        assert!(msg(header_name("p", "x:a")).contains("not a valid header name"));
        assert!(msg(header_name("p", "x\r\n")).contains("not a valid header name"));
        assert!(msg(header_name("p", "")).contains("an empty header name"));
    }

    #[test]
    fn repeats() {
        assert!(no_repeat("p", &["a"], "b").is_ok());
        assert_eq!(
            msg(no_repeat("p[1]", &["a"], "a")),
            "edge-shield: p[1]: \"a\": listed twice; remove the repetition"
        );
    }
}
