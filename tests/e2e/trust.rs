//! Origin trust (docs/origin-trust.md) in a real Envoy: regexes judged by their
//! structure and the Public Suffix List at load, vouching for CSRF and WebSocket,
//! same-origin checks with the scheme the request arrived with, and the
//! request-level gaps (MIME type extraction, `Access-Control-Request-Headers: *`,
//! `Partitioned` cookies in development mode).

use crate::harness::*;

/// Refused at load with the path, the value, an origin it admits and the fix; the
/// safe near misses load.
#[test]
fn origin_trust_rules_at_load() {
    let refused: &[(&str, &[&str])] = &[
        (
            r#"{"cors": {"allow_credentials": true, "allowed_origin_regexes": ["https?://[a-z0-9.]+(:[0-9]+)?"]}}"#,
            &[
                "edge-shield: cors.allowed_origin_regexes[0]: \"https?://[a-z0-9.]+(:[0-9]+)?\": with allow_credentials: true",
                "it admits \"http://a.evil.net\"",
            ],
        ),
        (
            r#"{"cors": {"allow_credentials": true, "allowed_origin_regexes": ["https://.*.example.com"]}}"#,
            &["it admits \"https://evil-example.com\"", "escape it as"],
        ),
        (
            r#"{"cors": {"allow_credentials": true, "allowed_origin_regexes": ["https://app\\.example\\.com[^/]*"]}}"#,
            &["it admits \"https://app.example.com.evil.net\""],
        ),
        (
            r#"{"cors": {"allow_private_network": true, "allowed_origins": ["null"]}}"#,
            &["cors.allowed_origins[0]: \"null\": \"null\" cannot be combined with allow_private_network"],
        ),
        (
            r#"{"cors": {"allowed_origins": ["https://*.s3.amazonaws.com"]}}"#,
            &["\"*.s3.amazonaws.com\" would match sites anyone can register", "entry \"s3.amazonaws.com\""],
        ),
        (
            r#"{"cors": {"allowed_origins": ["https://*.blob.core.windows.net"]}}"#,
            &["entry \"blob.core.windows.net\""],
        ),
        (
            r#"{"rules": [{"match": {"path_prefix": "/x/"}, "cors": {"allow_credentials": true, "allowed_origin_regexes": ["https://[a-z0-9-]+\\.vercel\\.app"]}}]}"#,
            &[
                "rules[0].cors.allowed_origin_regexes[0]",
                "Public Suffix List entry \"vercel.app\"",
                "it admits \"https://evil.vercel.app\"",
            ],
        ),
    ];
    for (plugin, words) in refused {
        let (ok, out) = validate_plugin(plugin);
        assert!(!ok, "Envoy accepted {plugin}");
        for w in *words {
            assert!(out.contains(w), "{w:?} not in:\n{out}");
        }
    }
    for plugin in [
        r#"{"cors": {"allow_credentials": true, "allowed_origin_regexes": ["^https://(app|admin)\\.example\\.com$", "^https://pr-[0-9]+\\.preview\\.example\\.dev$", "^https://[a-z0-9-]+\\.example\\.com$", "https://api\\.example\\.com(:8443)?"]}}"#,
        r#"{"cors": {"allowed_origins": ["https://*.mybucket.s3.amazonaws.com", "https://myapp.vercel.app"]}}"#,
    ] {
        let (ok, out) = validate_plugin(plugin);
        assert!(ok, "refused {plugin}:\n{out}");
    }
}

/// A public policy with a broad regex lets anyone read, but vouches for no one in the
/// CSRF and WebSocket checks; a confined regex vouches for its own origins.
#[test]
fn broad_public_regexes_do_not_vouch_for_csrf_or_websocket() {
    let envoy = Envoy::start(
        r#"{
          "cors": {"allowed_origin_regexes": ["https://.*", "https://[a-z]+\\.partner\\.example\\.org"]},
          "csrf": true,
          "websocket": true
        }"#,
    );
    let log = envoy.log();
    assert!(
        log.contains("csrf: the CORS regex cors.allowed_origin_regexes[0]: \"https://.*\""),
        "load-time warning:\n{log}"
    );
    // Anyone may read...
    let r = get("/read").origin("https://evil.com").send(&envoy);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("https://evil.com")
    );
    // ... but a cross-site post and a WebSocket from evil.com do not reach the upstream.
    let post = request("POST", "/transfer")
        .header("sec-fetch-site", "cross-site")
        .origin("https://evil.com");
    assert_eq!(post.send(&envoy).status, 403);
    let ws = |path: &str, origin: &str| {
        request("GET", path)
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .origin(origin)
    };
    assert_eq!(ws("/ws/evil", "https://evil.com").send(&envoy).status, 403);
    assert!(envoy.upstream.seen_path("/transfer").is_empty());
    assert!(envoy.upstream.seen_path("/ws/evil").is_empty());
    // The confined regex vouches for the partner's origins.
    let partner = request("POST", "/partner")
        .header("sec-fetch-site", "cross-site")
        .origin("https://a.partner.example.org");
    assert_eq!(partner.send(&envoy).status, 200);
    assert_eq!(
        ws("/ws/partner", "https://a.partner.example.org").send(&envoy).status,
        101
    );
}

/// Without Sec-Fetch-Site (older browsers), and for WebSockets, "the page's own host"
/// means its origin: scheme and port as the request arrived (x-forwarded-proto).
#[test]
fn same_origin_checks_compare_the_scheme_the_request_arrived_with() {
    let envoy = Envoy::start(r#"{"csrf": true, "websocket": true}"#);
    // (arrived over, Origin, CSRF status, WebSocket status)
    let rows: &[(&str, &str, u16, u16)] = &[
        ("https", "https://api.example.com", 200, 101),
        ("https", "http://api.example.com", 403, 403),
        ("https", "https://api.example.com:8443", 403, 403),
        ("http", "http://api.example.com", 200, 101),
        ("http", "https://api.example.com", 403, 403),
    ];
    for (i, (proto, origin, csrf, ws)) in rows.iter().enumerate() {
        let post = request("POST", &format!("/c/{i}"))
            .header("host", "api.example.com")
            .header("x-forwarded-proto", proto)
            .origin(origin);
        assert_eq!(post.send(&envoy).status, *csrf, "POST over {proto} from {origin}");
        let upgrade = request("GET", &format!("/w/{i}"))
            .header("host", "api.example.com")
            .header("x-forwarded-proto", proto)
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .origin(origin);
        assert_eq!(upgrade.send(&envoy).status, *ws, "WebSocket over {proto} from {origin}");
    }
}

/// Fetch's "extract a MIME type": the last valid type of the comma list wins.
#[test]
fn html_only_headers_follow_the_browsers_mime_type() {
    let envoy = Envoy::start("{}");
    // (upstream Content-Type lines, HTML to a browser)
    let rows: &[(&[&str], bool)] = &[
        (&["application/json, text/html"], true),
        (&["application/json", "text/html;charset=utf-8"], true),
        (&["text/html, application/json"], false),
        (&["application/json, */*"], false),
        (&["application/json"], false),
        (&["text/html"], true),
    ];
    for (i, (types, html)) in rows.iter().enumerate() {
        let mut req = get(&format!("/m/{i}"));
        for t in *types {
            req = req.upstream_header("content-type", t);
        }
        let r = req.send(&envoy);
        for name in ["content-security-policy", "x-frame-options"] {
            assert_eq!(r.has(name), *html, "{name} for {types:?}");
        }
    }
}

#[test]
fn a_literal_star_in_access_control_request_headers_is_never_echoed() {
    let envoy = Envoy::start(r#"{"cors": {"allowed_origins": ["https://app.example.com"], "allowed_headers": ["*"]}}"#);
    let ok = preflight("/p", "https://app.example.com", "POST")
        .header("access-control-request-headers", "x-a")
        .send(&envoy);
    assert_eq!(ok.header("access-control-allow-headers").as_deref(), Some("x-a"));
    for value in ["*", "x-a, *"] {
        let r = preflight("/p", "https://app.example.com", "POST")
            .header("access-control-request-headers", value)
            .send(&envoy);
        assert!(
            !r.all("access-control-allow-headers")
                .iter()
                .any(|v| v.split(',').any(|n| n.trim() == "*")),
            "{value}: {:?}",
            r.all("access-control-allow-headers")
        );
        assert!(
            !r.has("access-control-allow-origin"),
            "{value}: the preflight is refused"
        );
    }
}

#[test]
fn a_partitioned_cookie_stays_valid_in_development_mode() {
    let envoy = Envoy::start(r#"{"mode": "development", "cookies": true}"#);
    let r = get("/c")
        .upstream_header("set-cookie", "chips=1; Path=/; Partitioned")
        .upstream_header("set-cookie", "plain=1; Path=/")
        .send(&envoy);
    let cookies = r.all("set-cookie");
    assert_eq!(
        cookies,
        vec![
            "chips=1; Path=/; Partitioned; Secure; HttpOnly; SameSite=Lax".to_string(),
            "plain=1; Path=/; HttpOnly; SameSite=Lax".to_string(),
        ]
    );
}

/// A rule that only adds protection is not escaped by `;params`, case, encodings, or
/// extra trailing dots on the host; ambiguity goes toward protection.
#[test]
fn protective_rules_are_not_escaped_by_ambiguous_paths_or_hosts() {
    let envoy = Envoy::start(
        r#"{"rules": [
          {"name": "account", "match": {"path_prefix": "/account/"}, "csrf": true},
          {"name": "admin", "match": {"host": "admin.example.com"}, "csrf": true}
        ]}"#,
    );
    let post = |host: &str, path: &str| {
        request("POST", path)
            .header("host", host)
            .header("sec-fetch-site", "cross-site")
            .origin("https://evil.example.net")
    };
    for path in [
        "/account/transfer",
        "/account;jsessionid=x/transfer",
        "/ACCOUNT/transfer",
        "/%61ccount/transfer",
        "/public/..;/account/transfer",
    ] {
        let r = post("api.example.com", path).send(&envoy);
        assert_eq!(r.status, 403, "{path}");
        assert!(envoy.upstream.seen_path(path).is_empty(), "{path} reached the app");
    }
    assert_eq!(post("api.example.com", "/public/transfer").send(&envoy).status, 200);
    for host in ["admin.example.com", "admin.example.com.", "ADMIN.example.com:80"] {
        let r = post(host, &format!("/h/{host}")).send(&envoy);
        assert_eq!(r.status, 403, "{host}");
    }
    assert_eq!(envoy.counter("account", "csrf_blocked"), 5);
}
