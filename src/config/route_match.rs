//! Per-route rule matching (README.md, "Rules"): pure, on values the glue reads
//! once per request.

use super::document::RawMatch;
use crate::compile::{join, ConfigError};
use crate::exchange::RouteInfo;
use crate::http::authority::host_of;
use crate::http::path::ambiguous_path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMatch {
    /// A lower-case host name.
    Exact(String),
    /// `*.example.com` stored as `.example.com`: one or more labels in front, never the apex.
    Subdomains(String),
}

#[derive(Debug, Clone)]
pub struct RuleMatch {
    pub route_name: Option<String>,
    pub host: Option<HostMatch>,
    pub path_prefix: Option<String>,
}

impl RuleMatch {
    pub fn compile(raw: &RawMatch, path: &str) -> Result<Self, ConfigError> {
        if raw.route_name.is_none() && raw.host.is_none() && raw.path_prefix.is_none() {
            return Err(ConfigError::new(
                path,
                "{}",
                "a rule must match on at least one of route_name, host or path_prefix \
                 (to change every route, change the top-level settings instead)",
            ));
        }
        if let Some(r) = &raw.route_name {
            if r.is_empty() {
                return Err(ConfigError::at_str(
                    join(path, "route_name"),
                    r,
                    "a route name cannot be empty",
                ));
            }
        }
        let host = match &raw.host {
            None => None,
            Some(h) => Some(compile_host(h, &join(path, "host"))?),
        };
        if let Some(p) = &raw.path_prefix {
            if !p.starts_with('/') {
                return Err(ConfigError::at_str(
                    join(path, "path_prefix"),
                    p,
                    "a path prefix starts with '/', as in \"/api/\"",
                ));
            }
        }
        Ok(RuleMatch {
            route_name: raw.route_name.clone(),
            host,
            path_prefix: raw.path_prefix.clone(),
        })
    }

    pub fn matches(&self, route: &RouteInfo) -> bool {
        if let Some(want) = &self.route_name {
            if route.route_name != Some(want.as_str()) {
                return false;
            }
        }
        if let Some(host) = &self.host {
            if !host_matches(host, host_of(route.authority)) {
                return false;
            }
        }
        if let Some(prefix) = &self.path_prefix {
            // A path the upstream may resolve elsewhere (`/public/..;/admin`) picks no
            // path rule: it gets a later rule's or the top-level policy.
            if !route.path.starts_with(prefix.as_bytes()) || ambiguous_path(route.path) {
                return false;
            }
        }
        true
    }
}

fn compile_host(h: &str, path: &str) -> Result<HostMatch, ConfigError> {
    let lower = h.to_ascii_lowercase();
    let (pattern, name) = match lower.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, lower.as_str()),
    };
    let valid = !name.is_empty()
        && !name.contains(':')
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    if !valid {
        return Err(ConfigError::at_str(
            path,
            h,
            "a host is a DNS name without port (\"api.example.com\") or \"*.\" and a domain (\"*.example.com\", its subdomains only)",
        ));
    }
    Ok(if pattern {
        HostMatch::Subdomains(format!(".{name}"))
    } else {
        HostMatch::Exact(name.to_string())
    })
}

fn host_matches(m: &HostMatch, host: &[u8]) -> bool {
    match m {
        HostMatch::Exact(want) => host.eq_ignore_ascii_case(want.as_bytes()),
        HostMatch::Subdomains(suffix) => {
            let s = suffix.as_bytes();
            host.len() > s.len() && host[host.len() - s.len()..].eq_ignore_ascii_case(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> RuleMatch {
        let raw: RawMatch = serde_json::from_str(json).unwrap();
        RuleMatch::compile(&raw, "rules[0].match").unwrap()
    }

    fn at(route_name: Option<&'static str>, authority: &'static str, path: &'static str) -> RouteInfo<'static> {
        RouteInfo {
            route_name,
            authority: authority.as_bytes(),
            path: path.as_bytes(),
        }
    }

    #[test]
    fn host_table() {
        let exact = rule(r#"{"host": "API.example.com"}"#);
        let sub = rule(r#"{"host": "*.example.com"}"#);
        let rows: &[(&RuleMatch, &str, bool)] = &[
            (&exact, "api.example.com", true),
            (&exact, "API.EXAMPLE.COM:8443", true),
            (&exact, "api.example.com.evil.net", false),
            (&exact, "x.api.example.com", false),
            (&exact, "api.example.com.", true),
            (&exact, "api.example.com.:443", true),
            (&exact, "api.example.com..", false),
            (&sub, "a.example.com", true),
            (&sub, "a.b.example.com:80", true),
            (&sub, "example.com", false),
            (&sub, "evil-example.com", false),
            (&sub, "example.com.evil.net", false),
            (&sub, ".example.com", false),
            (&sub, "a.example.com.", true),
            (&sub, "example.com.", false),
            (&sub, "", false),
        ];
        for (m, authority, want) in rows {
            assert_eq!(m.matches(&at(None, authority, "/")), *want, "{authority}");
        }
    }

    #[test]
    fn all_given_fields_must_hold() {
        let m = rule(r#"{"route_name": "admin", "path_prefix": "/admin/"}"#);
        assert!(m.matches(&at(Some("admin"), "x", "/admin/users")));
        assert!(!m.matches(&at(Some("admin"), "x", "/public/")));
        assert!(!m.matches(&at(Some("other"), "x", "/admin/users")));
        assert!(!m.matches(&at(None, "x", "/admin/users")));
    }

    #[test]
    fn ambiguous_paths_pick_no_path_rule() {
        let m = rule(r#"{"path_prefix": "/webhooks/"}"#);
        assert!(m.matches(&at(None, "x", "/webhooks/stripe?sig=a%2Fb")));
        assert!(!m.matches(&at(None, "x", "/webhooks/..;/transfer")));
        assert!(!m.matches(&at(None, "x", "/webhooks/%2e%2e/transfer")));
    }

    #[test]
    fn first_matching_rule_wins_else_the_top_level() {
        let config = crate::config::load(
            br#"{"rules": [
                {"name": "admin", "match": {"route_name": "api", "path_prefix": "/api/admin/"}},
                {"name": "api", "match": {"route_name": "api"}},
                {"name": "apps", "match": {"host": "*.apps.example.com"}},
                {"match": {"path_prefix": "/public/"}}
            ]}"#,
        )
        .unwrap();
        let rows: &[(Option<&'static str>, &str, &str, &str)] = &[
            (Some("api"), "x", "/api/admin/users", "admin"),
            (Some("api"), "x", "/api/users", "api"),
            // Both `api` and `apps` hold: the earlier one wins.
            (Some("api"), "a.apps.example.com", "/", "api"),
            (Some("web"), "a.apps.example.com", "/public/x", "apps"),
            (Some("web"), "apps.example.com", "/public/x", "rule3"),
            (None, "apps.example.com", "/", "default"),
        ];
        for (route_name, authority, path, want) in rows {
            let got = &config.select(&at(*route_name, authority, path)).name;
            assert_eq!(got, want, "{route_name:?} {authority} {path}");
        }
    }

    #[test]
    fn invalid_matches_are_refused() {
        let bad: &[(&str, &str)] = &[
            (r#"{}"#, "rules[0].match: {}: a rule must match"),
            (r#"{"host": "*example.com"}"#, "rules[0].match.host: \"*example.com\""),
            (r#"{"host": "example.com:80"}"#, "rules[0].match.host"),
            (
                r#"{"path_prefix": "api"}"#,
                "rules[0].match.path_prefix: \"api\": a path prefix starts with '/'",
            ),
            (r#"{"route_name": ""}"#, "rules[0].match.route_name"),
        ];
        for (json, want) in bad {
            let raw: RawMatch = serde_json::from_str(json).unwrap();
            let e = RuleMatch::compile(&raw, "rules[0].match").unwrap_err().to_string();
            assert!(e.contains(want), "{json}: {e}");
        }
    }
}
