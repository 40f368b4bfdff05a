//! Which foreign origins a route trusts for cross-site writes (CSRF) and WebSockets:
//! the configured `trusted_origins`, and the origins its CORS policy allows.

use super::exact_origin::compile_exact_origin;
use super::paths::ExemptPaths;
use crate::compile::{index, join, ConfigError};
use crate::cors::CorsPolicy;

/// An origin allowlist; implemented by the route's CORS policy (and by fakes in tests).
pub trait OriginAllowlist {
    fn allows_origin(&self, origin: &[u8]) -> bool;
    /// Whether every origin is allowed (`*` or a catch-all regex), decided at load.
    fn allows_any_origin(&self) -> bool;
}

impl OriginAllowlist for CorsPolicy {
    fn allows_origin(&self, origin: &[u8]) -> bool {
        CorsPolicy::allows_origin(self, origin)
    }
    fn allows_any_origin(&self) -> bool {
        CorsPolicy::allows_any_origin(self)
    }
}

/// Whether the route's CORS policy vouches for `origin`. A policy that allows any
/// origin does not: it says anyone may read, not that anyone may send state-changing
/// requests with the user's cookies, or open a WebSocket in the user's name.
/// Nor does it vouch for `null`: any page can send it, from a sandboxed iframe.
pub fn cors_vouches<C: OriginAllowlist + ?Sized>(cors: Option<&C>, origin: &[u8]) -> bool {
    origin != b"null" && cors.is_some_and(|c| !c.allows_any_origin() && c.allows_origin(origin))
}

/// What the CSRF and WebSocket checks share: whom they trust, which paths they leave
/// alone, and whether they enforce or only report.
#[derive(Debug)]
pub struct OriginCheck {
    pub trusted: TrustedOrigins,
    pub exempt: ExemptPaths,
    pub enforce: bool,
}

impl OriginCheck {
    pub fn compile(
        trusted: &[String],
        exempt: &[String],
        enforce: Option<bool>,
        path: &str,
    ) -> Result<Self, ConfigError> {
        Ok(OriginCheck {
            trusted: TrustedOrigins::compile(trusted, &join(path, "trusted_origins"))?,
            exempt: ExemptPaths::compile(exempt, &join(path, "exempt_paths"))?,
            enforce: enforce.unwrap_or(true),
        })
    }
}

/// The exact origins of a `trusted_origins` list, lower-cased.
#[derive(Debug, Clone, Default)]
pub struct TrustedOrigins(Vec<String>);

impl TrustedOrigins {
    pub fn compile(raw: &[String], path: &str) -> Result<Self, ConfigError> {
        raw.iter()
            .enumerate()
            .map(|(i, o)| compile_exact_origin(o, &index(path, i)))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedOrigins)
    }

    /// Whether `origin` (as sent) is listed, or vouched for by the route's CORS policy.
    pub fn allow<C: OriginAllowlist + ?Sized>(&self, cors: Option<&C>, origin: &[u8]) -> bool {
        self.0.iter().any(|t| t.as_bytes() == origin) || cors_vouches(cors, origin)
    }
}

#[cfg(test)]
pub mod fake {
    use super::OriginAllowlist;

    /// A CORS policy stand-in: exact origins, or every origin.
    pub struct Allow(pub &'static [&'static str]);

    impl OriginAllowlist for Allow {
        fn allows_origin(&self, origin: &[u8]) -> bool {
            self.0.iter().any(|a| *a == "*" || a.as_bytes() == origin)
        }
        fn allows_any_origin(&self) -> bool {
            self.0.contains(&"*")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::Allow;
    use super::*;

    #[test]
    fn trust_table() {
        let trusted = TrustedOrigins::compile(&["https://Partner.example".to_string()], "t").unwrap();
        let cors = Allow(&["https://app.example.com"]);
        let any = Allow(&["*"]);
        let rows: &[(Option<&Allow>, &[u8], bool)] = &[
            (None, b"https://partner.example", true),
            (None, b"https://Partner.example", false),
            (None, b"https://app.example.com", false),
            (Some(&cors), b"https://app.example.com", true),
            (Some(&cors), b"https://partner.example", true),
            (Some(&cors), b"https://evil.example", false),
            (Some(&any), b"https://evil.example", false),
            (Some(&any), b"https://partner.example", true),
            (Some(&Allow(&["null"])), b"null", false),
        ];
        for (c, origin, want) in rows {
            assert_eq!(trusted.allow(*c, origin), *want, "{}", String::from_utf8_lossy(origin));
        }
    }

    #[test]
    fn invalid_trusted_origin_names_its_index() {
        let raw = vec!["https://a.example".to_string(), "https://b.example/".to_string()];
        let e = TrustedOrigins::compile(&raw, "csrf.trusted_origins")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "edge-shield: csrf.trusted_origins[1]: \"https://b.example/\": an origin has no trailing slash"
            ),
            "{e}"
        );
    }
}
