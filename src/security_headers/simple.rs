//! helmet's headers with a fixed value, or a choice of two or four tokens.

use super::choice::Choice;

pub const X_CONTENT_TYPE_OPTIONS: &str = "nosniff";
/// A structured-field boolean: opt in to origin-keyed agent clusters.
pub const ORIGIN_AGENT_CLUSTER: &str = "?1";
/// IE8 only; helmet still sends it.
pub const X_DOWNLOAD_OPTIONS: &str = "noopen";
/// `0` switches the legacy XSS auditors off: they opened new holes (helmet#230).
pub const X_XSS_PROTECTION: &str = "0";

pub const X_DNS_PREFETCH_CONTROL: Choice = Choice {
    header: "X-DNS-Prefetch-Control",
    default: "off",
    allowed: &["off", "on"],
};

pub const X_PERMITTED_CROSS_DOMAIN_POLICIES: Choice = Choice {
    header: "X-Permitted-Cross-Domain-Policies",
    default: "none",
    allowed: &["none", "master-only", "by-content-type", "all"],
};
