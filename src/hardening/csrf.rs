//! CSRF by Fetch Metadata (README.md, "Edge hardening"): cross-site state-changing requests refused.
//!
//! The decision, for a method other than GET/HEAD/OPTIONS and a path not exempt:
//! - `Sec-Fetch-Site: same-origin` or `none` passes; `same-site` passes unless
//!   `allow_same_site` is false;
//! - `Sec-Fetch-Site: cross-site` is refused unless the `Origin` is trusted;
//! - without a (recognized) `Sec-Fetch-Site` (older browsers), an `Origin` naming the
//!   request's own host passes, any other (`null` included) is refused unless trusted;
//! - with neither header (curl, server-to-server clients) the request passes.
//!
//! Trusted: listed in `trusted_origins`, or allowed by the route's CORS policy.

use super::config::RawCsrf;
use super::fetch_metadata::{sec_fetch_site, SecFetchSite};
use super::trust::{OriginAllowlist, OriginCheck};
use crate::compile::{Compile, ConfigError, Context};
use crate::cors::CorsPolicy;
use crate::exchange::refusal::{gate, Refusal, Verdict};
use crate::exchange::{Counter, Outcome};
use crate::http::origin::same_host;
use crate::http::Headers;

const REFUSAL: Refusal = Refusal {
    kind: "csrf",
    counter: Some(Counter::CsrfBlocked),
    status: 403,
    body: "Forbidden: cross-site request refused\n",
};

#[derive(Debug)]
pub struct CsrfPolicy {
    base: OriginCheck,
    allow_same_site: bool,
}

impl Compile for CsrfPolicy {
    type Raw = RawCsrf;

    fn compile(raw: &RawCsrf, cx: &mut Context<'_>) -> Result<Self, ConfigError> {
        let path = cx.path.as_str();
        Ok(CsrfPolicy {
            base: OriginCheck::compile(&raw.trusted_origins, &raw.exempt_paths, raw.enforce, path)?,
            allow_same_site: raw.allow_same_site.unwrap_or(true),
        })
    }
}

pub fn on_request<'p>(policy: &'p CsrfPolicy, cors: Option<&CorsPolicy>, request: Headers<'_>, out: &mut Outcome<'p>) {
    gate(out, &REFUSAL, policy.base.enforce, || check(policy, cors, request));
}

/// Safe methods (RFC 9110 §9.2.1) do not change state; the names are case-sensitive,
/// so `post` or `get` is a method of its own and not safe.
fn is_safe(method: &[u8]) -> bool {
    matches!(method, b"GET" | b"HEAD" | b"OPTIONS")
}

pub fn check<C: OriginAllowlist + ?Sized>(policy: &CsrfPolicy, cors: Option<&C>, request: Headers<'_>) -> Verdict {
    if is_safe(request.get(":method").unwrap_or_default()) {
        return Verdict::Pass;
    }
    if policy.base.exempt.contains(request.get(":path").unwrap_or_default()) {
        return Verdict::Pass;
    }
    // The reason if the Origin turns out not to be trusted; `None`: pass.
    let reason = match sec_fetch_site(request) {
        Some(SecFetchSite::SameOrigin | SecFetchSite::None) => None,
        Some(SecFetchSite::SameSite) if policy.allow_same_site => None,
        Some(SecFetchSite::SameSite) => Some("same-site request (Sec-Fetch-Site) from an untrusted origin"),
        Some(SecFetchSite::CrossSite) => Some("cross-site request (Sec-Fetch-Site) from an untrusted origin"),
        None => match request.single("origin") {
            Ok(None) => None,
            Ok(Some(origin)) if same_host(origin, request.get(":authority").unwrap_or_default()) => None,
            Ok(Some(b"null")) => Some("opaque origin (Origin: null) without Sec-Fetch-Site"),
            Ok(Some(_)) => Some("Origin does not match the host and is not trusted"),
            Err(()) => Some("repeated Origin header"),
        },
    };
    let Some(reason) = reason else {
        return Verdict::Pass;
    };
    match request.single("origin") {
        Ok(Some(origin)) if policy.base.trusted.allow(cors, origin) => Verdict::Pass,
        _ => Verdict::Refuse(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::Setting;
    use crate::exchange::refusal::assert_refusal;
    use crate::hardening::trust::fake::Allow;
    use crate::http::Header;

    fn policy(json: &str) -> CsrfPolicy {
        crate::testing::policy(json)
    }

    /// A request to `api.example.com`; `site`/`origin` empty = header absent.
    fn request(method: &str, path: &str, site: &str, origin: &str) -> Vec<Header> {
        let mut h: Vec<Header> = vec![
            (":method".into(), method.into()),
            (":path".into(), path.into()),
            (":authority".into(), b"api.example.com".to_vec()),
        ];
        if !site.is_empty() {
            h.push(("sec-fetch-site".into(), site.into()));
        }
        if !origin.is_empty() {
            h.push(("origin".into(), origin.into()));
        }
        h
    }

    /// (method, path, Sec-Fetch-Site, Origin, CORS allows APP, refusal reason)
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        bool,
        Option<&'static str>,
    );

    const PASS: Option<&str> = None;
    const SITE: &str = "https://api.example.com";
    const SIBLING: &str = "https://www.example.com";
    const EVIL: &str = "https://evil.example.net";
    const APP: &str = "https://app.example.com";
    const PARTNER: &str = "https://partner.example.org";

    #[test]
    fn fetch_metadata_table() {
        let p = policy(r#"{"trusted_origins": ["https://partner.example.org"], "exempt_paths": ["/webhooks/"]}"#);
        let cors = Allow(&[APP]);
        let cross = Some("cross-site request (Sec-Fetch-Site) from an untrusted origin");
        let mismatch = Some("Origin does not match the host and is not trusted");
        let rows: &[Row] = &[
            // Safe methods never, whatever their origin: top-level navigations, images, preflights.
            ("GET", "/", "cross-site", EVIL, false, PASS),
            ("HEAD", "/", "cross-site", EVIL, false, PASS),
            ("OPTIONS", "/", "cross-site", EVIL, false, PASS),
            ("GET", "/", "", EVIL, false, PASS),
            // Browsers: same-origin and same-site form posts and fetches pass.
            ("POST", "/transfer", "same-origin", SITE, false, PASS),
            ("POST", "/transfer", "same-site", SIBLING, false, PASS),
            ("POST", "/transfer", "none", "", false, PASS),
            ("DELETE", "/item/1", "same-origin", SITE, false, PASS),
            // Cross-site writes are refused...
            ("POST", "/transfer", "cross-site", EVIL, false, cross),
            ("PUT", "/transfer", "cross-site", EVIL, false, cross),
            ("PATCH", "/transfer", "cross-site", EVIL, false, cross),
            ("DELETE", "/transfer", "cross-site", EVIL, false, cross),
            ("POST", "/transfer", "cross-site", "", false, cross),
            ("POST", "/transfer", "cross-site", "null", false, cross),
            ("POST", "/transfer", "CROSS-SITE", EVIL, false, cross),
            // ... unless trusted or allowed by the route's CORS policy.
            ("POST", "/transfer", "cross-site", PARTNER, false, PASS),
            ("POST", "/transfer", "cross-site", APP, true, PASS),
            ("POST", "/transfer", "cross-site", APP, false, cross),
            ("POST", "/transfer", "cross-site", EVIL, true, cross),
            // Method names are case-sensitive: `post` is not GET.
            ("post", "/transfer", "cross-site", EVIL, false, cross),
            ("get", "/transfer", "cross-site", EVIL, false, cross),
            // Exempt paths (webhooks) pass, but not by path tricks.
            ("POST", "/webhooks/stripe", "cross-site", EVIL, false, PASS),
            ("POST", "/webhooks/../transfer", "cross-site", EVIL, false, cross),
            // Without Sec-Fetch-Site (older browsers): the Origin against the host.
            ("POST", "/transfer", "", SITE, false, PASS),
            ("POST", "/transfer", "", "http://api.example.com", false, PASS),
            ("POST", "/transfer", "", "https://api.example.com:8443", false, mismatch),
            ("POST", "/transfer", "", SIBLING, false, mismatch),
            ("POST", "/transfer", "", EVIL, false, mismatch),
            (
                "POST",
                "/transfer",
                "",
                "https://api.example.com.evil.net",
                false,
                mismatch,
            ),
            ("POST", "/transfer", "", "https://api.example.com/", false, mismatch),
            ("POST", "/transfer", "", PARTNER, false, PASS),
            ("POST", "/transfer", "", APP, true, PASS),
            (
                "POST",
                "/transfer",
                "",
                "null",
                false,
                Some("opaque origin (Origin: null) without Sec-Fetch-Site"),
            ),
            // An unknown Sec-Fetch-Site value counts as absent.
            ("POST", "/transfer", "maybe", EVIL, false, mismatch),
            ("POST", "/transfer", "maybe", SITE, false, PASS),
            // Neither header: curl, server-to-server clients.
            ("POST", "/transfer", "", "", false, PASS),
            ("DELETE", "/transfer", "", "", false, PASS),
        ];
        for (method, path, site, origin, with_cors, want) in rows {
            let lines = request(method, path, site, origin);
            let c = if *with_cors { Some(&cors) } else { None };
            let got = match check(&p, c, Headers::new(&lines)) {
                Verdict::Pass => None,
                Verdict::Refuse(r) => Some(r),
            };
            assert_eq!(
                got, *want,
                "{method} {path} sec-fetch-site={site:?} origin={origin:?} cors={with_cors}"
            );
        }
    }

    #[test]
    fn repeated_headers() {
        let p = policy("{}");
        let mut lines = request("POST", "/", "", SITE);
        lines.push(("origin".into(), SITE.into()));
        assert_eq!(
            check::<Allow>(&p, None, Headers::new(&lines)),
            Verdict::Refuse("repeated Origin header")
        );
        // Two Sec-Fetch-Site lines are not a browser's: judged by the Origin.
        let mut lines = request("POST", "/", "same-origin", EVIL);
        lines.push(("sec-fetch-site".into(), b"same-origin".to_vec()));
        assert_eq!(
            check::<Allow>(&p, None, Headers::new(&lines)),
            Verdict::Refuse("Origin does not match the host and is not trusted")
        );
    }

    #[test]
    fn same_site_can_be_refused() {
        let p = policy(r#"{"allow_same_site": false, "trusted_origins": ["https://www.example.com"]}"#);
        let want = Verdict::Refuse("same-site request (Sec-Fetch-Site) from an untrusted origin");
        let lines = request("POST", "/", "same-site", "https://user-content.example.com");
        assert_eq!(check::<Allow>(&p, None, Headers::new(&lines)), want);
        let lines = request("POST", "/", "same-site", SIBLING);
        assert_eq!(check::<Allow>(&p, None, Headers::new(&lines)), Verdict::Pass);
        let lines = request("POST", "/", "same-origin", SITE);
        assert_eq!(check::<Allow>(&p, None, Headers::new(&lines)), Verdict::Pass);
    }

    #[test]
    fn a_request_without_method_is_not_safe() {
        // Hostile bytes in every header: `pipeline_tests::hostile_bytes_never_panic`.
        let p = policy("{}");
        let lines: Vec<Header> = vec![("origin".into(), EVIL.into())];
        assert_ne!(check::<Allow>(&p, None, Headers::new(&lines)), Verdict::Pass);
    }

    #[test]
    fn refusal_is_a_plain_403_and_report_only_is_not() {
        let lines = request("POST", "/", "cross-site", EVIL);
        assert_eq!(REFUSAL.status, 403);
        assert_refusal(
            &policy("{}"),
            &policy(r#"{"enforce": false}"#),
            |p, out| on_request(p, None, Headers::new(&lines), out),
            &REFUSAL,
        );
    }

    #[test]
    fn config_errors_name_the_path() {
        let rows: &[(&str, &str)] = &[
            (
                r#"{"csrf": {"trusted_origins": ["https://*.example.com"]}}"#,
                "edge-shield: csrf.trusted_origins[0]: \"https://*.example.com\": trusted origins are exact",
            ),
            (
                r#"{"csrf": {"exempt_paths": ["webhooks"]}}"#,
                "edge-shield: csrf.exempt_paths[0]: \"webhooks\": a path prefix starts with '/'",
            ),
            (
                r#"{"rules": [{"match": {"path_prefix": "/a/"}, "csrf": {"trusted_origins": ["null"]}}]}"#,
                "edge-shield: rules[0].csrf.trusted_origins[0]: \"null\"",
            ),
            (
                r#"{"csrf": {"trusted": []}}"#,
                "edge-shield: csrf.trusted: unknown field `trusted`",
            ),
            (
                r#"{"csrf": {"enforce": "no"}}"#,
                "edge-shield: csrf.enforce: invalid type: string \"no\", expected a boolean",
            ),
        ];
        crate::hardening::assert_refused(rows);
        let c = crate::config::load(br#"{"csrf": true}"#).unwrap();
        assert!(c.default.csrf.is_some(), "true = on with defaults");
        assert!(matches!(
            crate::config::parse(br#"{"csrf": false}"#).unwrap().csrf,
            Setting::Off
        ));
    }
}
