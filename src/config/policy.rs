//! The compiled, immutable configuration shared by every request of a VM.

use super::route_match::RuleMatch;
use crate::compile::Mode;
use crate::cors::CorsPolicy;
use crate::exchange::RouteInfo;
use crate::hardening::{CookiePolicy, CsrfPolicy, HttpsRedirect, WebsocketPolicy};
use crate::http::loggable;
use crate::security_headers::HeaderPolicy;
use std::rc::Rc;

#[derive(Debug)]
pub struct Config {
    pub mode: Mode,
    /// The top-level policy, used when no rule matches.
    pub default: Rc<RoutePolicy>,
    /// First matching rule wins.
    pub rules: Vec<Rule>,
    /// Whether any rule matches on `route_name` (so the glue reads that property only then).
    pub uses_route_name: bool,
    /// Whether the glue reads route and virtual-host metadata for a policy name.
    pub read_route_metadata: bool,
    /// Whether the glue records each decision in filter state.
    pub record_decision: bool,
    /// Risky but legal choices, logged at load.
    pub warnings: Vec<String>,
}

impl Config {
    pub fn new(mode: Mode, default: Rc<RoutePolicy>, rules: Vec<Rule>, warnings: Vec<String>) -> Self {
        let uses_route_name = rules
            .iter()
            .filter_map(|r| r.matcher.as_ref())
            .any(|m| m.route_name.is_some() || m.route_name_prefix.is_some());
        Config {
            mode,
            default,
            rules,
            uses_route_name,
            read_route_metadata: true,
            record_decision: true,
            warnings,
        }
    }

    /// The policy of a request: the first matching rule's, else the top-level one.
    pub fn select(&self, route: &RouteInfo) -> &Rc<RoutePolicy> {
        self.choose(MetadataNames::default(), route).0
    }

    /// The policy of a request, most specific first: the policy named in the route's
    /// metadata, then in its virtual host's, then the first matching rule, then the top
    /// level. A name the configuration does not define selects the top-level policy
    /// (never a rule's, which may be weaker) and says so in [`Why::UnknownName`].
    pub fn choose(&self, names: MetadataNames<'_>, route: &RouteInfo) -> (&Rc<RoutePolicy>, Why) {
        for (name, from) in [(names.route, Source::Route), (names.virtual_host, Source::VirtualHost)] {
            if let Some(name) = name {
                return match self.named(name) {
                    Some(p) => (p, Why::Named(from)),
                    None => (&self.default, Why::UnknownName(from)),
                };
            }
        }
        match self
            .rules
            .iter()
            .position(|r| r.matcher.as_ref().is_some_and(|m| m.matches(route)))
        {
            Some(i) => (&self.rules[i].policy, Why::Rule(i)),
            None => (&self.default, Why::TopLevel),
        }
    }

    /// A policy by name: a rule's, or `default` for the top level.
    pub fn named(&self, name: &[u8]) -> Option<&Rc<RoutePolicy>> {
        self.policies().find(|p| p.name.as_bytes() == name)
    }

    /// Why `select` picks what it picks (for the debug trace; only built when logged).
    pub fn explain_selection(&self, route: &RouteInfo, why: Why) -> String {
        match why {
            Why::Named(from) => return format!("policy named by {}", from.describe()),
            Why::UnknownName(from) => {
                return format!("{} names an undefined policy: the top-level policy", from.describe())
            }
            Why::Rule(_) | Why::TopLevel => {}
        }
        let rules = self.rules.iter().map(|r| (r.policy.name.as_str(), r.matcher.as_ref()));
        super::route_match::explain_selection(rules, route)
    }

    /// Every route policy, the top-level one first (its `index` is its position here).
    pub fn policies(&self) -> impl Iterator<Item = &Rc<RoutePolicy>> {
        std::iter::once(&self.default).chain(self.rules.iter().map(|r| &r.policy))
    }
}

/// The policy names a request's route and virtual host carry in their metadata
/// (`filter_metadata.edge-shield.policy`), as the glue read them.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetadataNames<'a> {
    pub route: Option<&'a [u8]>,
    pub virtual_host: Option<&'a [u8]>,
}

impl MetadataNames<'_> {
    /// The error line for a name the configuration does not define (logged within the
    /// per-worker budget by either host; docs/configuration-yaml.md).
    pub fn unknown_line(&self, from: Source, path: &[u8]) -> String {
        format!(
            "edge-shield: {} names the policy \"{}\", which the configuration does not define: \
             the top-level policy applies (path=\"{}\")",
            from.describe(),
            loggable(self.route.or(self.virtual_host).unwrap_or_default(), 64),
            loggable(path, 200),
        )
    }
}

/// Where a policy name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Route,
    VirtualHost,
}

impl Source {
    pub fn describe(self) -> &'static str {
        match self {
            Source::Route => "route metadata",
            Source::VirtualHost => "virtual host metadata",
        }
    }
}

/// Why [`Config::choose`] chose a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Named in the route's or virtual host's metadata.
    Named(Source),
    /// Metadata named a policy the configuration does not define: the top level applies.
    UnknownName(Source),
    /// The first matching rule (its index).
    Rule(usize),
    /// No metadata and no matching rule.
    TopLevel,
}

#[derive(Debug)]
pub struct Rule {
    /// `None`: selected only by name, from route metadata.
    pub matcher: Option<RuleMatch>,
    pub policy: Rc<RoutePolicy>,
}

/// Everything edge-shield does on one route. A part that is `None` is off.
#[derive(Debug)]
pub struct RoutePolicy {
    /// `default` or the rule's name (`rule<N>` when unnamed); used in metrics and logs.
    pub name: String,
    /// 0 for the top level, N for rule N-1.
    pub index: usize,
    pub log_blocked: bool,
    pub cors: Option<Rc<CorsPolicy>>,
    pub headers: Option<Rc<HeaderPolicy>>,
    pub https_redirect: Option<Rc<HttpsRedirect>>,
    pub cookies: Option<Rc<CookiePolicy>>,
    pub csrf: Option<Rc<CsrfPolicy>>,
    pub websocket: Option<Rc<WebsocketPolicy>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_route_then_virtual_host_then_rules_then_top_level() {
        let config = crate::config::load(
            br#"{"rules": [
                {"name": "admin"},
                {"name": "vh"},
                {"name": "public", "match": {"path_prefix": "/public/"}}
            ]}"#,
        )
        .unwrap();
        let route = |path: &'static str| RouteInfo {
            route_name: None,
            authority: b"x",
            path: path.as_bytes(),
        };
        let names = |r: Option<&'static str>, v: Option<&'static str>| MetadataNames {
            route: r.map(str::as_bytes),
            virtual_host: v.map(str::as_bytes),
        };
        // (route metadata, virtual-host metadata, path, chosen policy, why)
        type Row = (
            Option<&'static str>,
            Option<&'static str>,
            &'static str,
            &'static str,
            Why,
        );
        let rows: &[Row] = &[
            (
                Some("admin"),
                Some("vh"),
                "/public/x",
                "admin",
                Why::Named(Source::Route),
            ),
            (None, Some("vh"), "/public/x", "vh", Why::Named(Source::VirtualHost)),
            (None, None, "/public/x", "public", Why::Rule(2)),
            (None, None, "/x", "default", Why::TopLevel),
            (
                Some("default"),
                Some("vh"),
                "/public/x",
                "default",
                Why::Named(Source::Route),
            ),
            // An unknown name never falls through to a (possibly weaker) rule.
            (
                Some("admni"),
                Some("vh"),
                "/public/x",
                "default",
                Why::UnknownName(Source::Route),
            ),
            (
                None,
                Some("nope"),
                "/public/x",
                "default",
                Why::UnknownName(Source::VirtualHost),
            ),
            (Some(""), None, "/public/x", "default", Why::UnknownName(Source::Route)),
        ];
        for (r, v, path, want, why) in rows {
            let (p, got) = config.choose(names(*r, *v), &route(path));
            assert_eq!((p.name.as_str(), got), (*want, *why), "{r:?} {v:?} {path}");
        }
    }

    #[test]
    fn a_rule_without_match_needs_a_name_and_matches_nothing_by_itself() {
        let e = crate::config::load(br#"{"rules": [{"cors": null}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rules[0]: a rule needs a `match`, or a `name`"), "{e}");
        let c = crate::config::load(br#"{"rules": [{"name": "admin", "cors": null}]}"#).unwrap();
        let route = RouteInfo {
            route_name: Some("admin"),
            authority: b"admin",
            path: b"/admin",
        };
        assert_eq!(c.select(&route).name, "default");
    }
}
