//! The header policy as a whole, loaded from whole plugin configurations: helmet's
//! defaults byte for byte, modes, warnings, and a table of refused configurations.

use crate::config::load;
use crate::config::policy::Config;
use crate::security_headers::HeaderPolicy;

fn config(json: &str) -> Config {
    match load(json.as_bytes()) {
        Ok(c) => c,
        Err(e) => panic!("refused: {e}\n{json}"),
    }
}

fn headers(c: &Config) -> &HeaderPolicy {
    c.default.headers.as_deref().expect("headers on")
}

fn pairs(p: &HeaderPolicy) -> Vec<(&str, &str)> {
    p.lines.iter().map(|l| (l.name.as_str(), l.value.as_str())).collect()
}

/// helmet 8.3.0's default header set, as helmet documents it (README.md, "Security headers: Defaults").
const HELMET_DEFAULTS: [(&str, &str); 12] = [
    ("content-security-policy", "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("origin-agent-cluster", "?1"),
    ("referrer-policy", "no-referrer"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("x-content-type-options", "nosniff"),
    ("x-dns-prefetch-control", "off"),
    ("x-download-options", "noopen"),
    ("x-frame-options", "SAMEORIGIN"),
    ("x-permitted-cross-domain-policies", "none"),
    ("x-xss-protection", "0"),
];

#[test]
fn empty_configuration_is_helmets_default_set() {
    for doc in ["", "{}", r#"{"headers": {}}"#, r#"{"headers": true}"#] {
        let c = config(doc);
        let p = headers(&c);
        assert_eq!(pairs(p), HELMET_DEFAULTS, "{doc}");
        assert_eq!(
            p.remove,
            ["server", "x-aspnet-version", "x-aspnetmvc-version", "x-powered-by"]
        );
        assert_eq!(p.forwarded_proto_header.as_deref(), Some("x-forwarded-proto"));
        for l in &p.lines {
            let html = l.name == "content-security-policy" || l.name == "x-frame-options";
            assert_eq!(l.html_only, html, "{}", l.name);
            assert_eq!(l.https_only, l.name == "strict-transport-security", "{}", l.name);
            assert!(!l.override_, "{}", l.name);
        }
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }
    assert!(config(r#"{"headers": false}"#).default.headers.is_none());
}

#[test]
fn every_header_can_be_switched_off() {
    let all_off = r#"{"headers": {"content_security_policy": false, "strict_transport_security": false,
        "x_frame_options": false, "x_content_type_options": false, "referrer_policy": false,
        "cross_origin_opener_policy": false, "cross_origin_resource_policy": false,
        "cross_origin_embedder_policy": false, "origin_agent_cluster": false, "x_dns_prefetch_control": false,
        "x_download_options": false, "x_permitted_cross_domain_policies": false, "x_xss_protection": false,
        "permissions_policy": false, "cache_control": false, "clear_site_data": false, "remove": false}}"#;
    let c = config(all_off);
    assert!(headers(&c).lines.is_empty());
    assert!(headers(&c).remove.is_empty());
}

#[test]
fn options_of_every_header() {
    let c = config(
        r#"{"rules": [{"match": {"path_prefix": "/logout"}, "headers": {
            "content_security_policy": {"report_only": true, "report_to": "csp", "reporting_endpoints": {"csp": "https://r.example/csp"}},
            "strict_transport_security": {"max_age": 63072000, "preload": true, "on_http": true},
            "x_frame_options": "deny",
            "referrer_policy": ["no-referrer", "strict-origin-when-cross-origin"],
            "cross_origin_opener_policy": "same-origin-allow-popups",
            "cross_origin_resource_policy": "same-site",
            "cross_origin_embedder_policy": true,
            "x_dns_prefetch_control": "on",
            "x_permitted_cross_domain_policies": "by-content-type",
            "permissions_policy": {"camera": [], "geolocation": ["self", "https://maps.example.com"]},
            "cache_control": true,
            "clear_site_data": ["cookies", "storage"],
            "custom": {"X-Robots-Tag": "noindex"},
            "override": ["x_frame_options", "x-robots-tag"],
            "html_only": ["content_security_policy"]
        }}]}"#,
    );
    let p = c.rules[0].policy.headers.as_deref().expect("rule headers");
    let want = [
        ("content-security-policy-report-only", "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests;report-to csp"),
        ("reporting-endpoints", "csp=\"https://r.example/csp\""),
        ("cross-origin-embedder-policy", "require-corp"),
        ("cross-origin-opener-policy", "same-origin-allow-popups"),
        ("cross-origin-resource-policy", "same-site"),
        ("origin-agent-cluster", "?1"),
        ("referrer-policy", "no-referrer,strict-origin-when-cross-origin"),
        ("strict-transport-security", "max-age=63072000; includeSubDomains; preload"),
        ("x-content-type-options", "nosniff"),
        ("x-dns-prefetch-control", "on"),
        ("x-download-options", "noopen"),
        ("x-frame-options", "DENY"),
        ("x-permitted-cross-domain-policies", "by-content-type"),
        ("x-xss-protection", "0"),
        ("permissions-policy", "camera=(), geolocation=(self \"https://maps.example.com\")"),
        ("cache-control", "no-store, max-age=0"),
        ("clear-site-data", "\"cookies\",\"storage\""),
        ("x-robots-tag", "noindex"),
    ];
    assert_eq!(pairs(p), want);
    let flags: Vec<(&str, bool, bool, bool)> = p
        .lines
        .iter()
        .filter(|l| l.html_only || l.https_only || l.override_)
        .map(|l| (l.name.as_str(), l.html_only, l.https_only, l.override_))
        .collect();
    assert_eq!(
        flags,
        [
            ("content-security-policy-report-only", true, false, false),
            ("reporting-endpoints", true, false, false),
            ("x-frame-options", false, false, true),
            ("x-robots-tag", false, false, true),
        ]
    );
    assert!(
        c.warnings.is_empty(),
        "clear_site_data in a rule is its intended use: {:?}",
        c.warnings
    );
}

#[test]
fn development_mode() {
    let c = config(r#"{"mode": "development", "headers": {"cross_origin_embedder_policy": "require-corp"}}"#);
    let p = headers(&c);
    let names: Vec<&str> = p.lines.iter().map(|l| l.name.as_str()).collect();
    assert!(!names.contains(&"strict-transport-security"));
    assert!(!names.contains(&"cross-origin-embedder-policy"));
    assert_eq!(
        p.lines[0].value,
        "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';connect-src 'self' ws: wss:"
    );
    assert_eq!(p.forwarded_proto_header, None);
    assert_eq!(
        c.warnings,
        ["headers.cross_origin_embedder_policy: not sent in development mode (it blocks cross-origin resources a dev server loads)"]
    );
    let hsts = config(r#"{"mode": "development", "headers": {"strict_transport_security": {"max_age": 600}}}"#);
    assert_eq!(
        hsts.warnings,
        ["headers.strict_transport_security: not sent in development mode (it would pin localhost to https)"]
    );
}

#[test]
fn warnings() {
    let cases: &[(&str, &[&str])] = &[
        (
            r#"{"headers": {"strict_transport_security": false}}"#,
            &["headers.strict_transport_security: off in production: browsers are not told to keep to HTTPS, so a user's next plain-HTTP visit can be intercepted"],
        ),
        (r#"{"mode": "development", "headers": {"strict_transport_security": false}}"#, &[]),
        (
            r#"{"headers": {"clear_site_data": true}}"#,
            &["headers.clear_site_data: set for every route: browsers will clear the site's data on every response; set it in a rule matching the logout path instead"],
        ),
        (
            r#"{"rules": [{"match": {"path_prefix": "/x"}, "headers": {"strict_transport_security": false}}]}"#,
            &["rules[0].headers.strict_transport_security: off in production: browsers are not told to keep to HTTPS, so a user's next plain-HTTP visit can be intercepted"],
        ),
    ];
    for (json, want) in cases {
        assert_eq!(config(json).warnings, *want, "{json}");
    }
}

/// Refused configurations and the exact line Envoy logs for each.
#[test]
fn refused_configurations() {
    let position = regex_lite::Regex::new(r" at line \d+ column \d+").unwrap();
    let cases: &[(&str, &str)] = &[
        (
            r#"{"headers": {"content_security_policy": {"directives": {"default-src": ["self"]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives.default-src[0]: "self": keywords must be single-quoted, as in "'self'""#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"directives": {"default-src": ["\"self\""]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives.default-src[0]: "\"self\"": keywords must be single-quoted, not double-quoted, as in "'self'""#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"directives": {"script-src": ["'self'", "nonce-r4nd0m"]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives.script-src[1]: "nonce-r4nd0m": keywords must be single-quoted, as in "'nonce-r4nd0m'""#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"directives": {"script-src": ["sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives.script-src[0]: "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=": keywords must be single-quoted, as in "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='""#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"directives": {"img-scr": ["'self'"]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives: "img-scr": not a CSP directive (browsers ignore unknown directives, so a misspelt one silently weakens the policy); did you mean "img-src"?"#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"directives": {"scriptSrc": ["'self'"], "script-src": ["'none'"]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives: "script-src": duplicate directive script-src (also given as "scriptSrc"); keep one"#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"directives": {"script-src": ["'self'", "https://a.example;script-src *"]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives.script-src[1]: "https://a.example;script-src *": ';' and ',' are refused: they would end this entry and start another; give one entry per list element"#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"directives": {"default-src": null}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives.default-src: null: default-src is the fallback of every fetch directive; without it the policy allows loading from anywhere. If you really mean it, set "dangerously_disable_default_src": true instead"#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"use_defaults": false, "directives": {"script-src": ["'self'"]}}}}"#,
            r#"edge-shield: headers.content_security_policy.directives: default-src is missing: it is the fallback of every fetch directive, and without it the policy allows loading from anywhere. Add "default-src": ["'self'"], or if you really mean it, set "dangerously_disable_default_src": true"#,
        ),
        (
            r#"{"headers": {"content_security_policy": {"reportOnly": true}}}"#,
            "edge-shield: headers.content_security_policy.reportOnly: unknown field `reportOnly`, expected one of `directives`, `use_defaults`, `dangerously_disable_default_src`, `report_only`, `report_to`, `reporting_endpoints` (a misspelt field would silently weaken a policy, so unknown fields are refused)",
        ),
        (
            r#"{"headers": {"strict_transport_security": {"max_age": -1}}}"#,
            "edge-shield: headers.strict_transport_security.max_age: -1: must be 0 or more seconds (0 tells browsers to forget the policy); one year is 31536000",
        ),
        (
            r#"{"headers": {"strict_transport_security": {"preload": true, "include_subdomains": false}}}"#,
            "edge-shield: headers.strict_transport_security.preload: true: the HSTS preload list requires include_subdomains: true",
        ),
        (
            r#"{"headers": {"strict_transport_security": {"preload": true, "max_age": 86400}}}"#,
            "edge-shield: headers.strict_transport_security.preload: true: the HSTS preload list requires max_age of at least 31536000 (one year), not 86400",
        ),
        (
            r#"{"headers": {"strict_transport_security": {"preload": true, "include_subdomains": null}}}"#,
            "edge-shield: headers.strict_transport_security.include_subdomains: null is refused here: write true or false, or leave the field out for its default",
        ),
        (
            r#"{"headers": {"x_frame_options": "ALLOWALL"}}"#,
            r#"edge-shield: headers.x_frame_options: "ALLOWALL": X-Frame-Options does not support this value; use "DENY" or "SAMEORIGIN""#,
        ),
        (
            r#"{"headers": {"cross_origin_opener_policy": "same-origin-allow-popup"}}"#,
            r#"edge-shield: headers.cross_origin_opener_policy: "same-origin-allow-popup": Cross-Origin-Opener-Policy does not support this value; use one of "same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"; did you mean "same-origin-allow-popups"?"#,
        ),
        (
            r#"{"headers": {"cross_origin_embedder_policy": "require-cors"}}"#,
            r#"edge-shield: headers.cross_origin_embedder_policy: "require-cors": Cross-Origin-Embedder-Policy does not support this value; use one of "require-corp", "credentialless", "unsafe-none"; did you mean "require-corp"?"#,
        ),
        (
            r#"{"headers": {"x_permitted_cross_domain_policies": "any"}}"#,
            r#"edge-shield: headers.x_permitted_cross_domain_policies: "any": X-Permitted-Cross-Domain-Policies does not support this value; use one of "none", "master-only", "by-content-type", "all""#,
        ),
        (
            r#"{"headers": {"x_dns_prefetch_control": true, "referrer_policy": ["no-referrer", "no-referer"]}}"#,
            r#"edge-shield: headers.referrer_policy[1]: "no-referer": not a Referrer-Policy token; use one of "no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url"; did you mean "no-referrer"?"#,
        ),
        (
            r#"{"headers": {"x_content_type_options": "nosniff"}}"#,
            r#"edge-shield: headers.x_content_type_options: invalid type: string "nosniff", expected true or false (this header takes no options)"#,
        ),
        (
            r#"{"headers": {"x_frame_option": "DENY"}}"#,
            "edge-shield: headers.x_frame_option: unknown field `x_frame_option`, expected one of `content_security_policy`, `strict_transport_security`, `x_frame_options`, `x_content_type_options`, `referrer_policy`, `cross_origin_opener_policy`, `cross_origin_resource_policy`, `cross_origin_embedder_policy`, `origin_agent_cluster`, `x_dns_prefetch_control`, `x_download_options`, `x_permitted_cross_domain_policies`, `x_xss_protection`, `permissions_policy`, `cache_control`, `clear_site_data`, `custom`, `remove`, `override`, `html_only` (a misspelt field would silently weaken a policy, so unknown fields are refused)",
        ),
        (
            r#"{"headers": {"custom": {"X-Robots-Tag": "noindex\r\nSet-Cookie: session=evil"}}}"#,
            r#"edge-shield: headers.custom.X-Robots-Tag: "noindex\r\nSet-Cookie: session=evil": CR and LF are refused in header values: they would start a new header line (header injection)"#,
        ),
        (
            r#"{"headers": {"custom": {"x-note": "a\u0007b"}}}"#,
            r#"edge-shield: headers.custom.x-note: "a\u0007b": control characters are refused in header values"#,
        ),
        (
            r#"{"headers": {"custom": {"Strict-Transport-Security": "max-age=1"}}}"#,
            r#"edge-shield: headers.custom: "Strict-Transport-Security": strict-transport-security is managed by "strict_transport_security": configure it there, where it is validated"#,
        ),
        (
            r#"{"headers": {"custom": {"connection": "close"}}}"#,
            r#"edge-shield: headers.custom: "connection": a connection or framing header belongs to the proxy; take it out of custom"#,
        ),
        (
            r#"{"headers": {"remove": ["server", "set-cookie"]}}"#,
            r#"edge-shield: headers.remove[1]: "set-cookie": cookies are the application's: its Set-Cookie lines must reach the browser as they are, each apart; the cookies settings harden them; take it out of remove"#,
        ),
        (
            r#"{"headers": {"custom": {"x-powered-by": "love"}}}"#,
            r#"edge-shield: headers.remove: "x-powered-by": it is also set in custom; a header cannot be both sent and removed"#,
        ),
        (
            r#"{"headers": {"remove": ["server", "x-frame-options"]}}"#,
            r#"edge-shield: headers.remove: "x-frame-options": it is sent by "x_frame_options"; to strip the upstream's and send none, set "x_frame_options": false"#,
        ),
        (
            r#"{"headers": {"remove": "all"}}"#,
            r#"edge-shield: headers.remove: "all": remove takes "owasp" or a list of header names, as in ["server", "x-powered-by"]"#,
        ),
        (
            r#"{"headers": {"override": "yes"}}"#,
            r#"edge-shield: headers.override: invalid type: string "yes", expected true, false, or a list of header keys, as in ["content_security_policy"]"#,
        ),
        (
            r#"{"headers": {"override": ["x-frame-options"]}}"#,
            r#"edge-shield: headers.override[0]: "x-frame-options": not a header key; use the keys of the headers object ("content_security_policy", "x_frame_options", ...) or a header name from custom; did you mean "x_frame_options"?"#,
        ),
        (
            r#"{"headers": {"html_only": ["x_frame_options", "x_frame_options"]}}"#,
            r#"edge-shield: headers.html_only[1]: "x_frame_options": listed twice; remove the repetition"#,
        ),
        (
            r#"{"headers": {"permissions_policy": {"geolocaton": []}}}"#,
            r#"edge-shield: headers.permissions_policy: "geolocaton": not a Permissions-Policy feature (a misspelt feature stays allowed); did you mean "geolocation"?"#,
        ),
        (
            r#"{"headers": {"cache_control": "no-store, max-age=-1"}}"#,
            r#"edge-shield: headers.cache_control: "no-store, max-age=-1": max-age takes a number of seconds, as in max-age=0"#,
        ),
        (
            r#"{"headers": {"clear_site_data": "cookies"}}"#,
            r#"edge-shield: headers.clear_site_data: invalid type: string "cookies", expected a sequence"#,
        ),
        (
            r#"{"rules": [{"match": {"path_prefix": "/a"}, "headers": {"content_security_policy": {"directives": {"object-src": ["none"]}}}}]}"#,
            r#"edge-shield: rules[0].headers.content_security_policy.directives.object-src[0]: "none": keywords must be single-quoted, as in "'none'""#,
        ),
    ];
    for (json, want) in cases {
        let got = match load(json.as_bytes()) {
            Ok(_) => format!("accepted: {json}"),
            // serde's position in the one-line document says nothing the path does not.
            Err(e) => position.replace(&e.to_string(), "").into_owned(),
        };
        assert_eq!(got, *want, "{json}");
    }
}

/// Request and response phase together, as the glue drives them.
#[test]
fn https_is_decided_in_the_request_phase() {
    use crate::engine::{on_request, on_response};
    use crate::exchange::HeaderOp;
    use crate::http::Headers;
    let c = config(r#"{"headers": {"strict_transport_security": {"forwarded_proto_header": "X-Edge-Proto"}}}"#);
    let hsts = |request: &[(&str, &str)]| {
        let request = crate::testing::lines(request);
        let outcome = on_request(&c.default, Headers::new(&request));
        let response = vec![("content-type".to_string(), b"text/html".to_vec())];
        on_response(&c.default, &outcome.state, Headers::new(&response))
            .iter()
            .any(|op| matches!(op, HeaderOp::Add(n, _) if n == "strict-transport-security"))
    };
    assert!(hsts(&[(":scheme", "https")]));
    assert!(hsts(&[(":scheme", "http"), ("x-edge-proto", "https")]));
    assert!(!hsts(&[(":scheme", "http"), ("x-forwarded-proto", "https")]));
    assert!(!hsts(&[(":scheme", "http"), ("x-edge-proto", "http, https")]));
    assert!(!hsts(&[]));
}

/// Bad input never panics: odd strings in every place a header setting takes one.
#[test]
fn odd_strings_are_refused_or_accepted_never_panic() {
    const ALPHABET: &[&str] = &[
        "'", "\"", ";", ",", ":", "/", "*", ".", "-", "=", " ", "\t", "\r", "\n", "\0", "\u{7f}", "é", "𝔘", "[", "]",
        "a", "Z", "0", "self", "none", "nonce-", "sha256-", "https", "http://", "*.", "allow-", "ch-",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let templates = [
        r#"{"headers": {"content_security_policy": {"directives": {"script-src": [S]}}}}"#,
        r#"{"headers": {"content_security_policy": {"directives": {S: ["'self'"]}}}}"#,
        r#"{"headers": {"content_security_policy": {"report_to": S, "reporting_endpoints": {S: S}}}}"#,
        r#"{"headers": {"custom": {S: S}}}"#,
        r#"{"headers": {"remove": [S]}}"#,
        r#"{"headers": {"permissions_policy": {S: [S]}}}"#,
        r#"{"headers": {"cache_control": S, "referrer_policy": S, "x_frame_options": S}}"#,
        r#"{"headers": {"clear_site_data": [S], "override": [S], "html_only": [S]}}"#,
        r#"{"headers": {"strict_transport_security": {"forwarded_proto_header": S}, "cross_origin_opener_policy": S}}"#,
    ];
    for _ in 0..400 {
        let len = (next() % 6) as usize;
        let s: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        let json = serde_json::to_string(&s).unwrap();
        for t in templates {
            let _ = load(t.replace('S', &json).as_bytes());
        }
    }
}
