//! The CLI against a real Envoy (ENVOY, as for the filter's e2e tests): `check` reports
//! the error Envoy's log shows for the same file, and `explain` predicts the status and
//! the headers edge-shield sets for a table of requests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../tests/e2e/harness/mod.rs"]
mod harness;

use edge_shield_cli::explain::{explain, Exchange};
use edge_shield_cli::{check_text, find};
use harness::*;

/// The harness looks for the .wasm and Envoy relative to this crate: point it at the
/// repository's (unless the environment already says where they are).
fn setup() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if std::env::var_os("EDGE_SHIELD_WASM").is_none() {
        std::env::set_var(
            "EDGE_SHIELD_WASM",
            root.join("target/wasm32-wasip1/release/edge_shield.wasm"),
        );
    }
    if std::env::var_os("ENVOY").is_none() {
        std::env::set_var("ENVOY", root.join(".venv/bin/envoy"));
    }
}

const STRING_VALUE: &str = r#"                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: {{PLUGIN}}"#;

/// The e2e template with the policy as a Struct, written as block YAML.
fn struct_template(yaml_policy: &str) -> String {
    let indented: String = yaml_policy
        .lines()
        .map(|l| format!("                    {l}\n"))
        .collect();
    DEFAULT_TEMPLATE.replace(
        STRING_VALUE,
        &format!(
            "                  \"@type\": type.googleapis.com/google.protobuf.Struct\n                  value:\n{}",
            indented.trim_end()
        ),
    )
}

/// The error line Envoy logs for a configuration the filter refuses.
fn envoy_error(template: &str, plugin_json: &str) -> String {
    let log = match Envoy::try_start(template, plugin_json) {
        Ok(_) => panic!("Envoy accepted the configuration"),
        Err(log) => log,
    };
    let line = log
        .lines()
        .find(|l| l.contains("wasm log") && l.contains("edge-shield: "))
        .unwrap_or_else(|| panic!("no edge-shield line:\n{log}"))
        .to_string();
    // `... wasm log <plugin>: edge-shield: <path>: ...`: from the filter's own prefix on.
    let at = line
        .find("edge-shield: edge-shield: ")
        .map_or(0, |i| i + "edge-shield: ".len());
    line[at..].to_string()
}

#[test]
fn check_reports_the_error_envoy_logs() {
    setup();
    let yaml_cases = [
        "cors:\n  allowed_origins: [\"https://app.example.com\"]\n  max_age: 600.5",
        "cors:\n  allowed_origin: [\"https://app.example.com\"]",
        "cors:\n  allowed_origins: [\"https://*example.com\"]",
        "cors:\n  allowed_origins: [\"*\"]\n  allow_credentials: true",
        "rules:\n- match: {path_prefix: /a/}\n- match: {host: 7}",
    ];
    let json_cases = [
        r#"{"cors": {"allowed_origins": ["https://app.example.com"], }"#,
        "cors:\n  allowed_origins: [\"https://app.example.com\"]\n",
        r#"{"headers": {"x_frame_options": "ALLOWALL"}}"#,
    ];
    let mut files: Vec<(String, String)> = yaml_cases.iter().map(|p| (struct_template(p), String::new())).collect();
    files.extend(json_cases.iter().map(|p| (DEFAULT_TEMPLATE.to_string(), p.to_string())));
    for (template, plugin) in &files {
        let text = render(template, plugin, 9);
        let (lines, failed) = check_text("envoy.yaml", &text);
        assert!(failed, "check passed: {lines:?}");
        let envoy = envoy_error(template, plugin);
        let ours = lines
            .iter()
            .find(|l| l.contains(": edge-shield: ") && !l.contains("warning"))
            .unwrap();
        let ours = &ours[ours.find("edge-shield: ").unwrap()..];
        assert_eq!(ours, envoy, "check and Envoy disagree");
    }
}

/// Header names Envoy or the test upstream add themselves.
const NOT_OURS: &[&str] = &[
    "connection",
    "date",
    "server",
    "content-length",
    "content-type",
    "x-envoy-upstream-service-time",
];

/// (method, path, the route name Envoy picks in the template, request headers)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[test]
fn explain_agrees_with_envoy() {
    setup();
    let policy = "cors:\n  allowed_origins: [\"https://app.example.com\"]\n  allowed_methods: [GET, POST, PUT]\n  \
                  allowed_headers: [content-type]\n  allow_credentials: true\nheaders:\n  x_frame_options: DENY\n  \
                  custom: {x-policy: top}\nrules:\n- name: direct\n  match: {route_name: direct}\n  cors: null\n- name: meta\n  \
                  headers: {custom: {x-policy: meta}}\n- name: public\n  \
                  match: {path_prefix: /public/}\n  cors: {allowed_origins: [\"*\"]}\nhttps_redirect: {exempt_paths: [/public/, /direct/]}\n";
    // The `direct` route names the policy `meta` in its metadata: it wins over the
    // `direct` rule that matches the route name.
    let direct = "              - name: direct\n";
    let template = struct_template(policy).replacen(
        direct,
        &format!("{direct}                metadata: {{ filter_metadata: {{ edge-shield: {{ policy: meta }} }} }}\n"),
        1,
    );
    let envoy = Envoy::start_with(&template, "");
    let text = render(&template, "", envoy.upstream.port);
    let found = find::find(&text).unwrap();
    let config = edge_shield::config::load(found[0].bytes.as_ref().unwrap()).unwrap();
    let metadata = find::route_metadata(&text);
    let rows: &[Row] = &[
        ("GET", "/api/x", "upstream", &[]),
        ("GET", "/public/x", "upstream", &[("origin", "https://any.example.org")]),
        (
            "OPTIONS",
            "/public/p1",
            "upstream",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "PUT"),
            ],
        ),
        (
            "OPTIONS",
            "/public/p2",
            "upstream",
            &[
                ("origin", "https://evil.example.net"),
                ("access-control-request-method", "DELETE"),
            ],
        ),
        ("GET", "/direct/x", "direct", &[("origin", "https://app.example.com")]),
        (
            "GET",
            "/public/y",
            "upstream",
            &[("origin", "https://app.example.com"), ("cookie", "a=b")],
        ),
    ];
    for (method, path, route, headers) in rows {
        let mut req = request(method, path);
        for (n, v) in *headers {
            req = req.header(n, v);
        }
        let got = req.send(&envoy);
        let ex = Exchange {
            method: method.to_string(),
            path: path.to_string(),
            authority: "localhost".into(),
            scheme: "http".into(),
            route_name: Some(route.to_string()),
            route_policy: metadata
                .iter()
                .find(|m| m.route_name.as_deref() == Some(*route))
                .and_then(|m| m.route_policy.clone()),
            virtual_host_policy: None,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                .collect(),
            status: 200,
            // Envoy's direct_response sends text/plain; the test upstream no content type.
            response_headers: match *route {
                "direct" => vec![("content-type".to_string(), b"text/plain".to_vec())],
                _ => Vec::new(),
            },
        };
        let e = explain(&config, &ex);
        if *route == "direct" {
            assert_eq!(e["policy"]["name"], "meta", "route metadata wins");
        }
        let context = format!("{method} {path}: {}", serde_json::to_string_pretty(&e).unwrap());
        assert_eq!(
            u64::from(got.status),
            e["response"]["status"].as_u64().unwrap(),
            "{context}"
        );
        let predicted: Vec<(String, String)> = e["response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap().to_string(), h[1].as_str().unwrap().to_string()))
            .filter(|(n, _)| !NOT_OURS.contains(&n.as_str()))
            .collect();
        let actual: Vec<(String, String)> = got
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), String::from_utf8_lossy(v).into_owned()))
            .filter(|(n, _)| !NOT_OURS.contains(&n.as_str()))
            .collect();
        let sorted = |mut v: Vec<(String, String)>| {
            v.sort();
            v
        };
        assert_eq!(sorted(predicted), sorted(actual), "{context}");
        if e["decision"]["action"] == "local_reply" {
            assert!(
                envoy.upstream.seen_path(path).is_empty(),
                "{context}: the upstream saw it"
            );
        }
    }
}
