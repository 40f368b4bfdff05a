//! The `cors` object of the plugin configuration, as written by the user (README.md, "CORS").

use crate::compile::nullable;
use serde::Deserialize;

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
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

impl Default for RawCors {
    /// The same as `{}` (`"cors": true` means exactly that; checked by a test): in
    /// particular `enforce` is on, as its serde default says.
    fn default() -> Self {
        RawCors {
            allowed_origins: Vec::new(),
            allowed_origin_regexes: Vec::new(),
            allowed_methods: None,
            allowed_headers: Vec::new(),
            exposed_headers: Vec::new(),
            allow_credentials: false,
            max_age: None,
            allow_private_network: false,
            preflight_status: None,
            enforce: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_equals_empty_object() {
        let parsed: RawCors = serde_json::from_str("{}").unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", RawCors::default()));
        assert!(RawCors::default().enforce);
    }
}
