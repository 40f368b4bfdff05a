//! `exempt_paths`: path prefixes a hardening check leaves alone (health checks, webhooks).

use crate::compile::{index, ConfigError};
use crate::http::path::ambiguous_path as is_ambiguous;

#[derive(Debug, Clone, Default)]
pub struct ExemptPaths(Vec<String>);

impl ExemptPaths {
    pub fn compile(raw: &[String], path: &str) -> Result<Self, ConfigError> {
        for (i, p) in raw.iter().enumerate() {
            let bad = |msg: &str| Err(ConfigError::at_str(index(path, i), p, msg));
            if !p.starts_with('/') {
                return bad("a path prefix starts with '/', as in \"/healthz\"");
            }
            if !p.bytes().all(|b| b.is_ascii_graphic()) {
                return bad(
                    "a path prefix is visible ASCII: no spaces, control or non-ASCII characters (percent-encode them)",
                );
            }
            if p.contains(['?', '#']) {
                return bad(
                    "a path prefix is matched against the path only: leave out the query ('?') and fragment ('#')",
                );
            }
            if is_ambiguous(p.as_bytes()) {
                return bad("a path prefix cannot contain \".\" or \"..\" segments or encoded '.', '/', '\\\\' (such request paths are never exempt)");
            }
        }
        Ok(ExemptPaths(raw.to_vec()))
    }

    /// Whether a request's `:path` (query included) falls under one of the prefixes.
    ///
    /// A path the upstream might resolve elsewhere (`/webhooks/../transfer`,
    /// `/webhooks%2f..%2ftransfer`) is never exempt: exemption must not become a way
    /// around the check for the routes it does not name.
    pub fn contains(&self, request_path: &[u8]) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let path = match request_path.iter().position(|b| *b == b'?') {
            Some(q) => &request_path[..q],
            None => request_path,
        };
        !is_ambiguous(path) && self.0.iter().any(|p| path.starts_with(p.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exempt(prefixes: &[&str]) -> ExemptPaths {
        let raw: Vec<String> = prefixes.iter().map(|s| s.to_string()).collect();
        ExemptPaths::compile(&raw, "csrf.exempt_paths").unwrap()
    }

    #[test]
    fn prefix_table() {
        let e = exempt(&["/healthz", "/webhooks/"]);
        let rows: &[(&str, bool)] = &[
            ("/healthz", true),
            ("/healthz?full=1", true),
            ("/healthz/live", true),
            ("/webhooks/stripe", true),
            ("/webhooks", false),
            ("/api/healthz", false),
            ("/", false),
            ("", false),
            ("/webhooks/../api/transfer", false),
            ("/webhooks/./x", false),
            ("/webhooks/%2e%2e/api", false),
            ("/webhooks/..%2Fapi", false),
            ("/webhooks/..%5capi", false),
            ("/webhooks/\\..\\api", false),
            ("/webhooks/a..b", true),
            ("/webhooks/x?next=/../y", true),
        ];
        for (path, want) in rows {
            assert_eq!(e.contains(path.as_bytes()), *want, "{path}");
        }
        assert!(!ExemptPaths::default().contains(b"/healthz"));
    }

    #[test]
    fn invalid_prefixes_are_refused() {
        let rows: &[(&str, &str)] = &[
            (
                "healthz",
                "csrf.exempt_paths[0]: \"healthz\": a path prefix starts with '/'",
            ),
            ("/a b", "visible ASCII"),
            ("/hook?x=1", "leave out the query"),
            ("/hooks/../x", "segments"),
            ("/caf\u{e9}", "visible ASCII"),
        ];
        for (p, want) in rows {
            let e = ExemptPaths::compile(&[p.to_string()], "csrf.exempt_paths")
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{p}: {e}");
        }
    }
}
