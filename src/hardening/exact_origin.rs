//! The exact origins a configuration may trust (`trusted_origins`).

use crate::compile::ConfigError;
use crate::cors::OriginEntry;

/// Validates one exact origin of a configuration list and returns it lower-cased
/// (browsers send origins in lower case; requests are then compared byte for byte).
/// The syntax is checked by the CORS origin parser, so both lists accept the same
/// origins with the same messages; only patterns and `null` are refused here.
pub fn compile_exact_origin(value: &str, path: &str) -> Result<String, ConfigError> {
    let bad = |msg: &str| ConfigError::at_str(path, value, msg);
    match OriginEntry::parse(value) {
        Ok(OriginEntry::Exact(lower)) => Ok(lower),
        Ok(OriginEntry::Null) => Err(bad(
            "\"null\" is the opaque origin of sandboxed frames, file: pages and some redirects: any site can produce it, so it cannot be trusted",
        )),
        Ok(OriginEntry::Any | OriginEntry::Pattern(_)) => Err(bad(
            "trusted origins are exact; for a pattern such as \"https://*.example.com\", allow it in the route's cors.allowed_origins",
        )),
        Err(message) => Err(bad(&message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_origins_are_validated_and_lowercased() {
        assert_eq!(
            compile_exact_origin("https://App.Example.com", "csrf.trusted_origins[0]").unwrap(),
            "https://app.example.com"
        );
        assert_eq!(
            compile_exact_origin("http://localhost:3000", "p").unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(
            compile_exact_origin("https://[::1]:8443", "p").unwrap(),
            "https://[::1]:8443"
        );
        let rows: &[(&str, &str)] = &[
            ("null", "cannot be trusted"),
            ("https://*.example.com", "allow it in the route's cors.allowed_origins"),
            ("*", "trusted origins are exact"),
            ("app.example.com", "an origin needs a scheme"),
            ("https://app.example.com/", "no trailing slash"),
            ("https://app.example.com/app", "an origin has no path"),
            ("https://u:p@app.example.com", "no user name or password"),
            ("https://app.example.com:443", "drop the default port"),
            ("http://app.example.com:80", "drop the default port"),
            ("https://app example.com", "no spaces"),
            ("https://", "is not a host name"),
            ("https://a.example:http", "not a number"),
        ];
        for (value, want) in rows {
            let e = compile_exact_origin(value, "csrf.trusted_origins[0]")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("edge-shield: csrf.trusted_origins[0]: "), "{e}");
            assert!(e.contains(want), "{value}: {e}");
        }
    }
}
