//! `allowed_methods` and `Access-Control-Allow-Methods`: the requested method of a
//! preflight is checked (Fetch compares methods byte for byte), never just echoed.

use crate::compile::{index, ConfigError};
use crate::http::token::is_token;
use std::borrow::Cow;

/// Fetch's CORS-safelisted methods: allowed whatever the configuration says.
const SAFELISTED: [&[u8]; 3] = [b"GET", b"HEAD", b"POST"];

/// Fetch upper-cases these (and only these) when a script passes them in any case,
/// so a lower-case entry could never match what a browser sends.
const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

const DEFAULT: [&str; 3] = ["GET", "HEAD", "POST"];

#[derive(Debug, Clone)]
pub struct AllowMethods {
    /// `["*"]`: any method, echoed back.
    any: bool,
    list: Vec<String>,
    /// The configured list, joined once for every preflight reply.
    header: String,
}

impl AllowMethods {
    /// `raw` is `None` when the field is absent (the default list).
    pub fn compile(raw: Option<&[String]>, path: &str) -> Result<Self, ConfigError> {
        let default: Vec<String> = DEFAULT.iter().map(|m| m.to_string()).collect();
        let raw = raw.unwrap_or(&default);
        let mut list: Vec<String> = Vec::with_capacity(raw.len());
        let mut any = false;
        for (i, m) in raw.iter().enumerate() {
            if m == "*" {
                any = true;
                continue;
            }
            if !is_token(m.as_bytes()) {
                return Err(ConfigError::at_str(
                    index(path, i),
                    m,
                    "not a method name: one method per entry, as in [\"GET\", \"PUT\"]",
                ));
            }
            if let Some(upper) = NORMALIZED.iter().find(|n| n.eq_ignore_ascii_case(m) && **n != m) {
                return Err(ConfigError::at_str(
                    index(path, i),
                    m,
                    format!("browsers send this method as \"{upper}\" (Fetch upper-cases it): write \"{upper}\""),
                ));
            }
            if !list.contains(m) {
                list.push(m.clone());
            }
        }
        let header = list.join(", ");
        Ok(AllowMethods { any, list, header })
    }

    /// The `Access-Control-Allow-Methods` value for a preflight requesting `method`,
    /// or `None` when the method is not allowed. `GET, DELETE` is not one method.
    pub fn allow<'p>(&'p self, method: &[u8]) -> Option<Cow<'p, [u8]>> {
        if !is_token(method) {
            return None;
        }
        if self.any {
            // Echo the one validated method: a literal `*` is ignored on credentialed requests.
            return Some(Cow::Owned(method.to_vec()));
        }
        let listed = self.list.iter().any(|m| m.as_bytes() == method);
        if listed || SAFELISTED.contains(&method) {
            Some(Cow::Borrowed(self.header.as_bytes()))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods(list: Option<&[&str]>) -> AllowMethods {
        let v: Option<Vec<String>> = list.map(|l| l.iter().map(|s| s.to_string()).collect());
        AllowMethods::compile(v.as_deref(), "cors.allowed_methods").unwrap()
    }

    fn acam(m: &AllowMethods, requested: &str) -> Option<String> {
        m.allow(requested.as_bytes())
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    #[test]
    fn decision_table() {
        let default = methods(None);
        let put = methods(Some(&["PUT", "PATCH", "PUT"]));
        let any = methods(Some(&["*"]));
        let rows: &[(&str, &AllowMethods, &str, Option<&str>)] = &[
            ("default: GET", &default, "GET", Some("GET, HEAD, POST")),
            ("default: PUT", &default, "PUT", None),
            ("default: lowercase get", &default, "get", None),
            ("list: PUT", &put, "PUT", Some("PUT, PATCH")),
            ("list: safelisted POST always", &put, "POST", Some("PUT, PATCH")),
            ("list: lowercase patch", &put, "patch", None),
            ("list: DELETE", &put, "DELETE", None),
            ("list: two methods in one", &put, "PUT, DELETE", None),
            ("list: GET, DELETE", &put, "GET, DELETE", None),
            ("list: trailing space", &put, "PUT ", None),
            ("any: DELETE echoed", &any, "DELETE", Some("DELETE")),
            ("any: GET, DELETE", &any, "GET, DELETE", None),
            ("any: empty", &any, "", None),
        ];
        for (name, m, requested, want) in rows {
            assert_eq!(acam(m, requested).as_deref(), *want, "{name}");
        }
        assert_eq!(default.allow(&[0xff]), None);
    }

    #[test]
    fn invalid_entries() {
        let rows: &[(&[&str], &str)] = &[
            (
                &["GET", "GET, PUT"],
                "cors.allowed_methods[1]: \"GET, PUT\": not a method name",
            ),
            (&[""], "cors.allowed_methods[0]: \"\": not a method name"),
            (
                &["delete"],
                "cors.allowed_methods[0]: \"delete\": browsers send this method as \"DELETE\"",
            ),
            (&["Put"], "write \"PUT\""),
        ];
        for (list, want) in rows {
            let v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            let e = AllowMethods::compile(Some(&v), "cors.allowed_methods")
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{list:?}: {e}");
        }
        // PATCH is not normalized by Fetch: a lower-case `patch` is what a script may send.
        assert!(AllowMethods::compile(Some(&["patch".to_string()]), "m").is_ok());
    }
}
