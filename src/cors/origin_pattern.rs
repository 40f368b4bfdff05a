//! One `allowed_origins` entry (README.md, "CORS"), parsed at load: `*`, `null`, an exact
//! serialized origin, or a pattern (`scheme://*.domain[:port]`, `scheme://host:*`).
//!
//! Parsing is strict and every refusal says how to write the entry instead: a
//! permissive parser is how peers ended up matching `evil-example.com`.

use crate::http::origin::{is_dns_name, is_ipv6_literal, is_port, is_scheme, OriginParts};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// `*`: any origin.
    Any,
    /// `null`: the opaque origin, only when listed.
    Null,
    /// A serialized origin, lower-cased, compared byte for byte.
    Exact(String),
    Pattern(OriginPattern),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Exact(String),
    /// `*.example.com` kept as `.example.com`: one or more labels in front of it.
    Subdomains(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    /// The port digits, or `None` for an origin without a port.
    Exact(Option<String>),
    /// `:*`: any port, or none (the scheme's default port is a port too).
    Any,
}

/// Domains one must never put a wildcard in front of: anyone can have a host there.
/// Single labels (`com`, `dev`) are refused too; this list adds common two-level
/// public suffixes and shared hosting domains (not the whole Public Suffix List).
const SHARED_SUFFIXES: &[&str] = &[
    "co.uk",
    "org.uk",
    "ac.uk",
    "gov.uk",
    "com.au",
    "net.au",
    "org.au",
    "co.jp",
    "co.nz",
    "co.in",
    "co.kr",
    "co.za",
    "com.br",
    "com.cn",
    "com.mx",
    "com.tr",
    "github.io",
    "gitlab.io",
    "herokuapp.com",
    "vercel.app",
    "netlify.app",
    "pages.dev",
    "workers.dev",
    "web.app",
    "firebaseapp.com",
    "appspot.com",
    "azurewebsites.net",
    "cloudfront.net",
    "amazonaws.com",
    "onrender.com",
    "fly.dev",
    "ngrok.io",
    "ngrok-free.app",
];

const WILDCARD_LABEL: &str = "a wildcard must be a whole leading label, as in \"https://*.example.com\"";

impl Entry {
    /// Parses an entry as written in the configuration; `Err` is the message
    /// (what is wrong and how to fix it) for the caller to put a path on.
    pub fn parse(entry: &str) -> Result<Entry, String> {
        if entry.is_empty() {
            return Err("an empty origin matches nothing; remove it".into());
        }
        if entry.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
            return Err("an origin has no spaces or control characters".into());
        }
        if !entry.is_ascii() {
            return Err(
                "browsers send internationalized host names in their punycode form (\"xn--...\"); \
                 write the origin that way"
                    .into(),
            );
        }
        let lower = entry.to_ascii_lowercase();
        match lower.as_str() {
            "*" => return Ok(Entry::Any),
            "null" => return Ok(Entry::Null),
            _ => {}
        }
        let Some((scheme, rest)) = lower.split_once("://") else {
            return Err(format!(
                "an origin needs a scheme, as in \"https://{}\"",
                lower.trim_start_matches('/')
            ));
        };
        if !is_scheme(scheme.as_bytes()) {
            return Err(format!(
                "{scheme:?} is not a URL scheme; write \"https://...\" or \"http://...\""
            ));
        }
        let (authority, tail) = match rest.find(['/', '?', '#']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if tail == "/" {
            return Err(format!(
                "an origin has no trailing slash: use \"{scheme}://{authority}\" (browsers send it without)"
            ));
        }
        if !tail.is_empty() {
            return Err(format!(
                "an origin has no path, query or fragment: use \"{scheme}://{authority}\""
            ));
        }
        if let Some((_, host)) = authority.rsplit_once('@') {
            return Err(format!(
                "an origin has no user name or password: use \"{scheme}://{host}\""
            ));
        }
        let (host, port) = split_port(authority);
        let port = match port {
            None => PortPattern::Exact(None),
            Some("*") => PortPattern::Any,
            Some(p) if is_port(p.as_bytes()) => {
                if (scheme, p) == ("https", "443") || (scheme, p) == ("http", "80") {
                    return Err(format!("drop the default port: browsers send \"{scheme}://{host}\""));
                }
                PortPattern::Exact(Some(p.to_string()))
            }
            Some(p) => {
                return Err(format!(
                    "the port {p:?} is not a number from 1 to 65535 (or \"*\" for any port)"
                ))
            }
        };
        let host = parse_host(host)?;
        if let (HostPattern::Exact(_), PortPattern::Exact(_)) = (&host, &port) {
            return Ok(Entry::Exact(lower));
        }
        Ok(Entry::Pattern(OriginPattern {
            scheme: scheme.to_string(),
            host,
            port,
        }))
    }

    /// The scheme of an exact origin or pattern.
    pub fn scheme(&self) -> Option<&str> {
        match self {
            Entry::Exact(s) => s.split_once("://").map(|(scheme, _)| scheme),
            Entry::Pattern(p) => Some(&p.scheme),
            Entry::Any | Entry::Null => None,
        }
    }
}

/// `host:port` → (`host`, `port`); an IPv6 literal keeps its colons.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    let host_end = if authority.starts_with('[') {
        authority.find(']').map_or(authority.len(), |i| i + 1)
    } else {
        authority.find(':').unwrap_or(authority.len())
    };
    let (host, rest) = authority.split_at(host_end);
    match rest.strip_prefix(':') {
        Some(port) => (host, Some(port)),
        // Garbage after an IPv6 literal: let the host check refuse the whole.
        None if !rest.is_empty() => (authority, None),
        None => (host, None),
    }
}

fn parse_host(host: &str) -> Result<HostPattern, String> {
    if host == "*" {
        return Err("a wildcard needs a domain after it, as in \"https://*.example.com\" \
                    (for any origin, use \"*\" alone)"
            .into());
    }
    if let Some(domain) = host.strip_prefix("*.") {
        if domain.contains('*') {
            return Err(WILDCARD_LABEL.into());
        }
        check_host(domain)?;
        if domain.split('.').all(|l| l.bytes().all(|b| b.is_ascii_digit())) {
            return Err("a wildcard pattern needs a domain name, not an IP address".into());
        }
        if (!domain.contains('.') && domain != "localhost") || SHARED_SUFFIXES.contains(&domain) {
            return Err(format!(
                "\"*.{domain}\" would match sites anyone can register; put the wildcard in front of \
                 your own domain, as in \"https://*.example.com\""
            ));
        }
        return Ok(HostPattern::Subdomains(format!(".{domain}")));
    }
    if host.contains('*') {
        return Err(WILDCARD_LABEL.into());
    }
    check_host(host)?;
    Ok(HostPattern::Exact(host.to_string()))
}

fn check_host(host: &str) -> Result<(), String> {
    if is_dns_name(host.as_bytes()) || is_ipv6_literal(host.as_bytes()) {
        Ok(())
    } else {
        Err(format!(
            "{host:?} is not a host name (labels of letters, digits, '-' and '_' separated by single dots, \
             or an IPv6 address in brackets)"
        ))
    }
}

impl OriginPattern {
    /// `scheme://host:*`, for the development mode's loopback origins.
    pub fn any_port(scheme: &str, host: &str) -> Self {
        OriginPattern {
            scheme: scheme.to_string(),
            host: HostPattern::Exact(host.to_string()),
            port: PortPattern::Any,
        }
    }

    pub fn matches(&self, o: &OriginParts<'_>) -> bool {
        let host = match &self.host {
            HostPattern::Exact(h) => o.host == h.as_bytes(),
            // `split` only yields well-formed labels, so a longer host ending in
            // `.domain` has one or more whole labels in front of it.
            HostPattern::Subdomains(suffix) => o.host.len() > suffix.len() && o.host.ends_with(suffix.as_bytes()),
        };
        let port = match &self.port {
            PortPattern::Any => true,
            PortPattern::Exact(p) => o.port == p.as_ref().map(|p| p.as_bytes()),
        };
        o.scheme == self.scheme.as_bytes() && host && port
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::origin::split;

    fn pattern(entry: &str) -> OriginPattern {
        match Entry::parse(entry) {
            Ok(Entry::Pattern(p)) => p,
            other => panic!("{entry}: {other:?}"),
        }
    }

    #[test]
    fn entry_forms() {
        assert_eq!(Entry::parse("*"), Ok(Entry::Any));
        assert_eq!(Entry::parse("null"), Ok(Entry::Null));
        assert_eq!(Entry::parse("NULL"), Ok(Entry::Null));
        assert_eq!(
            Entry::parse("HTTPS://App.Example.COM"),
            Ok(Entry::Exact("https://app.example.com".into()))
        );
        assert_eq!(
            Entry::parse("http://localhost:3000"),
            Ok(Entry::Exact("http://localhost:3000".into()))
        );
        assert_eq!(
            Entry::parse("http://[::1]:3000"),
            Ok(Entry::Exact("http://[::1]:3000".into()))
        );
        assert_eq!(
            Entry::parse("https://example.com:8443"),
            Ok(Entry::Exact("https://example.com:8443".into()))
        );
        assert_eq!(
            Entry::parse("capacitor://localhost"),
            Ok(Entry::Exact("capacitor://localhost".into()))
        );
        assert!(matches!(Entry::parse("https://*.example.com"), Ok(Entry::Pattern(_))));
        assert!(matches!(Entry::parse("http://localhost:*"), Ok(Entry::Pattern(_))));
        assert!(matches!(Entry::parse("http://*.localhost:*"), Ok(Entry::Pattern(_))));
        assert!(matches!(Entry::parse("http://[::1]:*"), Ok(Entry::Pattern(_))));
    }

    #[test]
    fn malformed_entries_are_refused_with_a_fix() {
        let rows: &[(&str, &str)] = &[
            ("https://*example.com", WILDCARD_LABEL),
            ("https://api.*.example.com", WILDCARD_LABEL),
            ("https://*.*.example.com", WILDCARD_LABEL),
            ("https://exa*mple.com", WILDCARD_LABEL),
            (
                "*.example.com",
                "an origin needs a scheme, as in \"https://*.example.com\"",
            ),
            ("example.com", "an origin needs a scheme, as in \"https://example.com\""),
            (
                "//example.com",
                "an origin needs a scheme, as in \"https://example.com\"",
            ),
            (
                "https://example.com/",
                "an origin has no trailing slash: use \"https://example.com\"",
            ),
            (
                "https://example.com/api",
                "an origin has no path, query or fragment: use \"https://example.com\"",
            ),
            ("https://example.com?x", "an origin has no path"),
            ("https://example.com#x", "an origin has no path"),
            (
                "https://user:pw@example.com",
                "an origin has no user name or password: use \"https://example.com\"",
            ),
            (
                "https://example.com:443",
                "drop the default port: browsers send \"https://example.com\"",
            ),
            (
                "http://example.com:80",
                "drop the default port: browsers send \"http://example.com\"",
            ),
            ("https://example.com:", "the port \"\" is not a number"),
            ("https://example.com:0", "the port \"0\" is not a number"),
            ("https://example.com:99999", "the port \"99999\" is not a number"),
            ("https://example.com:8*", "the port \"8*\" is not a number"),
            ("https://*.com", "\"*.com\" would match sites anyone can register"),
            ("https://*.co.uk", "\"*.co.uk\" would match sites anyone can register"),
            (
                "https://*.github.io",
                "\"*.github.io\" would match sites anyone can register",
            ),
            ("https://*", "a wildcard needs a domain after it"),
            ("https://*:*", "a wildcard needs a domain after it"),
            ("https://*.1.0.0.127", "not an IP address"),
            ("https://exa mple.com", "no spaces"),
            ("https://b\u{fc}cher.example", "punycode"),
            ("", "an empty origin matches nothing"),
            ("https://", "\"\" is not a host name"),
            ("https://a..example.com", "is not a host name"),
            ("https://example.com.", "is not a host name"),
            ("https://ex!ample.com", "is not a host name"),
            ("http://[::1", "is not a host name"),
            ("http://[::1]x", "is not a host name"),
            ("ht_tp://example.com", "is not a URL scheme"),
            ("1http://example.com", "is not a URL scheme"),
        ];
        for (entry, want) in rows {
            match Entry::parse(entry) {
                Ok(e) => panic!("{entry:?} accepted as {e:?}"),
                Err(msg) => assert!(msg.contains(want), "{entry:?}: {msg}"),
            }
        }
    }

    #[test]
    fn subdomain_pattern() {
        let p = pattern("https://*.example.com");
        let rows: &[(&str, bool)] = &[
            ("https://a.example.com", true),
            ("https://a.b.example.com", true),
            ("https://example.com", false),
            ("https://evil-example.com", false),
            ("https://aexample.com", false),
            ("https://example.com.evil.net", false),
            ("https://a.example.com.evil.net", false),
            ("https://a.example.com.", false),
            ("https://.example.com", false),
            ("https://A.example.com", false),
            ("http://a.example.com", false),
            ("https://a.example.com:8443", false),
            ("https://a.example.com/", false),
            ("https://evil.com/.example.com", false),
            ("https://evil.com?.example.com", false),
            ("https://evil.com@a.example.com", false),
        ];
        for (origin, want) in rows {
            let got = split(origin.as_bytes()).is_some_and(|o| p.matches(&o));
            assert_eq!(got, *want, "{origin}");
        }
        let with_port = pattern("https://*.example.com:8443");
        assert!(with_port.matches(&split(b"https://a.example.com:8443").unwrap()));
        assert!(!with_port.matches(&split(b"https://a.example.com").unwrap()));
    }

    #[test]
    fn port_pattern() {
        let p = pattern("http://localhost:*");
        let rows: &[(&str, bool)] = &[
            ("http://localhost:3000", true),
            ("http://localhost:1", true),
            ("http://localhost", true),
            ("http://localhost:65536", false),
            ("http://localhost:abc", false),
            ("http://localhost:3000:1", false),
            ("http://localhost.evil.net:3000", false),
            ("http://evil-localhost:3000", false),
            ("https://localhost:3000", false),
            ("http://a.localhost:3000", false),
        ];
        for (origin, want) in rows {
            let got = split(origin.as_bytes()).is_some_and(|o| p.matches(&o));
            assert_eq!(got, *want, "{origin}");
        }
        let v6 = OriginPattern::any_port("http", "[::1]");
        assert!(v6.matches(&split(b"http://[::1]:5173").unwrap()));
        assert!(!v6.matches(&split(b"http://[::2]:5173").unwrap()));
    }

    #[test]
    fn schemes() {
        assert_eq!(Entry::parse("http://a.example").unwrap().scheme(), Some("http"));
        assert_eq!(Entry::parse("http://*.example.com").unwrap().scheme(), Some("http"));
        assert_eq!(Entry::parse("*").unwrap().scheme(), None);
    }
}
