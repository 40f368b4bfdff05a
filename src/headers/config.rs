//! The `headers` object of the plugin configuration, as written by the user (SPEC §3).

use crate::config::setting::{NoOptions, OneOrMany, OrderedMap, Setting};
use serde::Deserialize;

fn on<T>() -> Setting<T> {
    Setting::On
}
fn off<T>() -> Setting<T> {
    Setting::Off
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeaders {
    #[serde(default = "on")]
    pub content_security_policy: Setting<RawCsp>,
    #[serde(default = "on")]
    pub strict_transport_security: Setting<RawHsts>,
    #[serde(default = "on")]
    pub x_frame_options: Setting<String>,
    #[serde(default = "on")]
    pub x_content_type_options: Setting<NoOptions>,
    #[serde(default = "on")]
    pub referrer_policy: Setting<OneOrMany>,
    #[serde(default = "on")]
    pub cross_origin_opener_policy: Setting<String>,
    #[serde(default = "on")]
    pub cross_origin_resource_policy: Setting<String>,
    #[serde(default = "off")]
    pub cross_origin_embedder_policy: Setting<String>,
    #[serde(default = "on")]
    pub origin_agent_cluster: Setting<NoOptions>,
    #[serde(default = "on")]
    pub x_dns_prefetch_control: Setting<String>,
    #[serde(default = "on")]
    pub x_download_options: Setting<NoOptions>,
    #[serde(default = "on")]
    pub x_permitted_cross_domain_policies: Setting<String>,
    #[serde(default = "on")]
    pub x_xss_protection: Setting<NoOptions>,
    /// feature → allowlist (`[]` = `()`, `["self"]`, origins).
    #[serde(default = "off")]
    pub permissions_policy: Setting<OrderedMap<Vec<String>>>,
    #[serde(default = "off")]
    pub cache_control: Setting<String>,
    #[serde(default = "off")]
    pub clear_site_data: Setting<Vec<String>>,
    #[serde(default)]
    pub custom: OrderedMap<String>,
    /// Absent = the built-in list; `"owasp"` = OWASP's list; or a list of names.
    #[serde(default)]
    pub remove: Option<OneOrMany>,
    /// `true`/`false` for every header, or the list of header keys whose value wins.
    #[serde(default, rename = "override")]
    pub override_: Option<OverrideSpec>,
    /// Header keys sent only on HTML responses. Absent = CSP and X-Frame-Options.
    #[serde(default)]
    pub html_only: Option<Vec<String>>,
}

impl Default for RawHeaders {
    /// The same as `{}` (checked by a test).
    fn default() -> Self {
        RawHeaders {
            content_security_policy: Setting::On,
            strict_transport_security: Setting::On,
            x_frame_options: Setting::On,
            x_content_type_options: Setting::On,
            referrer_policy: Setting::On,
            cross_origin_opener_policy: Setting::On,
            cross_origin_resource_policy: Setting::On,
            cross_origin_embedder_policy: Setting::Off,
            origin_agent_cluster: Setting::On,
            x_dns_prefetch_control: Setting::On,
            x_download_options: Setting::On,
            x_permitted_cross_domain_policies: Setting::On,
            x_xss_protection: Setting::On,
            permissions_policy: Setting::Off,
            cache_control: Setting::Off,
            clear_site_data: Setting::Off,
            custom: Default::default(),
            remove: None,
            override_: None,
            html_only: None,
        }
    }
}

/// `override`: a boolean for all headers, or a list of header keys.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum OverrideSpec {
    All(bool),
    Keys(Vec<String>),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCsp {
    /// directive → sources; `null` drops a default directive.
    #[serde(default)]
    pub directives: OrderedMap<Option<OneOrMany>>,
    #[serde(default)]
    pub use_defaults: Option<bool>,
    #[serde(default)]
    pub report_only: bool,
    #[serde(default)]
    pub report_to: Option<String>,
    /// endpoint name → URL, sent as `Reporting-Endpoints`.
    #[serde(default)]
    pub reporting_endpoints: OrderedMap<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHsts {
    #[serde(default)]
    pub max_age: Option<i64>,
    #[serde(default)]
    pub include_subdomains: Option<bool>,
    #[serde(default)]
    pub preload: bool,
    #[serde(default)]
    pub on_http: bool,
}
