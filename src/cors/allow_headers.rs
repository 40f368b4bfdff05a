//! `allowed_headers` and `Access-Control-Allow-Headers`: every name a preflight
//! requests is checked (case-insensitively, in any order, over every
//! `Access-Control-Request-Headers` line), within a bound on hostile input.

use super::header_names::header_names;
use super::names::REQUEST_HEADERS;
use crate::compile::ConfigError;
use crate::http::list::elements_of_lines;
use crate::http::token::is_token;
use crate::http::{loggable, Headers};
use std::borrow::Cow;

/// More names than any browser sends (it lists only non-safelisted ones); beyond
/// these the preflight is refused rather than scanned.
pub const MAX_NAMES: usize = 64;
/// Total bytes of the `Access-Control-Request-Headers` lines.
pub const MAX_BYTES: usize = 4096;

#[derive(Debug, Clone)]
pub struct AllowHeaders {
    /// `"*"`: any name, echoed back (`["*"]` = any, README.md "CORS").
    any: bool,
    /// Lower case, de-duplicated.
    list: Vec<String>,
    /// The configured list, joined once for every preflight reply.
    header: String,
}

impl AllowHeaders {
    pub fn compile(raw: &[String], path: &str) -> Result<Self, ConfigError> {
        let mut list = header_names(raw, path, "[\"content-type\", \"authorization\"]")?;
        let any = list.iter().any(|n| n == "*");
        list.retain(|n| n != "*");
        let header = list.join(", ");
        Ok(AllowHeaders { any, list, header })
    }

    fn allows(&self, name: &[u8]) -> bool {
        // A literal `*` in Access-Control-Allow-Headers would not cover `Authorization`
        // in the browser, but we echo validated names, so `["*"]` covers every name,
        // as README.md documents.
        self.any || self.list.iter().any(|l| l.as_bytes().eq_ignore_ascii_case(name))
    }

    /// Checks the names requested over all `Access-Control-Request-Headers` lines.
    /// `Ok` carries the `Access-Control-Allow-Headers` value to send (if any);
    /// `Err` the reason for the log.
    pub fn allow<'p>(&'p self, request: Headers<'_>) -> Result<Option<Cow<'p, [u8]>>, String> {
        let lines = || request.get_all(REQUEST_HEADERS);
        if lines().map(<[u8]>::len).sum::<usize>() > MAX_BYTES {
            return Err(format!("access-control-request-headers longer than {MAX_BYTES} bytes"));
        }
        let mut count = 0;
        for name in names(lines()) {
            count += 1;
            if count > MAX_NAMES {
                return Err(format!("more than {MAX_NAMES} access-control-request-headers names"));
            }
            if !is_token(name) || !self.allows(name) {
                return Err(format!(
                    "header not allowed: {}",
                    loggable(name, 100).to_ascii_lowercase()
                ));
            }
        }
        if !self.any {
            return Ok((!self.header.is_empty()).then_some(Cow::Borrowed(self.header.as_bytes())));
        }
        // Echo the validated names: a literal `*` is ignored on credentialed requests.
        let mut echo = Vec::new();
        for name in names(lines()) {
            if !echo.is_empty() {
                echo.extend_from_slice(b", ");
            }
            echo.extend(name.iter().map(u8::to_ascii_lowercase));
        }
        Ok((!echo.is_empty()).then_some(Cow::Owned(echo)))
    }
}

/// The names of a comma-separated list spread over several lines: optional
/// whitespace trimmed, empty elements skipped.
fn names<'r>(lines: impl Iterator<Item = &'r [u8]>) -> impl Iterator<Item = &'r [u8]> {
    elements_of_lines(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Header;

    fn headers(list: &[&str]) -> AllowHeaders {
        let v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        AllowHeaders::compile(&v, "cors.allowed_headers").unwrap()
    }

    fn acrh(lines: &[&[u8]]) -> Vec<Header> {
        let mut h: Vec<Header> = vec![(":method".into(), b"OPTIONS".to_vec())];
        h.extend(lines.iter().map(|l| (REQUEST_HEADERS.to_string(), l.to_vec())));
        h
    }

    fn acah(h: &AllowHeaders, lines: &[&str]) -> Result<Option<String>, String> {
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        h.allow(Headers::new(&acrh(&lines)))
            .map(|v| v.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    #[test]
    fn decision_table() {
        let list = headers(&["Content-Type", "x-request-id", "authorization", "content-type"]);
        let none = headers(&[]);
        let any = headers(&["*"]);
        let any_auth = headers(&["*", "Authorization"]);
        let listed = Ok(Some("content-type, x-request-id, authorization".to_string()));
        let na = |n: &str| Err(format!("header not allowed: {n}"));
        type Row<'a> = (&'a str, &'a AllowHeaders, &'a [&'a str], Result<Option<String>, String>);
        let rows: &[Row] = &[
            ("list: one", &list, &["content-type"], listed.clone()),
            (
                "list: any case and order",
                &list,
                &["X-Request-ID,Content-Type"],
                listed.clone(),
            ),
            (
                "list: whitespace and empty elements",
                &list,
                &[" ,content-type ,\t, x-request-id,,"],
                listed.clone(),
            ),
            (
                "list: several lines",
                &list,
                &["content-type", "x-request-id"],
                listed.clone(),
            ),
            ("list: none requested", &list, &[], listed.clone()),
            ("list: empty line", &list, &[""], listed.clone()),
            ("list: one not allowed", &list, &["content-type, x-foo"], na("x-foo")),
            (
                "list: not allowed on a second line",
                &list,
                &["content-type", "X-Foo"],
                na("x-foo"),
            ),
            (
                "list: not a token",
                &list,
                &["content-type x-foo"],
                na("content-type x-foo"),
            ),
            ("list: prefix of an allowed name", &list, &["content"], na("content")),
            ("empty list: none requested", &none, &[], Ok(None)),
            ("empty list: one requested", &none, &["x-foo"], na("x-foo")),
            (
                "any: echoed lower-case",
                &any,
                &["X-Foo, x-bar", "x-baz"],
                Ok(Some("x-foo, x-bar, x-baz".into())),
            ),
            ("any: none requested", &any, &[], Ok(None)),
            (
                "any: authorization echoed too",
                &any,
                &["x-foo, Authorization"],
                Ok(Some("x-foo, authorization".into())),
            ),
            (
                "any + authorization",
                &any_auth,
                &["x-foo, Authorization"],
                Ok(Some("x-foo, authorization".into())),
            ),
        ];
        for (name, h, lines, want) in rows {
            assert_eq!(&acah(h, lines), want, "{name}");
        }
    }

    #[test]
    fn hostile_input_is_bounded() {
        let any = headers(&["*"]);
        let many = vec!["x-a"; MAX_NAMES + 1].join(",");
        assert!(acah(&any, &[&many]).unwrap_err().starts_with("more than 64"));
        let exactly = vec!["x-a"; MAX_NAMES].join(",");
        assert!(acah(&any, &[&exactly]).is_ok());
        let long = "x".repeat(64 * 1024);
        assert!(acah(&any, &[&long]).unwrap_err().contains("longer than"));
        let commas = ",".repeat(MAX_BYTES);
        assert_eq!(acah(&any, &[&commas]), Ok(None));
        let bin: &[u8] = b"x-\xff\x01y\r\n";
        let e = any.allow(Headers::new(&acrh(&[bin]))).unwrap_err();
        assert_eq!(e, "header not allowed: x-\u{fffd}\\u{1}y");
    }

    #[test]
    fn invalid_entries() {
        for (bad, want) in [
            (
                "content-type, accept",
                "cors.allowed_headers[0]: \"content-type, accept\": not a header name",
            ),
            ("", "cors.allowed_headers[0]: \"\": not a header name"),
            ("x foo", "not a header name"),
        ] {
            let e = AllowHeaders::compile(&[bad.to_string()], "cors.allowed_headers")
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }
}
