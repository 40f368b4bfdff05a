//! The set of allowed origins of a policy and the one question it answers:
//! is this request `Origin` (raw bytes) allowed?

use super::origin_pattern::{Entry, OriginPattern};
use super::origin_regex::OriginRegex;
use crate::exchange::writable;
use crate::http::origin::split;

/// The longest Origin worth matching.
pub const MAX_ORIGIN_LEN: usize = 1024;

#[derive(Debug, Clone, Default)]
pub struct AllowOrigin {
    /// `*` was listed: every origin, `null` included.
    pub any: bool,
    null: bool,
    /// Sorted, for a binary search.
    exact: Vec<String>,
    patterns: Vec<OriginPattern>,
    regexes: Vec<OriginRegex>,
}

impl AllowOrigin {
    pub fn add(&mut self, entry: Entry) {
        match entry {
            Entry::Any => self.any = true,
            Entry::Null => self.null = true,
            Entry::Exact(e) => {
                if let Err(at) = self.exact.binary_search(&e) {
                    self.exact.insert(at, e);
                }
            }
            Entry::Pattern(p) => self.patterns.push(p),
        }
    }

    pub fn add_regex(&mut self, re: OriginRegex) {
        self.regexes.push(re);
    }

    /// Whether nothing at all is allowed (a route that refuses every cross-origin request).
    /// Whether any origin at all gets through: `*`, or a regex that matches made-up
    /// origins no allowlist names. Computed at load (see `CorsPolicy::allows_any_origin`).
    pub fn admits_anyone(&self) -> bool {
        self.any || self.regexes.iter().any(|r| r.unvetted_match().is_some())
    }

    pub fn is_empty(&self) -> bool {
        !self.any && !self.null && self.exact.is_empty() && self.patterns.is_empty() && self.regexes.is_empty()
    }

    /// Exact byte comparison with the (lower-cased) configuration: browsers send
    /// origins in lower case, so `HTTPS://APP.EXAMPLE.COM` is not one of them.
    pub fn matches(&self, origin: &[u8]) -> bool {
        if self.any {
            return true;
        }
        // No browser sends more (a host name is at most 253 bytes), and regexes cost
        // time in the Origin's length; nor a byte we could not echo into a header.
        if origin.len() > MAX_ORIGIN_LEN || !writable(origin) {
            return false;
        }
        if origin == b"null" {
            return self.null;
        }
        if self.exact.binary_search_by(|e| e.as_bytes().cmp(origin)).is_ok() {
            return true;
        }
        if !self.patterns.is_empty() {
            if let Some(parts) = split(origin) {
                if self.patterns.iter().any(|p| p.matches(&parts)) {
                    return true;
                }
            }
        }
        self.regexes.iter().any(|r| r.matches(origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(entries: &[&str], regexes: &[&str]) -> AllowOrigin {
        let mut a = AllowOrigin::default();
        for e in entries {
            a.add(Entry::parse(e).unwrap());
        }
        for r in regexes {
            a.add_regex(OriginRegex::compile(r).unwrap());
        }
        a
    }

    /// The bypass classics, one row each: (name, entries, regexes, request Origin, allowed).
    #[test]
    fn origin_table() {
        type Row<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a [u8], bool);
        let exact: &[&str] = &["https://example.com"];
        let sub: &[&str] = &["https://*.example.com"];
        let port: &[&str] = &["http://localhost:*"];
        let re: &[&str] = &[r"https://app\.example\.com"];
        let none: &[&str] = &[];
        let crlf_re: &[&str] = &[r"https://[^.]+\.example\.com"];
        let long = format!("https://{}.example.com", "a".repeat(MAX_ORIGIN_LEN));
        let rows: &[Row] = &[
            ("exact match", exact, none, b"https://example.com", true),
            (
                "regex: CR/LF never echoed",
                none,
                crlf_re,
                b"https://a\r\nx: 1\r\n.example.com",
                false,
            ),
            (
                "regex: a plain one still matches",
                none,
                crlf_re,
                b"https://a.example.com",
                true,
            ),
            (
                "over-long origin: not even matched",
                sub,
                crlf_re,
                long.as_bytes(),
                false,
            ),
            (
                "exact: evil-example.com",
                exact,
                none,
                b"https://evil-example.com",
                false,
            ),
            (
                "exact: example.com.evil.net",
                exact,
                none,
                b"https://example.com.evil.net",
                false,
            ),
            ("exact: trailing dot", exact, none, b"https://example.com.", false),
            ("exact: trailing slash", exact, none, b"https://example.com/", false),
            ("exact: uppercase request", exact, none, b"HTTPS://EXAMPLE.COM", false),
            ("exact: other scheme", exact, none, b"http://example.com", false),
            ("exact: with port", exact, none, b"https://example.com:8443", false),
            (
                "exact: explicit default port",
                exact,
                none,
                b"https://example.com:443",
                false,
            ),
            ("exact: prefix", exact, none, b"https://example.co", false),
            ("exact: subdomain", exact, none, b"https://a.example.com", false),
            ("exact: empty", exact, none, b"", false),
            ("exact: null", exact, none, b"null", false),
            ("exact: non-UTF-8", exact, none, b"https://example.com\xff", false),
            (
                "config upper-cased",
                &["HTTPS://Example.COM"],
                none,
                b"https://example.com",
                true,
            ),
            ("sub: one label", sub, none, b"https://a.example.com", true),
            ("sub: two labels", sub, none, b"https://a.b.example.com", true),
            ("sub: apex", sub, none, b"https://example.com", false),
            ("sub: evil-example.com", sub, none, b"https://evil-example.com", false),
            (
                "sub: example.com.evil.net",
                sub,
                none,
                b"https://example.com.evil.net",
                false,
            ),
            (
                "sub: a.example.com.evil.net",
                sub,
                none,
                b"https://a.example.com.evil.net",
                false,
            ),
            ("sub: trailing dot", sub, none, b"https://a.example.com.", false),
            ("sub: uppercase request", sub, none, b"https://A.EXAMPLE.COM", false),
            ("sub: other scheme", sub, none, b"http://a.example.com", false),
            ("sub: port", sub, none, b"https://a.example.com:8443", false),
            ("sub: null", sub, none, b"null", false),
            ("port: any port", port, none, b"http://localhost:5173", true),
            ("port: no port", port, none, b"http://localhost", true),
            ("port: non-numeric", port, none, b"http://localhost:x", false),
            ("port: other host", port, none, b"http://localhost.evil.net:80", false),
            ("port: https", port, none, b"https://localhost:5173", false),
            ("null listed", &["null"], none, b"null", true),
            ("null listed: case", &["null"], none, b"NULL", false),
            ("star", &["*"], none, b"https://anything.example", true),
            ("star: null", &["*"], none, b"null", true),
            ("star: garbage", &["*"], none, b"\xff\xfe", true),
            ("regex", none, re, b"https://app.example.com", true),
            ("regex: prefix junk", none, re, b"evilhttps://app.example.com", false),
            ("regex: suffix junk", none, re, b"https://app.example.com.evil", false),
            ("regex: suffix path", none, re, b"https://app.example.com/x", false),
            ("regex: null", none, &[".+\\..+"], b"null", false),
            ("nothing listed", none, none, b"https://example.com", false),
        ];
        for (name, entries, regexes, origin, want) in rows {
            assert_eq!(allow(entries, regexes).matches(origin), *want, "{name}");
        }
    }

    #[test]
    fn emptiness() {
        assert!(allow(&[], &[]).is_empty());
        assert!(!allow(&["null"], &[]).is_empty());
        assert!(!allow(&[], &["x"]).is_empty());
    }
}
