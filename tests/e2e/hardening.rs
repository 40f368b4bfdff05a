//! Edge hardening through a real Envoy (docs/configuration.md, Edge hardening): HTTPS redirect, cookie hardening,
//! CSRF by Fetch Metadata, WebSocket origin check. Expected values come from the
//! docs/configuration.md, RFC 6265bis and W3C Fetch Metadata. Many requests per Envoy instance.

use crate::harness::*;

/// A request for `path` on `api.example.com` (a domain of the test virtual host).
fn api(method: &str, path: &str) -> Req {
    request(method, path).header("host", "api.example.com")
}

/// A browser's cross-site form post (W3C Fetch Metadata headers as a browser sets them).
fn cross_site_post(path: &str, origin: &str) -> Req {
    api("POST", path)
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "navigate")
        .origin(origin)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"amount=100")
}

/// A browser's WebSocket handshake (RFC 6455 §4.1).
fn websocket(path: &str, origin: Option<&str>) -> Req {
    let req = request("GET", path)
        .header("host", "chat.example.com")
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    match origin {
        Some(o) => req.origin(o),
        None => req,
    }
}

/// A refusal by the filter: the status, a short text/plain body, no CORS allow headers.
fn assert_refused(r: &Resp, status: u16, body: &str) {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(r.header("content-type").as_deref(), Some("text/plain"));
    assert_eq!(r.text(), body);
    assert!(r.names_with_prefix("access-control-allow-").is_empty(), "{r:?}");
}

#[test]
fn https_redirect_with_exempt_paths() {
    let envoy = Envoy::start(
        r#"{
          "https_redirect": {"exempt_paths": ["/healthz", "/.well-known/acme-challenge/"]},
          "rules": [
            {"name": "legacy", "match": {"path_prefix": "/legacy/"}, "https_redirect": {"status": 301}},
            {"name": "custom", "match": {"path_prefix": "/custom/"}, "https_redirect": {"header": "x-original-proto"}}
          ]
        }"#,
    );
    let http = |method: &str, path: &str| api(method, path).header("x-forwarded-proto", "http");

    // Plain HTTP: 308 to the same host and path (query included), nothing upstream.
    let r = http("GET", "/account/settings?tab=security&x=%20").send(&envoy);
    assert_eq!(r.status, 308);
    assert_eq!(
        r.header("location").as_deref(),
        Some("https://api.example.com/account/settings?tab=security&x=%20")
    );
    // 308 keeps the method and body (RFC 9110 §15.4.9): a POST is redirected as is.
    let r = http("POST", "/form").body(b"a=1").send(&envoy);
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location").as_deref(), Some("https://api.example.com/form"));
    // The port the plain request came on is not the HTTPS port: dropped.
    let r = request("GET", "/p")
        .header("host", "api.example.com:8080")
        .header("x-forwarded-proto", "http")
        .send(&envoy);
    assert_eq!(r.header("location").as_deref(), Some("https://api.example.com/p"));
    assert!(envoy
        .upstream
        .seen_path("/account/settings?tab=security&x=%20")
        .is_empty());
    assert!(envoy.upstream.seen_path("/form").is_empty());

    // Exempt paths (health checks, ACME HTTP-01) and HTTPS requests pass.
    assert_eq!(http("GET", "/healthz").send(&envoy).status, 200);
    assert_eq!(http("GET", "/.well-known/acme-challenge/t0k").send(&envoy).status, 200);
    assert_eq!(envoy.upstream.seen_path("/healthz").len(), 1);
    let r = api("GET", "/secure").header("x-forwarded-proto", "https").send(&envoy);
    assert_eq!(r.status, 200);
    assert_eq!(envoy.upstream.seen_path("/secure").len(), 1);

    // Per rule: 301; another header (absent here: never redirect without it).
    let r = http("GET", "/legacy/page").send(&envoy);
    assert_eq!(
        (r.status, r.header("location").as_deref()),
        (301, Some("https://api.example.com/legacy/page"))
    );
    assert_eq!(http("GET", "/custom/a").send(&envoy).status, 200);
    let r = api("GET", "/custom/b").header("x-original-proto", "http").send(&envoy);
    assert_eq!(
        (r.status, r.header("location").as_deref()),
        (308, Some("https://api.example.com/custom/b"))
    );

    // A Host with userinfo would redirect elsewhere (Envoy itself routes it): 400.
    let r = http("GET", "/steal")
        .header("host", "evil.example.net@api.example.com")
        .send(&envoy);
    assert_refused(&r, 400, "Bad Request: invalid Host or path\n");
    assert!(!r.has("location"));
    assert!(envoy.upstream.seen_path("/steal").is_empty());

    assert_eq!(envoy.counter("default", "https_redirected"), 3);
    assert_eq!(envoy.counter("legacy", "https_redirected"), 1);
    assert_eq!(envoy.counter("custom", "https_redirected"), 1);
    assert!(envoy.log().contains("blocked https redirect: invalid Host or path"));
}

#[test]
fn cookies_hardened_line_by_line() {
    let envoy = Envoy::start(
        r#"{
          "cookies": {"exempt": ["csrftoken"]},
          "rules": [
            {"name": "raw", "match": {"path_prefix": "/raw/"}, "cookies": false},
            {"name": "strict", "match": {"path_prefix": "/strict/"}, "cookies": {"same_site": "Strict"}}
          ]
        }"#,
    );
    let upstream = [
        "sid=abc123; Path=/",
        "csrftoken=t0k; Path=/",
        "prefs=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Max-Age=3600",
        "strict=1; samesite=STRICT",
        "embed=1; SameSite=None",
        "done=1; Secure; HttpOnly; SameSite=Lax",
        "odd=1 ;secure;  HTTPONLY",
    ];
    let with_cookies = |path: &str| {
        upstream
            .iter()
            .fold(get(path), |req, line| req.upstream_header("set-cookie", line))
    };
    // Expected lines per RFC 6265bis: missing attributes added, none weakened.
    let hardened = [
        "sid=abc123; Path=/; Secure; HttpOnly; SameSite=Lax",
        "csrftoken=t0k; Path=/; Secure; SameSite=Lax",
        "prefs=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Max-Age=3600; Secure; HttpOnly; SameSite=Lax",
        "strict=1; samesite=STRICT; Secure; HttpOnly",
        "embed=1; SameSite=None; Secure; HttpOnly",
        "done=1; Secure; HttpOnly; SameSite=Lax",
        "odd=1 ;secure;  HTTPONLY; SameSite=Lax",
    ];
    let r = with_cookies("/login").send(&envoy);
    assert_eq!(r.status, 200);
    assert_eq!(r.all("set-cookie"), hardened, "every line, in order, none merged");

    // A rule's cookies object replaces the top level's (exempt included).
    let r = with_cookies("/strict/x").send(&envoy);
    let all = r.all("set-cookie");
    assert_eq!(all.len(), upstream.len());
    assert_eq!(all[0], "sid=abc123; Path=/; Secure; HttpOnly; SameSite=Strict");
    assert_eq!(all[1], "csrftoken=t0k; Path=/; Secure; HttpOnly; SameSite=Strict");
    assert_eq!(all[3], "strict=1; samesite=STRICT; Secure; HttpOnly");

    // cookies: false on a rule: the upstream's lines exactly.
    assert_eq!(with_cookies("/raw/x").send(&envoy).all("set-cookie"), upstream);

    // Already hardened: untouched; non-UTF-8 bytes kept as they are.
    let r = get("/bytes")
        .upstream_header("set-cookie", "done=1; Secure; HttpOnly; SameSite=Lax")
        .header_bytes("x-test-header", b"set-cookie: bin=\xff\xfe; Path=/")
        .send(&envoy);
    assert_eq!(r.status, 200);
    let lines: Vec<&[u8]> = r
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_slice())
        .collect();
    assert_eq!(
        lines,
        [
            &b"done=1; Secure; HttpOnly; SameSite=Lax"[..],
            b"bin=\xff\xfe; Path=/; Secure; HttpOnly; SameSite=Lax"
        ]
    );
    assert_eq!(get("/none").send(&envoy).count("set-cookie"), 0);
    assert!(!envoy.log().contains("panicked"));
}

#[test]
fn csrf_refuses_cross_site_writes_only() {
    let envoy = Envoy::start(
        r#"{
          "csrf": {"exempt_paths": ["/webhooks/"], "trusted_origins": ["https://partner.example.org"]},
          "rules": [
            {"name": "report", "match": {"path_prefix": "/report/"}, "csrf": {"enforce": false}},
            {"name": "public", "match": {"path_prefix": "/public/"}, "cors": {"allowed_origins": ["*"]}}
          ]
        }"#,
    );
    const EVIL: &str = "https://evil.example.net";
    const REFUSED: &str = "Forbidden: cross-site request refused\n";

    // A cross-site form post is refused and never reaches the app.
    let r = cross_site_post("/transfer", EVIL).send(&envoy);
    assert_refused(&r, 403, REFUSED);
    for method in ["PUT", "PATCH", "DELETE"] {
        let r = api(method, "/transfer")
            .header("sec-fetch-site", "cross-site")
            .origin(EVIL)
            .send(&envoy);
        assert_eq!(r.status, 403, "{method}");
    }
    // Older browsers (no Sec-Fetch-Site): an Origin that is not the host's; an opaque one.
    let r = api("POST", "/transfer").origin(EVIL).send(&envoy);
    assert_refused(&r, 403, REFUSED);
    let r = api("POST", "/transfer").origin("null").send(&envoy);
    assert_refused(&r, 403, REFUSED);
    assert!(envoy.upstream.seen_path("/transfer").is_empty(), "none reached the app");

    // What browsers legitimately do passes: same-origin and same-site posts, the
    // same-origin post of an older browser, top-level navigations, user-typed URLs.
    let passes = [
        api("POST", "/ok/same-origin")
            .header("sec-fetch-site", "same-origin")
            .origin("https://api.example.com"),
        api("POST", "/ok/same-site")
            .header("sec-fetch-site", "same-site")
            .origin("https://www.example.com"),
        // (the request reached the edge over https, as the page's origin says)
        api("POST", "/ok/old-browser")
            .header("x-forwarded-proto", "https")
            .origin("https://api.example.com"),
        api("GET", "/ok/navigation")
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-mode", "navigate"),
        api("POST", "/ok/typed").header("sec-fetch-site", "none"),
        // Non-browser clients (curl, services) send neither header.
        api("POST", "/ok/curl").body(b"{}"),
        // A trusted partner origin.
        cross_site_post("/ok/partner", "https://partner.example.org"),
        // Webhooks are exempt.
        cross_site_post("/webhooks/stripe", EVIL),
    ];
    for req in &passes {
        let r = req.send(&envoy);
        assert_eq!(r.status, 200, "{req:?}");
    }
    for path in [
        "/ok/same-origin",
        "/ok/same-site",
        "/ok/old-browser",
        "/ok/navigation",
        "/ok/typed",
        "/ok/curl",
        "/ok/partner",
        "/webhooks/stripe",
    ] {
        assert_eq!(envoy.upstream.seen_path(path).len(), 1, "{path} reached the app");
    }

    // Path tricks do not borrow the webhook exemption.
    let r = cross_site_post("/webhooks/..%2Ftransfer", EVIL).send(&envoy);
    assert_eq!(r.status, 403);

    // A "*" CORS policy says anyone may read, not anyone may write with cookies.
    let r = cross_site_post("/public/transfer", EVIL).send(&envoy);
    assert_eq!(r.status, 403);
    assert!(envoy.upstream.seen_path("/public/transfer").is_empty());

    // Report-only: forwarded, counted, logged as "would block".
    let r = cross_site_post("/report/transfer", EVIL).send(&envoy);
    assert_eq!(r.status, 200);
    assert_eq!(envoy.upstream.seen_path("/report/transfer").len(), 1);

    assert_eq!(envoy.counter("default", "csrf_blocked"), 7);
    assert_eq!(envoy.counter("public", "csrf_blocked"), 1);
    assert_eq!(envoy.counter("report", "csrf_blocked"), 1);
    let log = envoy.log();
    assert!(
        log.contains(
            "blocked csrf: cross-site request (Sec-Fetch-Site) from an untrusted origin; \
             origin=\"https://evil.example.net\" method=\"POST\" path=\"/transfer\""
        ),
        "{log}"
    );
    assert!(log.contains("blocked csrf: opaque origin (Origin: null) without Sec-Fetch-Site"));
    assert!(log.contains("would block (report-only) csrf:"));
}

#[test]
fn websocket_from_a_foreign_origin_refused() {
    let envoy = Envoy::start(
        r#"{
          "websocket": {"trusted_origins": ["https://partner.example.org"]},
          "rules": [{"name": "open", "match": {"path_prefix": "/open/"}, "websocket": {"enforce": false}}]
        }"#,
    );
    // Cross-site WebSocket hijacking: refused before the upstream sees the handshake.
    let r = websocket("/ws/evil", Some("https://evil.example.net")).send(&envoy);
    assert_refused(&r, 403, "Forbidden: WebSocket origin not allowed\n");
    let r = websocket("/ws/null", Some("null")).send(&envoy);
    assert_eq!(r.status, 403);
    assert!(envoy.upstream.seen_path("/ws/evil").is_empty());
    assert!(envoy.upstream.seen_path("/ws/null").is_empty());

    // The page's own origin (scheme included: the request came over https), a trusted
    // origin, a non-browser client: upgraded.
    for (path, origin) in [
        ("/ws/same", Some("https://chat.example.com")),
        ("/ws/partner", Some("https://partner.example.org")),
        ("/ws/client", None),
    ] {
        let r = websocket(path, origin)
            .header("x-forwarded-proto", "https")
            .send(&envoy);
        assert_eq!(r.status, 101, "{path}");
        assert_eq!(envoy.upstream.seen_path(path).len(), 1, "{path}");
    }
    // Not an upgrade: an ordinary request, not this check's business.
    let r = get("/ws/plain").origin("https://evil.example.net").send(&envoy);
    assert_eq!(r.status, 200);
    // Report-only rule: upgraded, counted, logged.
    let r = websocket("/open/ws", Some("https://evil.example.net")).send(&envoy);
    assert_eq!(r.status, 101);

    assert_eq!(envoy.counter("default", "websocket_blocked"), 2);
    assert_eq!(envoy.counter("open", "websocket_blocked"), 1);
    let log = envoy.log();
    assert!(
        log.contains("blocked websocket: origin not allowed; origin=\"https://evil.example.net\" method=\"GET\" path=\"/ws/evil\""),
        "{log}"
    );
    assert!(log.contains("would block (report-only) websocket: origin not allowed"));
}

#[test]
fn hostile_bytes_never_crash_the_hardening_checks() {
    let envoy = Envoy::start(r#"{"https_redirect": true, "cookies": true, "csrf": true, "websocket": true}"#);
    let big = "a".repeat(64 * 1024);
    let hostile = [
        api("POST", "/bin")
            .header_bytes("origin", b"https://\xff\xfe.example")
            .header_bytes("sec-fetch-site", b"cross\xffsite"),
        api("POST", "/big").origin(&big).header("sec-fetch-site", &big),
        api("POST", "/repeat")
            .origin("https://a.example")
            .origin("https://b.example"),
        api("POST", "/empty").origin("").header("sec-fetch-site", ""),
        websocket("/ws-bin", None).header_bytes("origin", b"\xff"),
        websocket("/ws-big", Some(&big)),
        api("GET", "/xfp-big").header("x-forwarded-proto", &big),
        // Envoy's default response header limit is 60 KiB.
        api("GET", "/cookie-big").upstream_header("set-cookie", &big[..16 * 1024]),
        api("GET", "/cookie-odd")
            .upstream_header("set-cookie", ";;;==;")
            .upstream_header("set-cookie", "=")
            .header_bytes("x-test-header", b"set-cookie: \xff\xfe"),
    ];
    for req in &hostile {
        // x-forwarded-proto is https here, so no redirect: each check sees the bytes.
        let r = req.clone().header("x-forwarded-proto", "https").send(&envoy);
        assert!(matches!(r.status, 200 | 101 | 403), "{req:?}: {}", r.status);
    }
    let raw = send_raw(
        envoy.port(),
        b"POST /raw HTTP/1.1\r\nhost: api.example.com\r\norigin: https://x\xe9.example\r\nx-forwarded-proto: https\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
    )
    .unwrap();
    assert_eq!(
        raw.status, 403,
        "an Origin that is not the host's, from an older browser"
    );
    assert_eq!(api("GET", "/after").send(&envoy).status, 308, "still serving");
    let log = envoy.log();
    assert!(
        !log.contains("panicked") && !log.contains("Function: proxy_on"),
        "{log}"
    );
}

#[test]
fn invalid_hardening_configurations_are_refused() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"https_redirect": {"status": 302}}"#,
            "edge-shield: https_redirect.status: 302: the status must be 301 or 308 (308 keeps the method and body)",
        ),
        (
            r#"{"cookies": {"same_site": "None", "secure": false}}"#,
            "edge-shield: cookies.same_site: \"None\": SameSite=None requires Secure",
        ),
        (
            r#"{"rules": [{"match": {"path_prefix": "/a/"}, "csrf": {"trusted_origins": ["https://*.example.com"]}}]}"#,
            "edge-shield: rules[0].csrf.trusted_origins[0]: \"https://*.example.com\": trusted origins are exact",
        ),
    ];
    for (plugin, want) in cases {
        let (ok, out) = validate_plugin(plugin);
        assert!(!ok, "Envoy accepted {plugin}:\n{out}");
        assert!(out.contains(want), "for {plugin} expected {want:?} in:\n{out}");
    }
}

/// An origin the route's CORS policy allows may post cross-site and open WebSockets;
/// others still may not.
#[test]
fn cors_allowed_origins_pass_csrf_and_websocket() {
    let envoy = Envoy::start(
        r#"{
          "cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "POST", "PUT"]},
          "csrf": true,
          "websocket": true
        }"#,
    );
    let r = cross_site_post("/api/orders", "https://app.example.com").send(&envoy);
    assert_eq!(r.status, 200, "a CORS-allowed origin may write cross-site");
    assert_eq!(envoy.upstream.seen_path("/api/orders").len(), 1);
    let r = websocket("/ws/app", Some("https://app.example.com")).send(&envoy);
    assert_eq!(r.status, 101, "a CORS-allowed origin may open a WebSocket");

    // Others are still refused, and the refusal carries no CORS allow headers.
    let r = cross_site_post("/api/orders2", "https://evil.example.net").send(&envoy);
    assert_refused(&r, 403, "Forbidden: cross-site request refused\n");
    let r = websocket("/ws/evil", Some("https://evil.example.net")).send(&envoy);
    assert_refused(&r, 403, "Forbidden: WebSocket origin not allowed\n");
    assert_eq!(envoy.counter("default", "csrf_blocked"), 1);
    assert_eq!(envoy.counter("default", "websocket_blocked"), 1);
}
