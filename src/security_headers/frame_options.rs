//! X-Frame-Options: `DENY` or `SAMEORIGIN` (helmet's default).

use crate::compile::ConfigError;

pub const DEFAULT: &str = "SAMEORIGIN";

/// helmet's spellings: `deny`/`sameorigin` in any case, and `same-origin`.
pub fn parse(path: &str, value: &str) -> Result<&'static str, ConfigError> {
    let lower = value.to_ascii_lowercase();
    match lower.as_str() {
        "deny" => Ok("DENY"),
        "sameorigin" | "same-origin" => Ok("SAMEORIGIN"),
        _ if lower.starts_with("allow-from") => Err(ConfigError::at_str(
            path,
            value,
            "ALLOW-FROM is obsolete and ignored by browsers; allow framing origins with the CSP directive \
             frame-ancestors instead, as in {\"directives\": {\"frame-ancestors\": [\"'self'\", \"https://app.example.com\"]}}",
        )),
        _ => Err(ConfigError::at_str(
            path,
            value,
            "X-Frame-Options does not support this value; use \"DENY\" or \"SAMEORIGIN\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helmet_spellings() {
        for (value, want) in [
            ("DENY", "DENY"),
            ("deny", "DENY"),
            ("SAMEORIGIN", "SAMEORIGIN"),
            ("sameorigin", "SAMEORIGIN"),
            ("same-origin", "SAMEORIGIN"),
        ] {
            assert_eq!(parse("p", value).unwrap(), want);
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(
            parse("headers.x_frame_options", "ALLOW-FROM https://a.example").unwrap_err().to_string(),
            "edge-shield: headers.x_frame_options: \"ALLOW-FROM https://a.example\": ALLOW-FROM is obsolete and ignored by browsers; allow framing origins with the CSP directive frame-ancestors instead, as in {\"directives\": {\"frame-ancestors\": [\"'self'\", \"https://app.example.com\"]}}"
        );
        assert_eq!(
            parse("headers.x_frame_options", "NONE").unwrap_err().to_string(),
            "edge-shield: headers.x_frame_options: \"NONE\": X-Frame-Options does not support this value; use \"DENY\" or \"SAMEORIGIN\""
        );
    }
}
