//! Security headers through a real Envoy (docs/configuration.md, Security headers): helmet's defaults on the wire, the
//! merge with what the upstream sent, removal of fingerprints, HSTS only over HTTPS,
//! Envoy's own local replies, and development mode.

use crate::harness::*;

/// helmet 8.3.0's default set (docs/configuration.md, Defaults), except HSTS,
/// which is sent only over HTTPS.
const HELMET_OVER_HTTP: [(&str, &str); 11] = [
    ("content-security-policy", "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("origin-agent-cluster", "?1"),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("x-dns-prefetch-control", "off"),
    ("x-download-options", "noopen"),
    ("x-frame-options", "SAMEORIGIN"),
    ("x-permitted-cross-domain-policies", "none"),
    ("x-xss-protection", "0"),
];
const HSTS: (&str, &str) = ("strict-transport-security", "max-age=31536000; includeSubDomains");
const HTML_ONLY: [&str; 2] = ["content-security-policy", "x-frame-options"];
const FINGERPRINTS: [&str; 4] = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"];

/// Every header of `want` exactly once with exactly that value.
#[track_caller]
fn assert_once(r: &Resp, want: &[(&str, &str)], what: &str) {
    for (name, value) in want {
        assert_eq!(r.all(name), [*value], "{what}: {name} in {:?}", r.headers_text());
    }
}

#[track_caller]
fn assert_absent(r: &Resp, names: &[&str], what: &str) {
    for name in names {
        assert!(!r.has(name), "{what}: {name} present in {:?}", r.headers_text());
    }
}

/// The set on a response that is not an HTML document.
fn not_html() -> Vec<(&'static str, &'static str)> {
    HELMET_OVER_HTTP
        .iter()
        .copied()
        .filter(|(n, _)| !HTML_ONLY.contains(n))
        .collect()
}

fn html(req: Req) -> Req {
    req.upstream_header("content-type", "text/html; charset=utf-8")
}

fn with_fingerprints(req: Req) -> Req {
    req.upstream_header("Server", "nginx/1.25.3")
        .upstream_header("X-Powered-By", "Express")
        .upstream_header("X-AspNet-Version", "4.0.30319")
        .upstream_header("X-AspNetMvc-Version", "5.2")
}

#[test]
fn defaults_on_html_json_and_envoys_own_replies() {
    let envoy = Envoy::start("{}");
    let not_html = not_html();

    let page = with_fingerprints(html(get("/page"))).send(&envoy);
    assert_eq!(page.status, 200);
    assert_once(&page, &HELMET_OVER_HTTP, "HTML over HTTP");
    assert_absent(&page, &FINGERPRINTS, "HTML over HTTP");
    assert_absent(&page, &[HSTS.0], "plain HTTP");
    // Nothing else was added: the response is the upstream's plus helmet's set.
    let ours: Vec<&str> = HELMET_OVER_HTTP.iter().map(|(n, _)| *n).collect();
    let mut others: Vec<String> = page
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .filter(|n| !ours.contains(&n.as_str()))
        .collect();
    others.sort();
    assert_eq!(
        others,
        [
            "connection",
            "content-length",
            "content-type",
            "date",
            "x-envoy-upstream-service-time"
        ],
        "{:?}",
        page.headers_text()
    );

    let api = with_fingerprints(get("/api").upstream_header("Content-Type", "Application/JSON")).send(&envoy);
    assert_once(&api, &not_html, "JSON");
    assert_absent(&api, &HTML_ONLY, "JSON");
    assert_absent(&api, &FINGERPRINTS, "JSON");

    // SVG and other XML documents run script when opened directly (an uploaded SVG is
    // stored XSS): they get the HTML-only headers too. A PNG does not.
    for ct in [
        "image/svg+xml",
        "application/xml; charset=utf-8",
        "application/atom+xml",
    ] {
        let doc = get("/upload/avatar").upstream_header("Content-Type", ct).send(&envoy);
        assert_once(&doc, &HELMET_OVER_HTTP, ct);
    }
    let png = get("/upload/avatar.png")
        .upstream_header("Content-Type", "image/png")
        .send(&envoy);
    assert_absent(&png, &HTML_ONLY, "PNG");

    // No content type: a browser may sniff it as HTML, so it gets the HTML-only headers.
    let bare = get("/bare").send(&envoy);
    assert!(!bare.has("content-type"));
    assert_once(&bare, &HELMET_OVER_HTTP, "no content type");

    // Envoy's own replies: 404 for an unknown host, 503 for an unreachable upstream,
    // and a route's direct_response.
    let unknown_host = get("/").header("host", "nowhere.invalid").send(&envoy);
    assert_eq!(unknown_host.status, 404);
    let dead = get("/dead/x").send(&envoy);
    assert_eq!(dead.status, 503);
    let direct = get("/direct/x").send(&envoy);
    assert_eq!((direct.status, direct.text().as_str()), (200, "direct"));
    // Envoy's 404 has no body and no content type: the whole set. Its 503 and a
    // direct_response body are text/plain: no HTML-only headers.
    assert!(!unknown_host.has("content-type"));
    assert_once(&unknown_host, &HELMET_OVER_HTTP, "404 unknown host");
    for (r, what) in [(&dead, "503 unreachable"), (&direct, "direct_response")] {
        assert_eq!(r.header("content-type").as_deref(), Some("text/plain"), "{what}");
        assert_once(r, &not_html, what);
        assert_absent(r, &HTML_ONLY, what);
    }
    for (r, what) in [(&unknown_host, "404"), (&dead, "503"), (&direct, "direct")] {
        assert_absent(r, &FINGERPRINTS, what);
    }
}

/// Responses the filter itself sends: an HTTPS redirect carries the whole set once; a
/// CORS preflight answer, which only the browser's CORS check reads, carries its CORS
/// headers and none of the security headers (docs/design.md, "Preflight replies").
/// Neither carries a fingerprint.
#[test]
fn filters_own_replies_carry_the_headers() {
    let envoy = Envoy::start(
        r#"{"cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "PUT"]}, "https_redirect": {}}"#,
    );
    let not_html = not_html();
    // Envoy sets `x-forwarded-proto: http` on this plain listener, which the redirect
    // would answer first: the preflight says it came over HTTPS.
    let answered = preflight("/api/x", "https://app.example.com", "PUT")
        .header("x-forwarded-proto", "https")
        .send(&envoy);
    assert_eq!(answered.status, 204);
    assert_eq!(answered.all("access-control-allow-origin"), ["https://app.example.com"]);
    assert!(
        answered.header("vary").unwrap_or_default().contains("Origin"),
        "{:?}",
        answered.headers_text()
    );
    let security: Vec<&str> = HELMET_OVER_HTTP.iter().map(|(n, _)| *n).collect();
    assert_absent(&answered, &security, "preflight");
    assert_absent(&answered, &["strict-transport-security"], "preflight");
    let redirected = get("/page").header("x-forwarded-proto", "http").send(&envoy);
    assert_eq!(redirected.status, 308);
    assert_once(&redirected, &not_html, "redirect");
    for (r, what) in [(&answered, "preflight"), (&redirected, "redirect")] {
        assert_absent(r, &FINGERPRINTS, what);
    }
}

#[test]
fn upstream_values_kept_overridden_and_never_repeated() {
    let envoy = Envoy::start(
        r#"{"rules": [
            {"match": {"path_prefix": "/all/"}, "headers": {"override": true}},
            {"match": {"path_prefix": "/xfo/"}, "headers": {"override": ["x_frame_options"]}}
        ]}"#,
    );
    let app_csp = "default-src 'none';img-src 'self'";

    // Default: the upstream's value is kept, once.
    let kept = html(get("/keep"))
        .upstream_header("X-Frame-Options", "DENY")
        .upstream_header("Content-Security-Policy", app_csp)
        .upstream_header("Referrer-Policy", "strict-origin")
        .send(&envoy);
    assert_once(
        &kept,
        &[
            ("x-frame-options", "DENY"),
            ("content-security-policy", app_csp),
            ("referrer-policy", "strict-origin"),
            ("x-content-type-options", "nosniff"),
        ],
        "kept",
    );

    // Repeated by the upstream, in one case or two: one line that means what they meant.
    // X-Frame-Options: browsers refuse framing when the lines disagree, so DENY.
    let twice = html(get("/keep"))
        .upstream_header("X-Frame-Options", "SAMEORIGIN")
        .upstream_header("X-Frame-Options", "DENY")
        .send(&envoy);
    assert_once(&twice, &[("x-frame-options", "DENY")], "repeated");
    // HSTS: browsers apply the first line (RFC 6797 §8.1); CSP: every policy of the
    // list is enforced (CSP3), so both stay, joined as the browser would join them.
    let app_csp2 = "script-src 'self' https://cdn.example.com";
    let cases = html(get("/keep"))
        .upstream_header("x-frame-options", "SAMEORIGIN")
        .upstream_header("X-Frame-Options", "sameorigin")
        .upstream_header("Strict-Transport-Security", "max-age=600")
        .upstream_header("strict-transport-security", "max-age=0")
        .upstream_header("Content-Security-Policy", app_csp)
        .upstream_header("content-security-policy", "")
        .upstream_header("content-security-policy", app_csp2)
        .upstream_header("Referrer-Policy", "no-referrer")
        .upstream_header("referrer-policy", "strict-origin")
        .send(&envoy);
    assert_once(
        &cases,
        &[
            ("x-frame-options", "SAMEORIGIN"),
            ("strict-transport-security", "max-age=600"),
            ("content-security-policy", &format!("{app_csp}, {app_csp2}")),
            ("referrer-policy", "no-referrer, strict-origin"),
        ],
        "repeated in two cases",
    );
    // Only empty lines: as good as absent, ours is sent.
    let empty = html(get("/keep"))
        .upstream_header("Content-Security-Policy", "")
        .upstream_header("content-security-policy", "")
        .send(&envoy);
    assert_once(&empty, &HELMET_OVER_HTTP[..1], "empty CSP lines");
    // Not ours to send on JSON, but still never two lines.
    let json_twice = get("/keep")
        .upstream_header("content-type", "application/json")
        .upstream_header("X-Frame-Options", "DENY")
        .upstream_header("x-frame-options", "DENY")
        .send(&envoy);
    assert_once(&json_twice, &[("x-frame-options", "DENY")], "JSON repeated");

    // Hostile bytes from the upstream: copied byte for byte where kept, nothing breaks.
    let big_csp = format!("default-src 'self' {}", "a".repeat(64 * 1024));
    let hostile = html(get("/keep"))
        .header_bytes("x-test-header", b"X-Frame-Options: \xff\xfe")
        .upstream_header("x-frame-options", "DENY")
        .header_bytes("x-test-header", b"X-Content-Type-Options: \xff\xfe")
        .upstream_header("x-content-type-options", "nosniff")
        .upstream_header("Content-Security-Policy", &big_csp)
        .send(&envoy);
    let raw = |name: &str| -> Vec<&[u8]> {
        hostile
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    };
    assert_eq!(raw("x-frame-options"), [&b"DENY"[..]]);
    assert_eq!(raw("x-content-type-options"), [&b"\xff\xfe"[..]]);
    assert_eq!(hostile.all("content-security-policy"), [big_csp]);

    // override: true: ours replaces the upstream's, also when repeated.
    let all = html(get("/all/page"))
        .upstream_header("X-Frame-Options", "DENY")
        .upstream_header("x-frame-options", "DENY")
        .upstream_header("Content-Security-Policy", app_csp)
        .upstream_header("X-Content-Type-Options", "sniff-please")
        .send(&envoy);
    assert_once(&all, &HELMET_OVER_HTTP, "override: true");

    // override: ["x_frame_options"]: only that one.
    let listed = html(get("/xfo/page"))
        .upstream_header("X-Frame-Options", "DENY")
        .upstream_header("Content-Security-Policy", app_csp)
        .send(&envoy);
    assert_once(
        &listed,
        &[("x-frame-options", "SAMEORIGIN"), ("content-security-policy", app_csp)],
        "override list",
    );
}

#[test]
fn hsts_only_over_https_by_scheme_or_trusted_forwarded_proto() {
    let dir = std::env::temp_dir().join(format!("edge-shield-e2e-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (cert, key) = test_certificate(&dir);
    let envoy = Envoy::start_with(
        &tls_template(&cert, &key),
        r#"{"rules": [
            {"match": {"path_prefix": "/custom-proto/"}, "headers": {"strict_transport_security": {"forwarded_proto_header": "x-edge-proto"}}},
            {"match": {"path_prefix": "/untrusted/"}, "headers": {"strict_transport_security": {"forwarded_proto_header": false}}},
            {"match": {"path_prefix": "/on-http/"}, "headers": {"strict_transport_security": {"on_http": true}}},
            {"match": {"path_prefix": "/preload/"}, "headers": {"strict_transport_security": {"max_age": 63072000, "preload": true}}}
        ]}"#,
    );
    let tls = envoy.port_of("tls");
    let hsts = [HSTS];

    let secure = send_tls(&html(get("/page")), tls);
    assert_eq!(secure.status, 200);
    assert_once(&secure, &HELMET_OVER_HTTP, "HTTPS");
    assert_once(&secure, &hsts, "HTTPS");
    assert_absent(&secure, &FINGERPRINTS, "HTTPS");
    // Envoy's own reply over TLS carries it too.
    assert_once(&send_tls(&get("/dead/x"), tls), &hsts, "503 over HTTPS");
    let preload = send_tls(&get("/preload/x"), tls);
    assert_once(
        &preload,
        &[(
            "strict-transport-security",
            "max-age=63072000; includeSubDomains; preload",
        )],
        "preload",
    );
    // The app's own HSTS is kept over HTTPS, once.
    let app = send_tls(
        &get("/x").upstream_header("Strict-Transport-Security", "max-age=600"),
        tls,
    );
    assert_once(&app, &[("strict-transport-security", "max-age=600")], "app HSTS");

    let plain = get("/page").send(&envoy);
    assert_absent(&plain, &[HSTS.0], "plain HTTP");
    // A proxy in front that terminated TLS says so in x-forwarded-proto (trusted by default).
    let forwarded = get("/page").header("x-forwarded-proto", "https").send(&envoy);
    assert_once(&forwarded, &hsts, "x-forwarded-proto: https");
    let forwarded_http = get("/page").header("x-forwarded-proto", "http").send(&envoy);
    assert_absent(&forwarded_http, &[HSTS.0], "x-forwarded-proto: http");
    // Another header name, for a front proxy that uses one (trusted only where configured).
    let custom = get("/custom-proto/x").header("x-edge-proto", "https").send(&envoy);
    assert_once(&custom, &hsts, "x-edge-proto: https");
    assert_absent(
        &get("/page").header("x-edge-proto", "https").send(&envoy),
        &[HSTS.0],
        "x-edge-proto elsewhere",
    );
    // With the header not trusted, :scheme decides, and Envoy itself derives :scheme
    // from an x-forwarded-proto it trusts (use_remote_address: false trusts the
    // downstream's): the README says so.
    let untrusted = get("/untrusted/x").header("x-forwarded-proto", "https").send(&envoy);
    assert_once(&untrusted, &hsts, "untrusted, but Envoy's :scheme says https");
    assert_absent(&get("/untrusted/x").send(&envoy), &[HSTS.0], "untrusted, plain HTTP");
    assert_once(&send_tls(&get("/untrusted/x"), tls), &hsts, "untrusted, over TLS");
    // on_http: helmet's behaviour.
    assert_once(&get("/on-http/x").send(&envoy), &hsts, "on_http");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn owasp_removal_strips_envoys_headers_and_server_needs_pass_through() {
    let envoy = Envoy::start(r#"{"headers": {"remove": "owasp"}}"#);
    let r = with_fingerprints(get("/x"))
        .upstream_header("X-Generator", "Drupal 10")
        .upstream_header("X-Envoy-Attempt-Count", "1")
        .upstream_header("x-app", "kept")
        .send(&envoy);
    assert_absent(
        &r,
        &[
            "server",
            "x-powered-by",
            "x-aspnet-version",
            "x-aspnetmvc-version",
            "x-generator",
            "x-envoy-upstream-service-time",
            "x-envoy-attempt-count",
        ],
        "remove: owasp",
    );
    assert_eq!(r.header("x-app").as_deref(), Some("kept"));
    // The default list keeps Envoy's timing header.
    let default = Envoy::start("{}");
    assert!(get("/x").send(&default).has("x-envoy-upstream-service-time"));

    // Without PASS_THROUGH, Envoy writes `server: envoy` after every filter has run:
    // the reason the shipped configs set it.
    let overwrite = DEFAULT_TEMPLATE.replace(
        "server_header_transformation: PASS_THROUGH",
        "server_header_transformation: OVERWRITE",
    );
    let envoy = Envoy::start_with(&overwrite, "{}");
    let r = get("/x").upstream_header("Server", "nginx").send(&envoy);
    assert_eq!(r.all("server"), ["envoy"], "{:?}", r.headers_text());
}

#[test]
fn development_mode_headers() {
    let envoy = Envoy::start(
        r#"{"mode": "development", "headers": {"cross_origin_embedder_policy": "require-corp", "strict_transport_security": {"max_age": 600}}}"#,
    );
    let r = html(get("/page")).header("x-forwarded-proto", "https").send(&envoy);
    assert_once(
        &r,
        &[(
            "content-security-policy",
            "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';connect-src 'self' ws: wss:",
        )],
        "development",
    );
    assert_absent(&r, &[HSTS.0, "cross-origin-embedder-policy"], "development");
    assert_once(
        &r,
        &[("x-frame-options", "SAMEORIGIN"), ("x-content-type-options", "nosniff")],
        "development",
    );
    let log = envoy.log();
    assert!(
        log.contains("edge-shield: warning: headers.cross_origin_embedder_policy: not sent in development mode"),
        "{log}"
    );
}

#[test]
fn report_only_permissions_and_custom_headers() {
    let envoy = Envoy::start(
        r#"{"headers": {
            "content_security_policy": {"report_only": true, "use_defaults": false,
                "directives": {"default-src": ["'self'"], "script-src": ["'self'", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"]},
                "report_to": "csp", "reporting_endpoints": {"csp": "https://reports.example.com/csp"}},
            "permissions_policy": {"camera": [], "geolocation": ["self", "https://maps.example.com"], "fullscreen": ["*"]},
            "cache_control": "no-store",
            "custom": {"X-Robots-Tag": "noindex, nofollow"}
        },
        "rules": [{"match": {"path_prefix": "/logout"}, "headers": {"clear_site_data": ["cookies", "storage"]}}]}"#,
    );
    let r = html(get("/page")).send(&envoy);
    assert_once(
        &r,
        &[
            (
                "content-security-policy-report-only",
                "default-src 'self';script-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';report-to csp",
            ),
            ("reporting-endpoints", "csp=\"https://reports.example.com/csp\""),
            (
                "permissions-policy",
                "camera=(), geolocation=(self \"https://maps.example.com\"), fullscreen=*",
            ),
            ("cache-control", "no-store"),
            ("x-robots-tag", "noindex, nofollow"),
        ],
        "options",
    );
    assert_absent(&r, &["content-security-policy", "clear-site-data"], "options");
    // The app's own endpoints stay, ours follow: our report-to names one that exists.
    let app_endpoints = html(get("/page"))
        .upstream_header("Reporting-Endpoints", "app=\"https://app.example.com/r\"")
        .send(&envoy);
    assert_once(
        &app_endpoints,
        &[(
            "reporting-endpoints",
            "app=\"https://app.example.com/r\", csp=\"https://reports.example.com/csp\"",
        )],
        "app's endpoints",
    );
    // The app's own cache policy stands.
    let cached = get("/asset.js")
        .upstream_header("content-type", "text/javascript")
        .upstream_header("Cache-Control", "public, max-age=31536000, immutable")
        .send(&envoy);
    assert_once(
        &cached,
        &[("cache-control", "public, max-age=31536000, immutable")],
        "app cache",
    );
    assert_absent(
        &cached,
        &["content-security-policy-report-only", "reporting-endpoints"],
        "not HTML",
    );
    let logout = get("/logout").send(&envoy);
    assert_once(
        &logout,
        &[("clear-site-data", "\"cookies\",\"storage\"")],
        "logout rule",
    );
}

#[test]
fn invalid_header_configurations_are_refused_by_envoy() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"headers": {"content_security_policy": {"directives": {"default-src": ["self"]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives.default-src[0]: "self": keywords must be single-quoted, as in "'self'""#,
        ),
        (
            r#"{"headers": {"custom": {"x-a": "1\r\nset-cookie: a=b"}}}"#,
            r#"edge-shield: headers.custom.x-a: "1\r\nset-cookie: a=b": CR and LF are refused in header values"#,
        ),
        (
            r#"{"headers": {"strict_transport_security": {"preload": true, "max_age": 600}}}"#,
            "edge-shield: headers.strict_transport_security.preload: true: the HSTS preload list requires max_age of at least 31536000",
        ),
        (
            r#"{"headers": {"strict_transport_security": {"preload": true, "include_subdomains": null}}}"#,
            "edge-shield: headers.strict_transport_security.include_subdomains: null is refused here: write true or false",
        ),
        (
            r#"{"headers": {"remove": ["x-powered-by", "set-cookie"]}}"#,
            r#"edge-shield: headers.remove[1]: "set-cookie": cookies are the application's"#,
        ),
    ];
    for (plugin, want) in cases {
        let (ok, out) = validate_plugin(plugin);
        assert!(!ok, "Envoy accepted {plugin}:\n{out}");
        assert!(out.contains(want), "for {plugin} expected {want:?} in:\n{out}");
    }
}
