//! Strict-Transport-Security, serialized like helmet's (`max-age=N; includeSubDomains; preload`).

use super::config::RawHsts;
use super::value;
use crate::compile::join;
use crate::compile::ConfigError;
use crate::compile::Setting;

/// One year: helmet's default since 8.0, and the HSTS preload list's minimum.
pub const DEFAULT_MAX_AGE: i64 = 31_536_000;
/// The request header trusted by default to carry the client's scheme.
pub const FORWARDED_PROTO: &str = "x-forwarded-proto";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hsts {
    pub value: String,
    /// Also sent on plain-HTTP requests (browsers ignore it there, RFC 6797 §8.1).
    pub on_http: bool,
    /// The request header that may say the client connection was HTTPS.
    pub forwarded_proto_header: Option<String>,
}

pub fn parse(path: &str, raw: &RawHsts) -> Result<Hsts, ConfigError> {
    let max_age = raw.max_age.unwrap_or(DEFAULT_MAX_AGE);
    let include_subdomains = raw.include_subdomains.unwrap_or(true);
    if max_age < 0 {
        return Err(ConfigError::new(
            join(path, "max_age"),
            max_age.to_string(),
            format!("must be 0 or more seconds (0 tells browsers to forget the policy); one year is {DEFAULT_MAX_AGE}"),
        ));
    }
    // The preload list (hstspreload.org) refuses both; helmet checks neither, and a
    // site that submits such a header finds out only when its submission bounces.
    if raw.preload && !include_subdomains {
        return Err(ConfigError::new(
            join(path, "preload"),
            "true",
            "the HSTS preload list requires include_subdomains: true",
        ));
    }
    if raw.preload && max_age < DEFAULT_MAX_AGE {
        return Err(ConfigError::new(
            join(path, "preload"),
            "true",
            format!("the HSTS preload list requires max_age of at least {DEFAULT_MAX_AGE} (one year), not {max_age}"),
        ));
    }
    let mut value = format!("max-age={max_age}");
    if include_subdomains {
        value.push_str("; includeSubDomains");
    }
    if raw.preload {
        value.push_str("; preload");
    }
    let header_path = join(path, "forwarded_proto_header");
    let forwarded_proto_header = match &raw.forwarded_proto_header {
        Setting::Off => None,
        Setting::On => Some(FORWARDED_PROTO.to_string()),
        Setting::Custom(name) => Some(value::header_name(&header_path, name)?),
    };
    Ok(Hsts {
        value,
        on_http: raw.on_http,
        forwarded_proto_header,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hsts(json: &str) -> Result<Hsts, String> {
        let raw: RawHsts = serde_json::from_str(json).map_err(|e| e.to_string())?;
        parse("headers.strict_transport_security", &raw).map_err(|e| e.to_string())
    }

    #[test]
    fn values() {
        let cases = [
            ("{}", "max-age=31536000; includeSubDomains"),
            (r#"{"max_age": 0}"#, "max-age=0; includeSubDomains"),
            (r#"{"include_subdomains": false}"#, "max-age=31536000"),
            (
                r#"{"max_age": 63072000, "include_subdomains": true, "preload": true}"#,
                "max-age=63072000; includeSubDomains; preload",
            ),
        ];
        for (json, want) in cases {
            assert_eq!(hsts(json).unwrap().value, want, "{json}");
        }
        let d = hsts("{}").unwrap();
        assert!(!d.on_http);
        assert_eq!(d.forwarded_proto_header.as_deref(), Some("x-forwarded-proto"));
        assert_eq!(
            hsts(r#"{"forwarded_proto_header": false}"#)
                .unwrap()
                .forwarded_proto_header,
            None
        );
        assert_eq!(
            hsts(r#"{"forwarded_proto_header": "X-Scheme"}"#)
                .unwrap()
                .forwarded_proto_header
                .as_deref(),
            Some("x-scheme")
        );
    }

    #[test]
    fn refusals() {
        let cases = [
            (r#"{"max_age": -1}"#, "edge-shield: headers.strict_transport_security.max_age: -1: must be 0 or more seconds (0 tells browsers to forget the policy); one year is 31536000"),
            (r#"{"preload": true, "include_subdomains": false}"#, "edge-shield: headers.strict_transport_security.preload: true: the HSTS preload list requires include_subdomains: true"),
            (r#"{"preload": true, "max_age": 300}"#, "edge-shield: headers.strict_transport_security.preload: true: the HSTS preload list requires max_age of at least 31536000 (one year), not 300"),
            (r#"{"forwarded_proto_header": "x proto"}"#, "edge-shield: headers.strict_transport_security.forwarded_proto_header: \"x proto\": not a valid header name"),
        ];
        for (json, want) in cases {
            let got = hsts(json).unwrap_err();
            assert!(got.starts_with(want), "{json}\n got: {got}\nwant: {want}");
        }
        // serde's own checks: fractions and unknown fields.
        assert!(hsts(r#"{"max_age": 1.5}"#)
            .unwrap_err()
            .contains("invalid type: floating point"));
        assert!(hsts(r#"{"maxAge": 1}"#).unwrap_err().contains("unknown field `maxAge`"));
    }
}
