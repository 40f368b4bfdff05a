//! What only the native module has (docs/native.md), whichever artifact
//! `EDGE_SHIELD_HOST` selects for the other suites: `DynamicModuleFilterPerRoute`
//! configurations, a `Struct` configuration, its metric names, its load line.

use crate::harness::host::{native_runs_here, NATIVE_REFUSAL};
use crate::harness::*;

/// On an Envoy the module does not run on, only [`the_module_loads_or_says_why_not`]
/// has something to check.
macro_rules! needs_a_supported_envoy {
    () => {
        if !native_runs_here() {
            println!("skipped: the native module refuses this Envoy (checked by the_module_loads_or_says_why_not)");
            return;
        }
    };
}

/// The default template with the native filter and, unless `per_route` is empty, a
/// `/route/` route with that configuration of its own.
fn native_template(per_route: &str) -> String {
    let start = DEFAULT_TEMPLATE
        .find("              \"@type\": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm\n")
        .expect("the Wasm filter");
    let end = DEFAULT_TEMPLATE
        .find("          - name: envoy.filters.http.router\n")
        .expect("router");
    let filter = "              \"@type\": type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter
              dynamic_module_config: { name: edge_shield }
              filter_name: edge-shield
              filter_config:
                \"@type\": type.googleapis.com/google.protobuf.StringValue
                value: {{PLUGIN}}
";
    let route = format!(
        "              - name: per-route
                match: {{ prefix: \"/route/\" }}
                route: {{ cluster: upstream, timeout: 10s }}
                typed_per_filter_config:
                  edge-shield:
                    \"@type\": type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilterPerRoute
                    dynamic_module_config: {{ name: edge_shield }}
                    filter_name: embed
{per_route}"
    );
    let anchor = "              - name: upstream\n";
    let template = format!("{}{filter}{}", &DEFAULT_TEMPLATE[..start], &DEFAULT_TEMPLATE[end..]);
    if per_route.is_empty() {
        return template;
    }
    template.replacen(anchor, &format!("{route}{anchor}"), 1)
}

/// A per-route `filter_config` as a StringValue holding this JSON.
fn string_value(json: &str) -> String {
    format!(
        "                    filter_config:
                      \"@type\": type.googleapis.com/google.protobuf.StringValue
                      value: {}
",
        serde_json::to_string(json).unwrap()
    )
}

fn stat(envoy: &Envoy, key: &str) -> Option<u64> {
    let key = format!("{key}: ");
    envoy
        .stats()
        .lines()
        .find_map(|l| l.strip_prefix(&key)?.trim().parse().ok())
}

const SITE: &str = r#"{"cors": {"allowed_origins": ["https://app.example.com"]},
    "rules": [{"name": "api", "match": {"path_prefix": "/api/"}, "cors": {"allowed_origins": ["https://api.example.com"]}}]}"#;

/// A route's own configuration replaces the filter's there (its own rules apply inside
/// it); elsewhere the filter's, with its rules. Each is counted under its own names.
#[test]
fn a_routes_own_configuration_replaces_the_filters() {
    needs_a_supported_envoy!();
    let per_route = string_value(
        r#"{"cors": {"allowed_origins": ["https://partner.example.org"]}, "headers": {"x_frame_options": false},
            "rules": [{"name": "deep", "match": {"path_prefix": "/route/deep/"}, "cors": {"allowed_origins": ["https://deep.example.org"]}}]}"#,
    );
    let envoy = Envoy::start_with(&native_template(&per_route), SITE);
    let acao = |path: &str, origin: &str| {
        get(path)
            .origin(origin)
            .send(&envoy)
            .header("access-control-allow-origin")
    };

    // The filter's configuration and its rule.
    assert_eq!(
        acao("/", "https://app.example.com").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(
        acao("/api/x", "https://api.example.com").as_deref(),
        Some("https://api.example.com")
    );
    // The route's: its origins only, and its own rule.
    assert_eq!(acao("/route/x", "https://app.example.com"), None);
    assert_eq!(
        acao("/route/x", "https://partner.example.org").as_deref(),
        Some("https://partner.example.org")
    );
    assert_eq!(
        acao("/route/deep/x", "https://deep.example.org").as_deref(),
        Some("https://deep.example.org")
    );
    let framed = get("/route/x").send(&envoy);
    assert!(!framed.has("x-frame-options"), "the route turned X-Frame-Options off");
    assert_eq!(framed.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert!(get("/").send(&envoy).has("x-frame-options"));

    // Filter-level policies keep the Wasm names (prefix aside); the route's are labelled.
    assert_eq!(
        stat(&envoy, "dynamicmodulescustom.edge_shield.edge-shield.default.requests"),
        Some(2)
    );
    assert_eq!(
        stat(&envoy, "dynamicmodulescustom.edge_shield.edge-shield.api.requests"),
        Some(1)
    );
    let route = "dynamicmodulescustom.edge_shield_route.edge-shield";
    assert_eq!(
        stat(&envoy, &format!("{route}.requests.route.embed.policy.default")),
        Some(3)
    );
    assert_eq!(
        stat(&envoy, &format!("{route}.requests.route.embed.policy.deep")),
        Some(1)
    );
    assert_eq!(
        stat(
            &envoy,
            &format!("{route}.cors_actual_allowed.route.embed.policy.default")
        ),
        Some(1)
    );
}

/// A per-route configuration is checked at load like the filter's: Envoy refuses it
/// with our message (path, value, fix).
#[test]
fn an_invalid_route_configuration_is_refused_with_the_json_path() {
    needs_a_supported_envoy!();
    let per_route = string_value(r#"{"headers": {"x_frame_option": "DENY"}}"#);
    let dir = std::env::temp_dir().join(format!("edge-shield-native-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("envoy.yaml");
    std::fs::write(&config, render(&native_template(&per_route), "{}", 9)).unwrap();
    let (ok, out) = validate(&config);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!ok, "Envoy accepted it:\n{out}");
    assert!(
        out.contains("edge-shield: headers.x_frame_option: unknown field `x_frame_option`"),
        "{out}"
    );
    assert!(out.contains("[error][dynamic_modules]"), "{out}");
}

/// The configuration written as YAML (a `google.protobuf.Struct`, as Envoy Gateway
/// sends it) is the same configuration as the JSON text.
#[test]
fn a_struct_configuration_is_read_as_json() {
    needs_a_supported_envoy!();
    let per_route = "                    filter_config:
                      \"@type\": type.googleapis.com/google.protobuf.Struct
                      value:
                        cors: { allowed_origins: [\"https://partner.example.org\"], allow_credentials: true }
";
    let envoy = Envoy::start_with(&native_template(per_route), "{}");
    let r = get("/route/x").origin("https://partner.example.org").send(&envoy);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("https://partner.example.org")
    );
    assert_eq!(r.header("access-control-allow-credentials").as_deref(), Some("true"));
}

/// Envoy accepted our ABI version (1.40: exact match; 1.39: its warning, then ours);
/// an older Envoy refuses the configuration, and the log says why and what to do.
#[test]
fn the_module_loads_or_says_why_not() {
    if !native_runs_here() {
        let dir = std::env::temp_dir().join(format!("edge-shield-native-old-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("envoy.yaml");
        std::fs::write(&config, render(&native_template(""), "{}", 9)).unwrap();
        let (ok, out) = validate(&config);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(!ok, "an old Envoy accepted the module:\n{out}");
        assert!(
            out.contains(NATIVE_REFUSAL) && out.contains("use the Wasm filter"),
            "{out}"
        );
        return;
    }
    let envoy = Envoy::start_with(&native_template(""), "{}");
    assert_eq!(get("/").send(&envoy).status, 200);
    let log = envoy.log();
    assert!(
        log.contains("Dynamic module ABI version v0.2.0 matched.")
            || log.contains("edge-shield: running on Envoy 1.39, which this module (built for 1.40) supports"),
        "{log}"
    );
}
