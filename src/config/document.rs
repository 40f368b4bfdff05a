//! The plugin configuration document as written by the user (README.md, "Configuration"),
//! before compilation.

use crate::compile::{Mode, Override, Setting};
use crate::cors::config::RawCors;
use crate::hardening::config::{RawCookies, RawCsrf, RawHttpsRedirect, RawWebsocket};
use crate::security_headers::config::RawHeaders;
use serde::Deserialize;

fn yes() -> bool {
    true
}
fn on<T>() -> Setting<T> {
    Setting::On
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub mode: Mode,
    #[serde(default = "Setting::default_off")]
    pub cors: Setting<RawCors>,
    #[serde(default = "on")]
    pub headers: Setting<RawHeaders>,
    #[serde(default)]
    pub rules: Vec<RawRule>,
    #[serde(default = "yes")]
    pub log_blocked: bool,
    #[serde(default = "Setting::default_off")]
    pub https_redirect: Setting<RawHttpsRedirect>,
    #[serde(default = "Setting::default_off")]
    pub cookies: Setting<RawCookies>,
    #[serde(default = "Setting::default_off")]
    pub csrf: Setting<RawCsrf>,
    #[serde(default = "Setting::default_off")]
    pub websocket: Setting<RawWebsocket>,
    /// Read the policy a route's or virtual host's metadata names
    /// (docs/configuration-yaml.md); off saves two property reads a request.
    #[serde(default = "yes")]
    pub read_route_metadata: bool,
    /// Record each decision in filter state for access logs (docs/observability.md);
    /// off saves two host calls a request.
    #[serde(default = "yes")]
    pub record_decision: bool,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            mode: Mode::Production,
            cors: Setting::Off,
            headers: Setting::On,
            rules: Vec::new(),
            log_blocked: true,
            https_redirect: Setting::Off,
            cookies: Setting::Off,
            csrf: Setting::Off,
            websocket: Setting::Off,
            read_route_metadata: true,
            record_decision: true,
        }
    }
}

/// A per-route override: every field present replaces the top-level one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Optional label used in metric names and logs (default: the rule's index).
    #[serde(default)]
    pub name: Option<String>,
    /// Absent: the rule matches no request by itself and is selected only by name, from
    /// route or virtual-host metadata (docs/configuration-yaml.md).
    #[serde(rename = "match", default)]
    pub matcher: Option<RawMatch>,
    #[serde(default)]
    pub cors: Override<Setting<RawCors>>,
    #[serde(default)]
    pub headers: Override<Setting<RawHeaders>>,
    #[serde(default)]
    pub log_blocked: Override<bool>,
    #[serde(default)]
    pub https_redirect: Override<Setting<RawHttpsRedirect>>,
    #[serde(default)]
    pub cookies: Override<Setting<RawCookies>>,
    #[serde(default)]
    pub csrf: Override<Setting<RawCsrf>>,
    #[serde(default)]
    pub websocket: Override<Setting<RawWebsocket>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatch {
    #[serde(default)]
    pub route_name: Option<String>,
    /// For generated route names: Envoy Gateway's `httproute/<ns>/<name>/rule/<i>/...`,
    /// Istio's Gateway API `<ns>.<route>.<i>`.
    #[serde(default)]
    pub route_name_prefix: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub path_prefix: Option<String>,
}
