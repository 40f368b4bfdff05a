//! The headers this module manages: their configuration keys and wire names.

/// A managed header: its key in the `headers` object (also used by `override` and
/// `html_only`), its name on the wire, lower-case as Envoy stores it, and how several
/// upstream lines of it become the one line we forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Managed {
    pub key: &'static str,
    pub name: &'static str,
    pub combine: Combine,
}

/// How the upstream's repeated lines of a header become one line (never two lines:
/// scanners call a repeated CSP, HSTS or X-Frame-Options invalid), chosen so that the
/// one line means to a browser what the repeated lines meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// A single value: browsers use the first line (RFC 6797 §8.1 for HSTS, Fetch's
    /// nosniff check for X-Content-Type-Options, structured-field items for COOP & co.).
    First,
    /// X-Frame-Options: browsers block framing when the lines disagree (HTML, "the
    /// X-Frame-Options header"), so a conflict or any DENY becomes DENY, never looser.
    Strictest,
    /// A list or dictionary: browsers combine the lines with commas and apply all of
    /// them (every CSP policy is enforced), so the lines are joined with `, `.
    Join,
    /// `Reporting-Endpoints`: joined like [`Combine::Join`], then ours appended where it
    /// applies, so that our CSP's `report-to` names an endpoint that exists (a later
    /// dictionary member of the same name wins).
    JoinOurs,
}

const fn m(key: &'static str, name: &'static str, combine: Combine) -> Managed {
    Managed { key, name, combine }
}

pub const CSP: Managed = m("content_security_policy", "content-security-policy", Combine::Join);
/// Sent instead of [`CSP`] with `report_only`; configured by the same key.
pub const CSP_REPORT_ONLY: Managed = m(
    "content_security_policy",
    "content-security-policy-report-only",
    Combine::Join,
);
/// Sent with the CSP when `reporting_endpoints` is given; configured by the same key.
pub const REPORTING_ENDPOINTS: Managed = m("content_security_policy", "reporting-endpoints", Combine::JoinOurs);
pub const COEP: Managed = m(
    "cross_origin_embedder_policy",
    "cross-origin-embedder-policy",
    Combine::First,
);
pub const COOP: Managed = m(
    "cross_origin_opener_policy",
    "cross-origin-opener-policy",
    Combine::First,
);
pub const CORP: Managed = m(
    "cross_origin_resource_policy",
    "cross-origin-resource-policy",
    Combine::First,
);
pub const ORIGIN_AGENT_CLUSTER: Managed = m("origin_agent_cluster", "origin-agent-cluster", Combine::First);
pub const REFERRER_POLICY: Managed = m("referrer_policy", "referrer-policy", Combine::Join);
pub const HSTS: Managed = m("strict_transport_security", "strict-transport-security", Combine::First);
pub const X_CONTENT_TYPE_OPTIONS: Managed = m("x_content_type_options", "x-content-type-options", Combine::First);
pub const X_DNS_PREFETCH_CONTROL: Managed = m("x_dns_prefetch_control", "x-dns-prefetch-control", Combine::First);
pub const X_DOWNLOAD_OPTIONS: Managed = m("x_download_options", "x-download-options", Combine::First);
pub const X_FRAME_OPTIONS: Managed = m("x_frame_options", "x-frame-options", Combine::Strictest);
pub const X_PERMITTED_CROSS_DOMAIN_POLICIES: Managed = m(
    "x_permitted_cross_domain_policies",
    "x-permitted-cross-domain-policies",
    Combine::First,
);
pub const X_XSS_PROTECTION: Managed = m("x_xss_protection", "x-xss-protection", Combine::First);
pub const PERMISSIONS_POLICY: Managed = m("permissions_policy", "permissions-policy", Combine::Join);
pub const CACHE_CONTROL: Managed = m("cache_control", "cache-control", Combine::Join);
pub const CLEAR_SITE_DATA: Managed = m("clear_site_data", "clear-site-data", Combine::Join);

/// Every managed header, in the order they are sent (helmet's order, then ours).
pub const ALL: [Managed; 18] = [
    CSP,
    CSP_REPORT_ONLY,
    REPORTING_ENDPOINTS,
    COEP,
    COOP,
    CORP,
    ORIGIN_AGENT_CLUSTER,
    REFERRER_POLICY,
    HSTS,
    X_CONTENT_TYPE_OPTIONS,
    X_DNS_PREFETCH_CONTROL,
    X_DOWNLOAD_OPTIONS,
    X_FRAME_OPTIONS,
    X_PERMITTED_CROSS_DOMAIN_POLICIES,
    X_XSS_PROTECTION,
    PERMISSIONS_POLICY,
    CACHE_CONTROL,
    CLEAR_SITE_DATA,
];

/// The configuration keys, once each.
pub fn keys() -> impl Iterator<Item = &'static str> {
    ALL.iter()
        .enumerate()
        .filter(|(i, h)| !ALL[..*i].iter().any(|e| e.key == h.key))
        .map(|(_, h)| h.key)
}

/// The managed header sent under this wire name, if any.
pub fn by_name(name: &str) -> Option<Managed> {
    ALL.iter().copied().find(|h| h.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_snake_case() {
        let keys: Vec<_> = keys().collect();
        assert_eq!(keys.len(), 16);
        assert!(keys
            .iter()
            .all(|k| k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        for h in ALL {
            assert_eq!(h.name, h.name.to_ascii_lowercase());
        }
        assert_eq!(by_name("X-Frame-Options"), Some(X_FRAME_OPTIONS));
        assert_eq!(by_name("x-powered-by"), None);
    }

    /// Which headers browsers read as lists or dictionaries (their lines are combined with
    /// commas) and which as one value, from each header's standard.
    #[test]
    fn combine_follows_each_headers_grammar() {
        let join = [
            "content-security-policy",
            "content-security-policy-report-only",
            "referrer-policy",
            "permissions-policy",
            "cache-control",
            "clear-site-data",
        ];
        for h in ALL {
            let want = if join.contains(&h.name) {
                Combine::Join
            } else if h == REPORTING_ENDPOINTS {
                Combine::JoinOurs
            } else if h == X_FRAME_OPTIONS {
                Combine::Strictest
            } else {
                Combine::First
            };
            assert_eq!(h.combine, want, "{}", h.name);
        }
    }
}
