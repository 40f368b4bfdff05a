//! The `headers` object of the plugin configuration, as written by the user (README.md, "Security headers").

use crate::compile::{NoOptions, OneOrMany, OrderedMap, Setting};
use serde::de::value::SeqAccessDeserializer;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

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
    /// feature → allowlist (`[]` = `()`, `["self"]`, origins); `true` = OWASP's list.
    #[serde(default = "off")]
    pub permissions_policy: Setting<OrderedMap<Vec<String>>>,
    /// `true` = OWASP's `no-store, max-age=0`.
    #[serde(default = "off")]
    pub cache_control: Setting<String>,
    /// `true` = OWASP's `"cache","cookies","storage"`.
    #[serde(default = "off")]
    pub clear_site_data: Setting<Vec<String>>,
    #[serde(default)]
    pub custom: OrderedMap<String>,
    /// `true`/absent = the built-in list; `false` = nothing; `"owasp"` = OWASP's list;
    /// or a list of names (which may include `"owasp"`).
    #[serde(default = "on")]
    pub remove: Setting<OneOrMany>,
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
            remove: Setting::On,
            override_: None,
            html_only: None,
        }
    }
}

/// `override`: a boolean for all headers, or a list of header keys.
#[derive(Debug, Clone, PartialEq)]
pub enum OverrideSpec {
    All(bool),
    Keys(Vec<String>),
}

// By hand rather than `#[serde(untagged)]`: untagged only says "did not match any
// variant", which tells the operator neither what was wrong nor what is expected.
impl<'de> Deserialize<'de> for OverrideSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OverrideSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true, false, or a list of header keys, as in [\"content_security_policy\"]")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(OverrideSpec::All(b))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<String>::deserialize(SeqAccessDeserializer::new(seq)).map(OverrideSpec::Keys)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCsp {
    /// directive → sources; `null` drops a default directive.
    #[serde(default)]
    pub directives: OrderedMap<Option<OneOrMany>>,
    #[serde(default, deserialize_with = "boolean")]
    pub use_defaults: Option<bool>,
    /// helmet's `dangerouslyDisableDefaultSrc`: send a policy without `default-src`.
    #[serde(default)]
    pub dangerously_disable_default_src: bool,
    #[serde(default)]
    pub report_only: bool,
    /// Adds `report-to <name>` to the policy.
    #[serde(default)]
    pub report_to: Option<String>,
    /// endpoint name → URL, sent as `Reporting-Endpoints`.
    #[serde(default)]
    pub reporting_endpoints: OrderedMap<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHsts {
    #[serde(default, deserialize_with = "seconds")]
    pub max_age: Option<i64>,
    #[serde(default, deserialize_with = "boolean")]
    pub include_subdomains: Option<bool>,
    #[serde(default)]
    pub preload: bool,
    #[serde(default)]
    pub on_http: bool,
    /// Request header trusted to say the client connection was HTTPS (`true`/absent =
    /// `x-forwarded-proto`, `false` = trust `:scheme` only).
    #[serde(default = "on")]
    pub forwarded_proto_header: Setting<String>,
}

impl Default for RawHsts {
    fn default() -> Self {
        RawHsts {
            max_age: None,
            include_subdomains: None,
            preload: false,
            on_http: false,
            forwarded_proto_header: Setting::On,
        }
    }
}

/// How [`not_null`]'s message starts (the loader finds the error's path by it).
pub const NULL_REFUSED: &str = "null is refused here";

/// An optional field that, when given, must not be `null`. Elsewhere `null` switches
/// a setting off, so reading it here as "the default" (`"include_subdomains": null`
/// meaning true, and passing the preload check) would do the opposite of what it says.
fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D, what: &str) -> Result<Option<T>, D::Error> {
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(de::Error::custom(format!(
            "{NULL_REFUSED}: write {what}, or leave the field out for its default"
        ))),
    }
}

fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    not_null(d, "true or false")
}

fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    not_null(d, "a number of seconds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_spec_shapes_and_message() {
        let all: OverrideSpec = serde_json::from_str("true").unwrap();
        assert_eq!(all, OverrideSpec::All(true));
        let keys: OverrideSpec = serde_json::from_str(r#"["x_frame_options"]"#).unwrap();
        assert_eq!(keys, OverrideSpec::Keys(vec!["x_frame_options".into()]));
        let e = serde_json::from_str::<OverrideSpec>(r#""yes""#)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("invalid type: string \"yes\", expected true, false, or a list of header keys, as in [\"content_security_policy\"]"),
            "{e}"
        );
    }

    #[test]
    fn null_is_not_the_default() {
        let e = serde_json::from_str::<RawHsts>(r#"{"include_subdomains": null, "preload": true}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("null is refused here: write true or false, or leave the field out for its default"),
            "{e}"
        );
        let e = serde_json::from_str::<RawHsts>(r#"{"max_age": null}"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("null is refused here: write a number of seconds"), "{e}");
        let e = serde_json::from_str::<RawCsp>(r#"{"use_defaults": null}"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("null is refused here: write true or false"), "{e}");
        // Given or left out, as before.
        let given: RawHsts = serde_json::from_str(r#"{"include_subdomains": false, "max_age": 0}"#).unwrap();
        assert_eq!((given.include_subdomains, given.max_age), (Some(false), Some(0)));
        let absent: RawCsp = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.use_defaults, None);
        assert!(serde_json::from_str::<RawHsts>(r#"{"include_subdomains": "yes"}"#).is_err());
    }

    #[test]
    fn raw_hsts_default_equals_empty_object() {
        let parsed: RawHsts = serde_json::from_str("{}").unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", RawHsts::default()));
    }
}
