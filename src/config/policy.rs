//! The compiled, immutable configuration shared by every request of a VM.

use super::route_match::RuleMatch;
use crate::compile::Mode;
use crate::cors::CorsPolicy;
use crate::exchange::RouteInfo;
use crate::hardening::{CookiePolicy, CsrfPolicy, HttpsRedirect, WebsocketPolicy};
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
    /// Risky but legal choices, logged at load.
    pub warnings: Vec<String>,
}

impl Config {
    pub fn new(mode: Mode, default: Rc<RoutePolicy>, rules: Vec<Rule>, warnings: Vec<String>) -> Self {
        let uses_route_name = rules.iter().any(|r| r.matcher.route_name.is_some());
        Config {
            mode,
            default,
            rules,
            uses_route_name,
            warnings,
        }
    }

    /// The policy of a request: the first matching rule's, else the top-level one.
    pub fn select(&self, route: &RouteInfo) -> &Rc<RoutePolicy> {
        self.rules
            .iter()
            .find(|r| r.matcher.matches(route))
            .map(|r| &r.policy)
            .unwrap_or(&self.default)
    }

    /// Every route policy, the top-level one first (its `index` is its position here).
    pub fn policies(&self) -> impl Iterator<Item = &Rc<RoutePolicy>> {
        std::iter::once(&self.default).chain(self.rules.iter().map(|r| &r.policy))
    }
}

#[derive(Debug)]
pub struct Rule {
    pub matcher: RuleMatch,
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
