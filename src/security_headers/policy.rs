//! The compiled security-header policy of a route: every value serialized once, at load.

use super::choice::Choice;
use super::config::{OverrideSpec, RawHeaders, RawHsts};
use super::managed::{self, Combine, Managed};
use super::{
    cache_control, clear_site_data, cross_origin, csp, custom, frame_options, hsts, permissions_policy,
    referrer_policy, remove, simple, suggest,
};
use crate::compile::{index, join};
use crate::compile::{Compile, ConfigError, Context, Mode};
use crate::compile::{NoOptions, Setting};
use std::borrow::Cow;

/// One header the policy sends, with the conditions it is sent under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Lower-case, as Envoy stores header names.
    pub name: String,
    pub value: String,
    /// Only on HTML responses (and responses without a content type).
    pub html_only: bool,
    /// Only when the request came over HTTPS.
    pub https_only: bool,
    /// Replaces the upstream's value instead of keeping it.
    pub override_: bool,
    /// How the upstream's repeated lines of this header become one.
    pub combine: Combine,
}

#[derive(Debug)]
pub struct HeaderPolicy {
    /// In the order they are added.
    pub lines: Vec<Line>,
    /// Lower-case, sorted: removed from every response.
    pub remove: Vec<String>,
    /// The request header trusted to say the request came over HTTPS.
    pub forwarded_proto_header: Option<String>,
}

/// A header before `override` and `html_only` are resolved; `key` is what they name.
struct Entry {
    key: String,
    name: String,
    value: String,
    https_only: bool,
    combine: Combine,
}

impl Entry {
    fn managed(h: Managed, value: impl Into<String>) -> Self {
        Entry {
            key: h.key.to_string(),
            name: h.name.to_string(),
            value: value.into(),
            https_only: false,
            combine: h.combine,
        }
    }
}

impl HeaderPolicy {
    /// Compiles the options at `path` (see [`Compile`]).
    fn compile_at(raw: &RawHeaders, mode: Mode, path: &str, warnings: &mut Vec<String>) -> Result<Self, ConfigError> {
        let dev = mode == Mode::Development;
        let mut b = Builder {
            path,
            entries: Vec::new(),
        };
        if let Some(r) = options(&raw.content_security_policy) {
            let c = csp::parse(&b.at(managed::CSP), &r, mode, warnings)?;
            b.add(c.header, Some(c.value));
            b.add(managed::REPORTING_ENDPOINTS, c.reporting_endpoints);
        }
        let coep = choose(
            &raw.cross_origin_embedder_policy,
            &b.at(managed::COEP),
            &cross_origin::EMBEDDER_POLICY,
        )?;
        if dev && coep.is_some() {
            warnings.push(format!(
                "{}: not sent in development mode (it blocks cross-origin resources a dev server loads)",
                b.at(managed::COEP)
            ));
        } else {
            b.add(managed::COEP, coep);
        }
        b.choice(
            managed::COOP,
            &raw.cross_origin_opener_policy,
            &cross_origin::OPENER_POLICY,
        )?;
        b.choice(
            managed::CORP,
            &raw.cross_origin_resource_policy,
            &cross_origin::RESOURCE_POLICY,
        )?;
        b.fixed(
            managed::ORIGIN_AGENT_CLUSTER,
            &raw.origin_agent_cluster,
            simple::ORIGIN_AGENT_CLUSTER,
        );
        let default_referrer = || referrer_policy::DEFAULT.to_string();
        b.header(
            managed::REFERRER_POLICY,
            &raw.referrer_policy,
            default_referrer,
            referrer_policy::parse,
        )?;
        let forwarded_proto_header = b.hsts(&raw.strict_transport_security, dev, warnings)?;
        b.fixed(
            managed::X_CONTENT_TYPE_OPTIONS,
            &raw.x_content_type_options,
            simple::X_CONTENT_TYPE_OPTIONS,
        );
        b.choice(
            managed::X_DNS_PREFETCH_CONTROL,
            &raw.x_dns_prefetch_control,
            &simple::X_DNS_PREFETCH_CONTROL,
        )?;
        b.fixed(
            managed::X_DOWNLOAD_OPTIONS,
            &raw.x_download_options,
            simple::X_DOWNLOAD_OPTIONS,
        );
        let frame = |p: &str, v: &String| frame_options::parse(p, v).map(String::from);
        b.header(
            managed::X_FRAME_OPTIONS,
            &raw.x_frame_options,
            || frame_options::DEFAULT.into(),
            frame,
        )?;
        let xpcdp = managed::X_PERMITTED_CROSS_DOMAIN_POLICIES;
        b.choice(
            xpcdp,
            &raw.x_permitted_cross_domain_policies,
            &simple::X_PERMITTED_CROSS_DOMAIN_POLICIES,
        )?;
        b.fixed(
            managed::X_XSS_PROTECTION,
            &raw.x_xss_protection,
            simple::X_XSS_PROTECTION,
        );
        let pp = managed::PERMISSIONS_POLICY;
        b.header(
            pp,
            &raw.permissions_policy,
            permissions_policy::owasp,
            permissions_policy::parse,
        )?;
        let owasp_cache = || cache_control::OWASP.to_string();
        b.header(managed::CACHE_CONTROL, &raw.cache_control, owasp_cache, |p, v| {
            cache_control::parse(p, v)
        })?;
        let owasp_clear = || clear_site_data::serialize(&clear_site_data::OWASP);
        let clear = managed::CLEAR_SITE_DATA;
        b.header(clear, &raw.clear_site_data, owasp_clear, |p, t| {
            clear_site_data::parse(p, t)
        })?;
        if !raw.clear_site_data.is_off() && !path.starts_with("rules[") {
            warnings.push(format!(
                "{}: set for every route: browsers will clear the site's data on every response; set it in a rule matching the logout path instead",
                b.at(clear)
            ));
        }
        for (name, value) in custom::parse(&join(path, "custom"), &raw.custom)? {
            b.entries.push(Entry {
                key: name.clone(),
                name,
                value,
                https_only: false,
                // What a custom header means is the application's business; joining keeps
                // every value the upstream sent, as a proxy combining the lines would.
                combine: Combine::Join,
            });
        }
        let entries = b.entries;

        let remove_path = join(path, "remove");
        let remove = remove::parse(&remove_path, &raw.remove)?;
        for e in &entries {
            if remove.binary_search(&e.name).is_ok() {
                let how = if e.key == e.name {
                    "it is also set in custom; a header cannot be both sent and removed".to_string()
                } else {
                    format!(
                        "it is sent by \"{}\"; to strip the upstream's and send none, set \"{}\": false",
                        e.key, e.key
                    )
                };
                return Err(ConfigError::at_str(remove_path, &e.name, how));
            }
        }

        let mut keys: Vec<&str> = entries
            .iter()
            .filter(|e| e.key == e.name)
            .map(|e| e.key.as_str())
            .collect();
        for k in managed::keys() {
            keys.push(k);
        }
        let override_keys = match &raw.override_ {
            None | Some(OverrideSpec::All(false)) => Vec::new(),
            Some(OverrideSpec::All(true)) => keys.iter().map(|k| k.to_string()).collect(),
            Some(OverrideSpec::Keys(list)) => key_list(&join(path, "override"), list, &keys)?,
        };
        let html_only = match &raw.html_only {
            None => vec![managed::CSP.key.to_string(), managed::X_FRAME_OPTIONS.key.to_string()],
            Some(list) => key_list(&join(path, "html_only"), list, &keys)?,
        };
        let lines = entries
            .into_iter()
            .map(|e| Line {
                html_only: html_only.contains(&e.key),
                override_: override_keys.contains(&e.key),
                https_only: e.https_only,
                combine: e.combine,
                name: e.name,
                value: e.value,
            })
            .collect();
        Ok(HeaderPolicy {
            lines,
            remove,
            forwarded_proto_header,
        })
    }
}

impl Compile for HeaderPolicy {
    type Raw = RawHeaders;

    fn compile(raw: &RawHeaders, cx: &mut Context<'_>) -> Result<Self, ConfigError> {
        Self::compile_at(raw, cx.mode, &cx.path, cx.warnings)
    }
}

/// Collects the headers a policy sends, in order.
struct Builder<'p> {
    path: &'p str,
    entries: Vec<Entry>,
}

impl Builder<'_> {
    fn at(&self, h: Managed) -> String {
        join(self.path, h.key)
    }

    // One copy rather than one per header (load-time code; 2.7 KB of .wasm).
    #[inline(never)]
    fn add(&mut self, h: Managed, value: Option<String>) {
        self.entries.extend(value.map(|v| Entry::managed(h, v)));
    }

    /// A header from its switch: off, `on`'s value for `true`, or `custom`'s from its options.
    fn header<T>(
        &mut self,
        h: Managed,
        s: &Setting<T>,
        on: impl FnOnce() -> String,
        custom: impl FnOnce(&str, &T) -> Result<String, ConfigError>,
    ) -> Result<(), ConfigError> {
        let value = match s {
            Setting::Off => None,
            Setting::On => Some(on()),
            Setting::Custom(t) => Some(custom(&self.at(h), t)?),
        };
        self.add(h, value);
        Ok(())
    }

    fn choice(&mut self, h: Managed, s: &Setting<String>, c: &Choice) -> Result<(), ConfigError> {
        let value = choose(s, &self.at(h), c)?;
        self.add(h, value);
        Ok(())
    }

    fn fixed(&mut self, h: Managed, s: &Setting<NoOptions>, value: &str) {
        match s {
            Setting::Off => {}
            Setting::On => self.add(h, Some(value.to_string())),
            Setting::Custom(never) => match *never {},
        }
    }

    /// HSTS (never in development); returns the forwarded-proto header to trust.
    fn hsts(
        &mut self,
        s: &Setting<RawHsts>,
        dev: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>, ConfigError> {
        let path = self.at(managed::HSTS);
        let Some(r) = options(s) else {
            if !dev {
                warnings.push(format!(
                    "{path}: off in production: browsers are not told to keep to HTTPS, so a user's next plain-HTTP visit can be intercepted"
                ));
            }
            return Ok(None);
        };
        let h = hsts::parse(&path, &r)?;
        if dev {
            if matches!(s, Setting::Custom(_)) {
                warnings.push(format!(
                    "{path}: not sent in development mode (it would pin localhost to https)"
                ));
            }
            return Ok(None);
        }
        self.entries.push(Entry {
            https_only: !h.on_http,
            ..Entry::managed(managed::HSTS, h.value)
        });
        Ok(h.forwarded_proto_header)
    }
}

/// A header with options: `None` when off, the defaults for `true`.
fn options<T: Default + Clone>(s: &Setting<T>) -> Option<Cow<'_, T>> {
    match s {
        Setting::Off => None,
        Setting::On => Some(Cow::Owned(T::default())),
        Setting::Custom(t) => Some(Cow::Borrowed(t)),
    }
}

/// A header with a choice of tokens.
fn choose(s: &Setting<String>, path: &str, c: &Choice) -> Result<Option<String>, ConfigError> {
    match s {
        Setting::Off => Ok(None),
        Setting::On => Ok(Some(c.default.to_string())),
        Setting::Custom(v) => c.parse(path, v).map(|t| Some(t.to_string())),
    }
}

/// `override` / `html_only` lists: header keys (or custom header names), once each.
fn key_list(path: &str, list: &[String], keys: &[&str]) -> Result<Vec<String>, ConfigError> {
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let p = index(path, i);
        let key = raw.to_ascii_lowercase();
        if !keys.contains(&key.as_str()) {
            return Err(ConfigError::at_str(
                p,
                raw,
                format!(
                    "not a header key; use the keys of the headers object (\"content_security_policy\", \"x_frame_options\", ...) or a header name from custom{}",
                    suggest::hint(raw, keys.iter().copied())
                ),
            ));
        }
        if out.contains(&key) {
            return Err(ConfigError::at_str(p, raw, "listed twice; remove the repetition"));
        }
        out.push(key);
    }
    Ok(out)
}
