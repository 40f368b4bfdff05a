//! `custom`: extra `name: value` headers, validated like the managed ones.

use super::{managed, reserved, value};
use crate::compile::join;
use crate::compile::ConfigError;
use crate::compile::OrderedMap;

/// The headers as (lower-case name, value), in configuration order.
pub fn parse(path: &str, map: &OrderedMap<String>) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (raw_name, raw_value) in map.iter() {
        let name = value::header_name(path, raw_name)?;
        let fail = |msg: String| Err(ConfigError::at_str(path, raw_name, msg));
        if let Some(h) = managed::by_name(&name) {
            return fail(format!(
                "{} is managed by \"{}\": configure it there, where it is validated",
                h.name, h.key
            ));
        }
        if let Some(why) = reserved::reserved(&name) {
            return fail(format!("{why}; take it out of custom"));
        }
        if out.iter().any(|(n, _)| *n == name) {
            return fail("given twice (header names are case-insensitive); keep one".into());
        }
        value::field_value(&join(path, raw_name), raw_value)?;
        out.push((name, raw_value.clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(json: &str) -> Result<Vec<(String, String)>, String> {
        let map: OrderedMap<String> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        parse("headers.custom", &map).map_err(|e| e.to_string())
    }

    #[test]
    fn accepted() {
        assert_eq!(
            custom(r#"{"X-Robots-Tag": "noindex, nofollow", "x-ua-compatible": "IE=edge"}"#).unwrap(),
            vec![
                ("x-robots-tag".to_string(), "noindex, nofollow".to_string()),
                ("x-ua-compatible".to_string(), "IE=edge".to_string())
            ]
        );
    }

    #[test]
    fn refusals() {
        let cases = [
            (r#"{"X-Frame-Options": "DENY"}"#, "edge-shield: headers.custom: \"X-Frame-Options\": x-frame-options is managed by \"x_frame_options\": configure it there, where it is validated"),
            (r#"{"content-security-policy-report-only": "x"}"#, "edge-shield: headers.custom: \"content-security-policy-report-only\": content-security-policy-report-only is managed by \"content_security_policy\""),
            (r#"{"Transfer-Encoding": "chunked"}"#, "edge-shield: headers.custom: \"Transfer-Encoding\": a connection or framing header belongs to the proxy"),
            (r#"{"access-control-allow-origin": "*"}"#, "edge-shield: headers.custom: \"access-control-allow-origin\": CORS headers and Vary are managed by the cors settings"),
            (r#"{"set-cookie": "a=b"}"#, "edge-shield: headers.custom: \"set-cookie\": cookies are the application's"),
            (r#"{":status": "200"}"#, "edge-shield: headers.custom: \":status\": pseudo-headers"),
            (r#"{"x bad": "1"}"#, "edge-shield: headers.custom: \"x bad\": not a valid header name"),
            (r#"{"X-A": "1", "x-a": "2"}"#, "edge-shield: headers.custom: \"x-a\": given twice (header names are case-insensitive); keep one"),
            (r#"{"x-a": "1\r\nset-cookie: evil=1"}"#, "edge-shield: headers.custom.x-a: \"1\\r\\nset-cookie: evil=1\": CR and LF are refused in header values"),
            (r#"{"x-a": ""}"#, "edge-shield: headers.custom.x-a: \"\": an empty value"),
        ];
        for (json, want) in cases {
            let got = custom(json).unwrap_err();
            assert!(got.starts_with(want), "{json}\n got: {got}\nwant: {want}");
        }
    }
}
