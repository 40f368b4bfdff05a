//! The `cors` object of the plugin configuration, as written by the user (SPEC §1.2).

use crate::config::setting::nullable;
use serde::Deserialize;

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCors {
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub allowed_origin_regexes: Vec<String>,
    /// Absent = `["GET","HEAD","POST"]`.
    #[serde(default)]
    pub allowed_methods: Option<Vec<String>>,
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    #[serde(default)]
    pub exposed_headers: Vec<String>,
    #[serde(default)]
    pub allow_credentials: bool,
    /// Absent = the mode's default; `null` = send no `Access-Control-Max-Age`.
    /// Signed so that a negative value gets our message, not serde's.
    #[serde(default, deserialize_with = "nullable")]
    pub max_age: Option<Option<i64>>,
    #[serde(default)]
    pub allow_private_network: bool,
    #[serde(default)]
    pub preflight_status: Option<i64>,
    #[serde(default = "yes")]
    pub enforce: bool,
}
