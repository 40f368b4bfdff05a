//! The headers this module manages: their configuration keys and wire names.

/// A managed header: its key in the `headers` object (also used by `override` and
/// `html_only`) and its name on the wire, lower-case as Envoy stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Managed {
    pub key: &'static str,
    pub name: &'static str,
}

const fn m(key: &'static str, name: &'static str) -> Managed {
    Managed { key, name }
}

pub const CSP: Managed = m("content_security_policy", "content-security-policy");
/// Sent instead of [`CSP`] with `report_only`; configured by the same key.
pub const CSP_REPORT_ONLY: Managed = m("content_security_policy", "content-security-policy-report-only");
/// Sent with the CSP when `reporting_endpoints` is given; configured by the same key.
pub const REPORTING_ENDPOINTS: Managed = m("content_security_policy", "reporting-endpoints");
pub const COEP: Managed = m("cross_origin_embedder_policy", "cross-origin-embedder-policy");
pub const COOP: Managed = m("cross_origin_opener_policy", "cross-origin-opener-policy");
pub const CORP: Managed = m("cross_origin_resource_policy", "cross-origin-resource-policy");
pub const ORIGIN_AGENT_CLUSTER: Managed = m("origin_agent_cluster", "origin-agent-cluster");
pub const REFERRER_POLICY: Managed = m("referrer_policy", "referrer-policy");
pub const HSTS: Managed = m("strict_transport_security", "strict-transport-security");
pub const X_CONTENT_TYPE_OPTIONS: Managed = m("x_content_type_options", "x-content-type-options");
pub const X_DNS_PREFETCH_CONTROL: Managed = m("x_dns_prefetch_control", "x-dns-prefetch-control");
pub const X_DOWNLOAD_OPTIONS: Managed = m("x_download_options", "x-download-options");
pub const X_FRAME_OPTIONS: Managed = m("x_frame_options", "x-frame-options");
pub const X_PERMITTED_CROSS_DOMAIN_POLICIES: Managed =
    m("x_permitted_cross_domain_policies", "x-permitted-cross-domain-policies");
pub const X_XSS_PROTECTION: Managed = m("x_xss_protection", "x-xss-protection");
pub const PERMISSIONS_POLICY: Managed = m("permissions_policy", "permissions-policy");
pub const CACHE_CONTROL: Managed = m("cache_control", "cache-control");
pub const CLEAR_SITE_DATA: Managed = m("clear_site_data", "clear-site-data");

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
}
