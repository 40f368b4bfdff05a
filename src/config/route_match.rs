//! Per-route rule matching (README.md, "Rules"): pure, on values the glue reads
//! once per request.

use super::document::RawMatch;
use crate::compile::{join, ConfigError};
use crate::exchange::RouteInfo;
use crate::http::authority::host_of;
use crate::http::path::{ambiguous_path, lenient_reading};

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
    pub route_name_prefix: Option<String>,
    pub host: Option<HostMatch>,
    pub path_prefix: Option<String>,
    /// The rule only adds protection (docs/origin-trust.md): its path prefix then also
    /// matches the path as a lenient upstream may read it (`;params`, case, encodings).
    pub protective: bool,
}

impl RuleMatch {
    pub fn compile(raw: &RawMatch, path: &str) -> Result<Self, ConfigError> {
        if raw.route_name.is_none()
            && raw.route_name_prefix.is_none()
            && raw.host.is_none()
            && raw.path_prefix.is_none()
        {
            return Err(ConfigError::new(
                path,
                "{}",
                "a rule must match on at least one of route_name, route_name_prefix, host or path_prefix \
                 (to change every route, change the top-level settings instead; to select the rule only \
                 from route metadata, leave `match` out)",
            ));
        }
        for (field, value) in [
            ("route_name", &raw.route_name),
            ("route_name_prefix", &raw.route_name_prefix),
        ] {
            if value.as_deref() == Some("") {
                return Err(ConfigError::at_str(
                    join(path, field),
                    "",
                    "a route name (or prefix) cannot be empty",
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
            route_name_prefix: raw.route_name_prefix.clone(),
            host,
            path_prefix: raw.path_prefix.clone(),
            protective: false,
        })
    }

    pub fn matches(&self, route: &RouteInfo) -> bool {
        if let Some(want) = &self.route_name {
            if route.route_name != Some(want.as_str()) {
                return false;
            }
        }
        if let Some(prefix) = &self.route_name_prefix {
            if !route.route_name.is_some_and(|r| r.starts_with(prefix.as_str())) {
                return false;
            }
        }
        if let Some(host) = &self.host {
            let name = host_of(route.authority);
            // More trailing dots than a fully qualified name has: a lenient upstream
            // may still take it for the host, so a protective rule takes it too.
            let lenient = || {
                let mut n = name;
                while let Some(shorter) = n.strip_suffix(b".") {
                    n = shorter;
                }
                n.len() < name.len() && host_matches(host, n)
            };
            if !(host_matches(host, name) || self.protective && lenient()) {
                return false;
            }
        }
        if let Some(prefix) = &self.path_prefix {
            // A path the upstream may resolve elsewhere (`/public/..;/admin`) picks no
            // path rule that takes protection away: it gets a later rule's or the
            // top-level policy. A rule that only adds protection also takes such a path
            // when any reading of it is under the prefix: ambiguity goes toward protection.
            let literal = route.path.starts_with(prefix.as_bytes()) && !ambiguous_path(route.path);
            let lenient = || {
                lenient_reading(route.path).is_some_and(|p| {
                    let prefix = prefix.as_bytes();
                    p.len() >= prefix.len() && p[..prefix.len()].eq_ignore_ascii_case(prefix)
                })
            };
            if !(literal || self.protective && lenient()) {
                return false;
            }
        }
        true
    }

    /// What the rule matches on, for the debug trace: `path_prefix "/api/"`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = &self.route_name {
            parts.push(format!("route_name {r:?}"));
        }
        if let Some(r) = &self.route_name_prefix {
            parts.push(format!("route_name_prefix {r:?}"));
        }
        match &self.host {
            Some(HostMatch::Exact(h)) => parts.push(format!("host {h:?}")),
            Some(HostMatch::Subdomains(s)) => parts.push(format!("host \"*{s}\"")),
            None => {}
        }
        if let Some(p) = &self.path_prefix {
            parts.push(format!("path_prefix {p:?}"));
        }
        parts.join(" and ")
    }
}

/// Why a request got the policy it got, for the debug trace: the matching rule and
/// what it matches on, or why none did.
pub fn explain_selection<'r>(
    rules: impl ExactSizeIterator<Item = (&'r str, Option<&'r RuleMatch>)>,
    route: &RouteInfo,
) -> String {
    let total = rules.len();
    let mut rules = rules.enumerate().filter_map(|(i, (name, m))| Some((i, (name, m?))));
    if let Some((i, (name, m))) = rules.find(|(_, (_, m))| m.matches(route)) {
        return format!("policy {name}: rules[{i}] matches on {}", m.describe());
    }
    let ambiguous = if ambiguous_path(route.path) {
        " (the path is ambiguous, so no path_prefix rule takes it)"
    } else {
        ""
    };
    format!("policy default: none of the {total} rules matches{ambiguous}")
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
    fn selection_is_explained() {
        let api = rule(r#"{"path_prefix": "/api/"}"#);
        let partners = rule(r#"{"host": "*.partners.example.com", "route_name": "shop"}"#);
        let rules = || [("api", Some(&api)), ("partners", Some(&partners))].into_iter();
        assert_eq!(
            explain_selection(rules(), &at(None, "x", "/api/items")),
            "policy api: rules[0] matches on path_prefix \"/api/\""
        );
        assert_eq!(
            explain_selection(rules(), &at(Some("shop"), "a.partners.example.com", "/")),
            "policy partners: rules[1] matches on route_name \"shop\" and host \"*.partners.example.com\""
        );
        assert_eq!(
            explain_selection(rules(), &at(None, "x", "/other")),
            "policy default: none of the 2 rules matches"
        );
        assert_eq!(
            explain_selection(rules(), &at(None, "x", "/api/..;/admin")),
            "policy default: none of the 2 rules matches (the path is ambiguous, so no path_prefix rule takes it)"
        );
        let generated = rule(r#"{"route_name_prefix": "httproute/shop/"}"#);
        assert_eq!(
            explain_selection(
                [("shop", Some(&generated))].into_iter(),
                &at(Some("httproute/shop/web/rule/0/match/0/x"), "x", "/")
            ),
            "policy shop: rules[0] matches on route_name_prefix \"httproute/shop/\""
        );
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
            // Userinfo does not move a request to another host.
            (&exact, "user@api.example.com", true),
            (&exact, "user:pw@API.example.com:443", true),
            (&exact, "api.example.com@evil.net", false),
            (&sub, "u@a.example.com.", true),
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

    /// A rule that only adds protection resolves ambiguity toward itself; one that takes
    /// protection away never matches an ambiguous path. (authority, path, protective
    /// rule matches, relaxing rule matches)
    #[test]
    fn ambiguity_resolves_toward_protection() {
        let mut protective = rule(r#"{"host": "api.example.com", "path_prefix": "/account/"}"#);
        protective.protective = true;
        let relaxing = rule(r#"{"host": "api.example.com", "path_prefix": "/account/"}"#);
        let rows: &[(&str, &str, bool, bool)] = &[
            ("api.example.com", "/account/transfer", true, true),
            ("api.example.com", "/account;jsessionid=x/transfer", true, false),
            ("api.example.com", "/ACCOUNT/transfer", true, false),
            ("api.example.com", "/Account/transfer", true, false),
            ("api.example.com", "/%61ccount/transfer", true, false),
            ("api.example.com", "/public/..;/account/transfer", true, false),
            ("api.example.com", "/public/%2e%2e/account/transfer", true, false),
            ("api.example.com", "/account%2ftransfer", true, false),
            ("api.example.com", "//account/transfer", true, false),
            ("api.example.com", "/account/../public", false, false),
            ("api.example.com", "/public/transfer", false, false),
            ("api.example.com", "/accounts/transfer", false, false),
            ("api.example.com..", "/account/transfer", true, false),
            ("user@api.example.com", "/account/transfer", true, true),
            ("evil.example.com", "/ACCOUNT/transfer", false, false),
        ];
        for (authority, path, p, r) in rows {
            assert_eq!(
                protective.matches(&at(None, authority, path)),
                *p,
                "protective {authority} {path}"
            );
            assert_eq!(
                relaxing.matches(&at(None, authority, path)),
                *r,
                "relaxing {authority} {path}"
            );
        }
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

    /// The route names the control planes generate (docs/configuration-yaml.md).
    #[test]
    fn route_name_prefix_fits_generated_names() {
        let eg = rule(r#"{"route_name_prefix": "httproute/shop/storefront/"}"#);
        let istio = rule(r#"{"route_name_prefix": "shop.storefront."}"#);
        let rows: &[(&RuleMatch, Option<&'static str>, bool)] = &[
            (
                &eg,
                Some("httproute/shop/storefront/rule/0/match/0/www_example_com"),
                true,
            ),
            (&eg, Some("httproute/shop/storefront/rule/3/match/1/*"), true),
            (&eg, Some("httproute/shop/storefront-v2/rule/0/match/0/x"), false),
            (&eg, Some("httproute/other/storefront/rule/0/match/0/x"), false),
            (&eg, None, false),
            (&istio, Some("shop.storefront.0"), true),
            (&istio, Some("shop.storefront.12"), true),
            (&istio, Some("shop.storefronts.0"), false),
        ];
        for (m, name, want) in rows {
            assert_eq!(m.matches(&at(*name, "x", "/")), *want, "{name:?}");
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
            (r#"{"route_name_prefix": ""}"#, "rules[0].match.route_name_prefix"),
        ];
        for (json, want) in bad {
            let raw: RawMatch = serde_json::from_str(json).unwrap();
            let e = RuleMatch::compile(&raw, "rules[0].match").unwrap_err().to_string();
            assert!(e.contains(want), "{json}: {e}");
        }
    }
}
