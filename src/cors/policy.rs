//! The compiled CORS policy of a route: everything checked and precomputed at load,
//! so that the request path only compares bytes and borrows ready-made values.

use super::allow_headers::AllowHeaders;
use super::allow_methods::AllowMethods;
use super::allow_origin::AllowOrigin;
use super::config::RawCors;
use super::origin_pattern::{Entry, OriginPattern};
use super::origin_regex::OriginRegex;
use super::{expose_headers, max_age, vary};
use crate::compile::{index, join, quote};
use crate::compile::{Compile, ConfigError, Context, Mode};

#[derive(Debug)]
pub struct CorsPolicy {
    /// `false`: report-only, nothing on the wire changes.
    pub enforce: bool,
    pub(super) origins: AllowOrigin,
    pub(super) methods: AllowMethods,
    pub(super) headers: AllowHeaders,
    /// `Access-Control-Expose-Headers`, if any.
    pub(super) expose: Option<String>,
    pub(super) credentials: bool,
    /// `Access-Control-Max-Age`, if sent.
    pub(super) max_age: Option<String>,
    pub(super) private_network: bool,
    pub(super) preflight_status: u32,
    pub(super) preflight_vary: String,
    /// `*`, or a catch-all regex (without credentials): see `allows_any_origin`.
    anyone: bool,
}

/// What development mode allows on top of the configuration (README.md, "Modes").
const DEVELOPMENT_ORIGINS: [(&str, &str); 3] = [("http", "localhost"), ("http", "127.0.0.1"), ("http", "[::1]")];

impl CorsPolicy {
    /// Compiles the options at `path` (see [`Compile`]).
    fn compile_at(raw: &RawCors, mode: Mode, path: &str, warnings: &mut Vec<String>) -> Result<Self, ConfigError> {
        let production = mode == Mode::Production;
        let credentials = raw.allow_credentials;
        let mut origins = AllowOrigin::default();
        let origins_path = join(path, "allowed_origins");
        for (i, value) in raw.allowed_origins.iter().enumerate() {
            let at = index(&origins_path, i);
            let entry = Entry::parse(value).map_err(|m| ConfigError::at_str(&at, value, m))?;
            if entry == Entry::Any && credentials {
                return Err(ConfigError::at_str(
                    at,
                    value,
                    "\"*\" cannot be combined with allow_credentials: true (browsers refuse credentials \
                     with \"*\", and answering every origin by name would hand any website the user's \
                     session); list the origins, or set allow_credentials to false",
                ));
            }
            if entry == Entry::Null && credentials {
                return Err(ConfigError::at_str(
                    at,
                    value,
                    "\"null\" cannot be combined with allow_credentials: true: any website can send \
                     Origin: null (from a sandboxed iframe), so this would grant every site credentialed \
                     access; list real origins, or set allow_credentials to false",
                ));
            }
            if entry == Entry::Any && raw.allow_private_network {
                return Err(ConfigError::at_str(
                    at,
                    value,
                    "\"*\" cannot be combined with allow_private_network: true (any website could reach \
                     this private-network service); list the origins",
                ));
            }
            if production && entry.scheme() == Some("http") {
                warnings.push(format!(
                    "{at}: {}: a plain-http origin in production mode: anyone on the network path can \
                     inject script into that origin and call this route as it",
                    quote(value)
                ));
            }
            origins.add(entry);
        }
        let regexes_path = join(path, "allowed_origin_regexes");
        for (i, source) in raw.allowed_origin_regexes.iter().enumerate() {
            let at = index(&regexes_path, i);
            let re = OriginRegex::compile(source).map_err(|m| ConfigError::at_str(&at, source, m))?;
            // A regex that admits origins nobody vetted is as broad as "*": refused where
            // "*" is (credentials, private network), see `admits_anyone` for the rest.
            let broad_option = if credentials {
                Some("allow_credentials")
            } else if raw.allow_private_network {
                Some("allow_private_network")
            } else {
                None
            };
            if let (Some(option), Some(what)) = (broad_option, re.unvetted_match()) {
                return Err(ConfigError::at_str(
                    at,
                    source,
                    format!(
                        "with {option}: true a regex must match only your own origins, and this one matches \
                         {what}; name your domains, as in \"https://[a-z0-9-]+\\\\.example\\\\.com\""
                    ),
                ));
            }
            if production && source.trim_start_matches('^').starts_with("http://") {
                warnings.push(format!(
                    "{at}: {}: a plain-http origin in production mode: anyone on the network path can \
                     inject script into that origin and call this route as it",
                    quote(source)
                ));
            }
            origins.add_regex(re);
        }
        if production && origins.is_empty() {
            warnings.push(format!(
                "{path}: no allowed_origins: every cross-origin request on this route is refused \
                 (list the origins, or set cors to null to turn CORS off here)"
            ));
        }
        if !production {
            for (scheme, host) in DEVELOPMENT_ORIGINS {
                origins.add(Entry::Pattern(OriginPattern::any_port(scheme, host)));
            }
        }
        let methods = AllowMethods::compile(raw.allowed_methods.as_deref(), &join(path, "allowed_methods"))?;
        let headers = AllowHeaders::compile(&raw.allowed_headers, &join(path, "allowed_headers"))?;
        let expose = expose_headers::compile(&raw.exposed_headers, credentials, &join(path, "exposed_headers"))?;
        let max_age = max_age::compile(raw.max_age, mode, &join(path, "max_age"), warnings)?;
        let preflight_status = match raw.preflight_status {
            None => 204,
            Some(s @ (200 | 204)) => s as u32,
            Some(other) => {
                return Err(ConfigError::new(
                    join(path, "preflight_status"),
                    other.to_string(),
                    "a successful preflight is answered 204 (the default) or 200",
                ))
            }
        };
        let preflight_vary = vary::preflight(!origins.any, raw.allow_private_network);
        Ok(CorsPolicy {
            anyone: origins.admits_anyone(),
            enforce: raw.enforce,
            origins,
            methods,
            headers,
            expose,
            credentials,
            max_age,
            private_network: raw.allow_private_network,
            preflight_status,
            preflight_vary,
        })
    }

    /// Whether this policy allows a request `Origin` value (as sent, byte for byte).
    /// The CSRF and WebSocket checks use it too. A `*` policy allows every origin.
    pub fn allows_origin(&self, origin: &[u8]) -> bool {
        self.origins.matches(origin)
    }

    /// Whether every origin is allowed (`*`, or a regex that matches any origin). Such a
    /// policy says anyone may read; the CSRF and WebSocket checks do not take it as
    /// vouching for a particular origin.
    pub fn allows_any_origin(&self) -> bool {
        self.anyone
    }

    /// A pure `*` policy (credentials are refused with `*`): every response carries
    /// `Access-Control-Allow-Origin: *` and nothing depends on the Origin.
    pub(super) fn any_origin(&self) -> bool {
        self.origins.any
    }
}

impl Compile for CorsPolicy {
    type Raw = RawCors;

    fn compile(raw: &RawCors, cx: &mut Context<'_>) -> Result<Self, ConfigError> {
        Self::compile_at(raw, cx.mode, &cx.path, cx.warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    #[test]
    fn allows_any_origin_is_decided_at_load() {
        let rows: &[(&str, bool)] = &[
            (r#"{"allowed_origins": ["*"]}"#, true),
            (r#"{"allowed_origin_regexes": ["https://.*"]}"#, true),
            (
                r#"{"allowed_origins": ["https://app.example.com", "https://*.example.com"]}"#,
                false,
            ),
            (
                r#"{"allowed_origin_regexes": ["https://[a-z]+\\.example\\.com"]}"#,
                false,
            ),
        ];
        for (cors, want) in rows {
            let (policy, _) = compile("production", cors);
            assert_eq!(policy.unwrap().allows_any_origin(), *want, "{cors}");
        }
    }

    #[test]
    fn broad_regexes_are_refused_where_star_is() {
        let refused: &[(&str, &str)] = &[
            (
                r#"{"allowed_origin_regexes": ["http://[^:/]+"], "allow_credentials": true}"#,
                "http://edge-shield-probe.invalid",
            ),
            (
                r#"{"allowed_origin_regexes": ["https://.*\\.com"], "allow_credentials": true}"#,
                "https://edge-shield-probe.com",
            ),
            (
                r#"{"allowed_origin_regexes": ["https://.+:[0-9]+"], "allow_credentials": true}"#,
                ":8443",
            ),
            (
                r#"{"allowed_origin_regexes": ["https://app\\.example\\.com.*"], "allow_credentials": true}"#,
                "every origin that extends one of yours",
            ),
            (
                r#"{"allowed_origin_regexes": ["(https://app\\.example\\.com.+)$"], "allow_credentials": true}"#,
                "every origin that extends one of yours",
            ),
            (
                r#"{"allowed_origin_regexes": [".*"], "allow_private_network": true}"#,
                "with allow_private_network: true",
            ),
            (
                r#"{"allowed_origins": ["null"], "allow_credentials": true}"#,
                "\"null\" cannot be combined with allow_credentials",
            ),
            (
                r#"{"allowed_origin_regexes": ["https://a\\.example\\.com)|(https://b\\.example\\.com"]}"#,
                "not a valid regex",
            ),
        ];
        for (cors, want) in refused {
            let (policy, _) = compile("production", cors);
            let e = policy.err().unwrap_or_else(|| panic!("accepted: {cors}"));
            assert!(e.contains(want), "{cors}: {e}");
        }
        let fine = r#"{"allowed_origin_regexes": ["https://pr-[0-9]+\\.preview\\.example\\.dev", "https://app\\.example\\.com(:[0-9]+)?"], "allow_credentials": true}"#;
        assert!(compile("production", fine).0.is_ok());
        let (_, warnings) = compile(
            "production",
            r#"{"allowed_origin_regexes": ["^http://[a-z]+\\.example\\.com"]}"#,
        );
        assert!(
            warnings.iter().any(|w| w.contains("a plain-http origin in production")),
            "{warnings:?}"
        );
    }

    /// Compiles `{"cors": <json>}` through the real loader.
    fn compile(mode: &str, cors: &str) -> (Result<CorsPolicy, String>, Vec<String>) {
        let doc = format!(r#"{{"mode": "{mode}", "cors": {cors}}}"#);
        let raw = parse(doc.as_bytes()).unwrap();
        let raw = match raw.cors {
            crate::compile::Setting::Custom(c) => c,
            _ => RawCors::default(),
        };
        let mut w = Vec::new();
        let mode = if mode == "production" {
            Mode::Production
        } else {
            Mode::Development
        };
        let p = CorsPolicy::compile_at(&raw, mode, "cors", &mut w).map_err(|e| e.to_string());
        (p, w)
    }

    fn err(cors: &str) -> String {
        match compile("production", cors).0 {
            Ok(_) => panic!("accepted: {cors}"),
            Err(e) => e,
        }
    }

    #[test]
    fn spec_error_message() {
        assert_eq!(
            err(r#"{"allowed_origins": ["https://app.example.com", "https://*example.com"]}"#),
            "edge-shield: cors.allowed_origins[1]: \"https://*example.com\": a wildcard must be a whole leading label, as in \"https://*.example.com\""
        );
    }

    #[test]
    fn refused_combinations() {
        let rows: &[(&str, &str)] = &[
            (
                r#"{"allowed_origins": ["https://a.example", "*"], "allow_credentials": true}"#,
                "edge-shield: cors.allowed_origins[1]: \"*\": \"*\" cannot be combined with allow_credentials: true",
            ),
            (
                r#"{"allowed_origins": ["*"], "allow_private_network": true}"#,
                "edge-shield: cors.allowed_origins[0]: \"*\": \"*\" cannot be combined with allow_private_network: true",
            ),
            (
                r#"{"allowed_origin_regexes": ["https://.*"], "allow_credentials": true}"#,
                "edge-shield: cors.allowed_origin_regexes[0]: \"https://.*\": with allow_credentials: true a regex must match only your own origins, and this one matches \"https://edge-shield-probe.invalid\"",
            ),
            (
                r#"{"allowed_origin_regexes": ["(.*"]}"#,
                "edge-shield: cors.allowed_origin_regexes[0]: \"(.*\": not a valid regex: ",
            ),
            (
                r#"{"allowed_origins": ["https://a.example"], "exposed_headers": ["*"], "allow_credentials": true}"#,
                "edge-shield: cors.exposed_headers[0]: \"*\": with allow_credentials: true",
            ),
            (
                r#"{"allowed_methods": ["GET, DELETE"]}"#,
                "edge-shield: cors.allowed_methods[0]: \"GET, DELETE\": not a method name",
            ),
            (
                r#"{"allowed_headers": ["x-ok", "bad header"]}"#,
                "edge-shield: cors.allowed_headers[1]: \"bad header\": not a header name",
            ),
            (r#"{"preflight_status": 201}"#, "edge-shield: cors.preflight_status: 201: a successful preflight is answered 204 (the default) or 200"),
            (r#"{"preflight_status": 403}"#, "edge-shield: cors.preflight_status: 403:"),
            (r#"{"max_age": -5}"#, "edge-shield: cors.max_age: -5: max_age is a number of seconds"),
            (r#"{"allowed_origins": ["https://*.com"]}"#, "edge-shield: cors.allowed_origins[0]: \"https://*.com\":"),
            (r#"{"allowed_origins": ["https://example.com/"]}"#, "trailing slash"),
            (r#"{"allowed_origins": ["https://u@example.com"]}"#, "user name"),
            (r#"{"allowed_origins": ["https://example.com:443"]}"#, "default port"),
            (r#"{"allowed_origins": ["example.com"]}"#, "needs a scheme"),
            (r#"{"allowed_origins": ["https://example.com/app"]}"#, "no path"),
            (r#"{"allowed_origins": ["https://a.*.example.com"]}"#, "whole leading label"),
        ];
        for (cors, want) in rows {
            let e = err(cors);
            assert!(
                e.starts_with(want) || e.contains(want),
                "{cors}\n  got:  {e}\n  want: {want}"
            );
        }
    }

    #[test]
    fn accepted_combinations() {
        for cors in [
            r#"{"allowed_origins": ["*"]}"#,
            r#"{"allowed_origins": ["*"], "exposed_headers": ["*"]}"#,
            r#"{"allowed_origins": ["https://*.example.com"], "allowed_methods": ["*"], "allowed_headers": ["*"], "allow_credentials": true}"#,
            r#"{"allowed_origin_regexes": ["https://.*"]}"#,
            r#"{"allowed_origin_regexes": ["https://pr-[0-9]+\\.preview\\.example\\.dev"], "allow_credentials": true}"#,
            r#"{"allowed_origins": ["https://a.example"], "allow_private_network": true, "max_age": null, "preflight_status": 200}"#,
        ] {
            let (p, _) = compile("production", cors);
            assert!(p.is_ok(), "{cors}: {:?}", p.err());
        }
    }

    #[test]
    fn load_time_warnings() {
        let (_, w) = compile("production", r#"{}"#);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("cors: no allowed_origins: every cross-origin request"),
            "{w:?}"
        );
        let (_, w) = compile("development", r#"{}"#);
        assert!(w.is_empty(), "development: {w:?}");
        let (_, w) = compile(
            "production",
            r#"{"allowed_origins": ["https://a.example", "http://b.example", "http://localhost:*"], "max_age": 90000}"#,
        );
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].starts_with("cors.allowed_origins[1]: \"http://b.example\": a plain-http origin"));
        assert!(w[1].starts_with("cors.allowed_origins[2]: \"http://localhost:*\": a plain-http origin"));
        assert!(w[2].starts_with("cors.max_age: 90000: browsers cap"));
        let (_, w) = compile("development", r#"{"allowed_origins": ["http://b.example"]}"#);
        assert!(w.is_empty(), "http origins are fine in development: {w:?}");
    }

    #[test]
    fn development_mode_defaults() {
        let (p, _) = compile("development", r#"{"allowed_origins": ["https://app.example.com"]}"#);
        let p = p.unwrap();
        for o in [
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "http://localhost",
            "https://app.example.com",
        ] {
            assert!(p.allows_origin(o.as_bytes()), "{o}");
        }
        for o in [
            "https://localhost:3000",
            "http://localhost.evil.net:3000",
            "http://10.0.0.1:3000",
        ] {
            assert!(!p.allows_origin(o.as_bytes()), "{o}");
        }
        assert_eq!(p.max_age.as_deref(), Some("86400"));
        let (p, _) = compile("production", r#"{"allowed_origins": ["https://app.example.com"]}"#);
        let p = p.unwrap();
        assert!(!p.allows_origin(b"http://localhost:3000"));
        assert_eq!(p.max_age.as_deref(), Some("600"));
        assert_eq!(p.preflight_status, 204);
    }
}
