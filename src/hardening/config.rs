//! The edge-hardening objects of the plugin configuration (README.md, "Edge hardening"), as written by the user.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttpsRedirect {
    /// Header carrying the original scheme. Default `x-forwarded-proto`.
    #[serde(default)]
    pub header: Option<String>,
    /// 301 or 308 (default).
    #[serde(default)]
    pub status: Option<i64>,
    #[serde(default)]
    pub exempt_paths: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCookies {
    /// Absent = on in production, off in development.
    #[serde(default)]
    pub secure: Option<bool>,
    /// Absent = on.
    #[serde(default)]
    pub http_only: Option<bool>,
    /// `Lax` (default), `Strict` or `None`.
    #[serde(default)]
    pub same_site: Option<String>,
    /// Cookie names that keep `HttpOnly` off (e.g. a CSRF token JavaScript reads).
    #[serde(default)]
    pub exempt: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCsrf {
    #[serde(default)]
    pub trusted_origins: Vec<String>,
    #[serde(default)]
    pub exempt_paths: Vec<String>,
    /// Absent = true: `Sec-Fetch-Site: same-site` requests pass.
    #[serde(default)]
    pub allow_same_site: Option<bool>,
    /// Absent = true; `false` = report-only (log and count, refuse nothing).
    #[serde(default)]
    pub enforce: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebsocket {
    #[serde(default)]
    pub trusted_origins: Vec<String>,
    #[serde(default)]
    pub exempt_paths: Vec<String>,
    /// Absent = true; `false` = report-only (log and count, refuse nothing).
    #[serde(default)]
    pub enforce: Option<bool>,
}
