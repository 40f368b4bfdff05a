//! The configuration as `google.protobuf.Struct` (YAML in the Envoy config): the same
//! policy as a JSON string behaves identically, and its errors name the path
//! (docs/configuration-yaml.md).

use crate::harness::*;

const STRING_VALUE: &str = r#"                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: {{PLUGIN}}"#;

/// The default template with the policy written inline as a Struct. JSON is YAML flow
/// syntax, so the JSON document itself is the `value:`; the two forms then carry the
/// same policy text.
fn struct_template(policy: &str) -> String {
    assert!(DEFAULT_TEMPLATE.contains(STRING_VALUE));
    let flat: String = policy.split_whitespace().collect::<Vec<_>>().join(" ");
    DEFAULT_TEMPLATE.replace(
        STRING_VALUE,
        &format!(
            "                  \"@type\": type.googleapis.com/google.protobuf.Struct\n                  value: {flat}"
        ),
    )
}

const POLICY: &str = r#"{
  "cors": {
    "allowed_origins": ["https://app.example.com", "https://*.example.com"],
    "allowed_methods": ["GET", "HEAD", "POST", "PUT"],
    "allowed_headers": ["content-type", "authorization"],
    "exposed_headers": ["x-total"],
    "allow_credentials": true,
    "max_age": 600
  },
  "headers": {
    "x_frame_options": "DENY",
    "strict_transport_security": { "max_age": 63072000, "include_subdomains": true, "on_http": true },
    "custom": { "x-policy": "top" }
  },
  "rules": [
    { "name": "public", "match": { "path_prefix": "/public/" },
      "cors": { "allowed_origins": ["*"] }, "headers": { "custom": { "x-policy": "public" } } },
    { "name": "direct", "match": { "route_name": "direct" }, "cors": null }
  ],
  "csrf": { "trusted_origins": ["https://app.example.com"] }
}"#;

/// Status, header lines (minus the per-response `date` and upstream timing) and body.
fn wire(r: &Resp) -> Resp {
    let headers = r
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("date") && !n.eq_ignore_ascii_case("x-envoy-upstream-service-time"))
        .cloned()
        .collect();
    Resp { headers, ..r.clone() }
}

#[test]
fn struct_yaml_and_json_string_give_byte_identical_responses() {
    let json = Envoy::start(POLICY);
    let yaml = Envoy::start_with(&struct_template(POLICY), "");
    let requests = [
        preflight("/api/items", "https://app.example.com", "PUT")
            .header("access-control-request-headers", "content-type"),
        preflight("/api/items", "https://evil.example.net", "PUT"),
        preflight("/api/items", "https://a.example.com", "DELETE"),
        get("/api/items").origin("https://app.example.com"),
        get("/api/items").origin("https://evil.example.net"),
        get("/api/items"),
        get("/public/logo.svg").origin("https://anyone.example.org"),
        get("/direct/x").origin("https://app.example.com"),
        request("POST", "/api/items")
            .origin("https://evil.example.net")
            .header("sec-fetch-site", "cross-site"),
        request("POST", "/api/items")
            .origin("https://app.example.com")
            .header("sec-fetch-site", "same-site"),
        get("/api/page")
            .upstream_header("content-type", "text/html")
            .upstream_header("x-frame-options", "SAMEORIGIN"),
    ];
    for req in &requests {
        let a = req.send(&json);
        let b = req.send(&yaml);
        let (a, b) = (wire(&a), wire(&b));
        let context = String::from_utf8_lossy(&req.to_bytes()).into_owned();
        assert_eq!(
            (a.status, &a.headers, &a.body),
            (b.status, &b.headers, &b.body),
            "{context}"
        );
    }
    // The policy is in force (not two identical no-ops): the rule and the CORS echo.
    let r = get("/public/x").origin("https://anyone.example.org").send(&yaml);
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(r.header("x-policy").as_deref(), Some("public"));
    assert_eq!(yaml.counter("public", "requests"), 2);
}

#[test]
fn struct_errors_name_the_path_without_line_and_column() {
    let cases: &[(&str, &str)] = &[
        // A fraction where seconds are expected (Envoy 1.40 turns a YAML fraction into a string).
        (
            r#"{"cors": {"max_age": 600.5}}"#,
            "edge-shield: cors.max_age: invalid type: ",
        ),
        (
            r#"{"cors": {"allowed_origin": ["https://a.example.com"]}}"#,
            "edge-shield: cors.allowed_origin: unknown field `allowed_origin`",
        ),
        (
            r#"{"rules": [{"match": {"path_prefix": "/a/"}}, {"match": {"host": "*example.com"}}]}"#,
            "edge-shield: rules[1].match.host: \"*example.com\"",
        ),
    ];
    for (policy, want) in cases {
        let log = match Envoy::try_start(&struct_template(policy), "") {
            Ok(_) => panic!("Envoy accepted {policy}"),
            Err(log) => log,
        };
        // Our error line, under the host's log component (`[wasm]`, `[dynamic_modules]`).
        let component = format!("[error][{}]", host::log_component());
        let line = log
            .lines()
            .find(|l| l.contains(&component) && l.contains("edge-shield: "))
            .unwrap_or_else(|| panic!("no edge-shield line for {policy}:\n{log}"));
        assert!(line.contains(want), "{policy}: {line}");
        assert!(!line.contains(" line ") && !line.contains("column"), "{line}");
    }
}

#[test]
fn yaml_pasted_into_a_json_string_is_named_as_such() {
    let yaml = "cors:\n  allowed_origins: [\"https://app.example.com\"]\n";
    let log = match Envoy::try_start(DEFAULT_TEMPLATE, yaml) {
        Ok(_) => panic!("Envoy accepted YAML in a StringValue"),
        Err(log) => log,
    };
    assert!(
        log.contains("edge-shield: (configuration): the configuration is YAML, but a google.protobuf.StringValue configuration must be JSON"),
        "{log}"
    );
}

#[test]
fn an_empty_struct_means_all_defaults() {
    let envoy = Envoy::start_with(&struct_template("{}"), "");
    let r = get("/x").send(&envoy);
    assert_eq!(
        r.header("x-frame-options").as_deref(),
        Some("SAMEORIGIN"),
        "helmet's default"
    );
    assert!(!r.has("access-control-allow-origin"));
}
