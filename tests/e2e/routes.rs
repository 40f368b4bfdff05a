//! Per-route policies (docs/configuration.md, Rules), both ways, through a real Envoy:
//! - `rules` in one filter instance, matched on the route name, the host or the path;
//! - one filter instance per policy (same `vm_id`), switched per route with `FilterConfig`.
//!
//! Which policy served a request is observed through its counters
//! (`edge_shield.<plugin>.<policy>.requests`). The header-level behaviour of those
//! policies (CORS, security headers) is asserted in `per_route_behaviour_on_the_wire`.

use crate::harness::host;
use crate::harness::*;

/// One `edge-shield` Wasm filter entry for `http_filters`; every instance shares the
/// `edge-shield` VM. `plugin` is a YAML scalar (a placeholder or a quoted JSON string).
fn wasm_filter(name: &str, disabled: bool, plugin: &str) -> String {
    let disabled = if disabled { "\n            disabled: true" } else { "" };
    format!(
        r#"
          - name: {name}{disabled}
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: {name}
                failure_policy: FAIL_RELOAD
                vm_config:
                  vm_id: edge-shield
                  runtime: envoy.wasm.runtime.v8
                  code: {{ local: {{ filename: "{{{{WASM}}}}" }} }}
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: {plugin}"#
    )
}

/// A whole Envoy config: listener `edge` with these routes (YAML list items at the
/// `routes:` indentation) and filters, every route to the test upstream.
fn envoy_config(routes: &str, filters: &str) -> String {
    format!(
        r#"
admin:
  address: {{ socket_address: {{ address: 127.0.0.1, port_value: 0 }} }}
static_resources:
  listeners:
  - name: edge
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: 0 }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: edge
          server_header_transformation: PASS_THROUGH
          route_config:
            name: edge
            virtual_hosts:
            - name: main
              domains: ["*"]
              routes:{routes}
          http_filters:{filters}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: upstream
      endpoints: [{{ lb_endpoints: [{{ endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {{{{UPSTREAM_PORT}}}} }} }} }} }}] }}]
"#
    )
}

/// Rules: one instance (`edge-shield`, plugin config `{{PLUGIN}}`) and three named routes.
fn rules_template() -> String {
    let routes = r#"
              - name: admin
                match: { prefix: "/admin/" }
                route: { cluster: upstream }
              - name: api
                match: { prefix: "/api/" }
                route: { cluster: upstream }
              - name: web
                match: { prefix: "/" }
                route: { cluster: upstream }"#;
    envoy_config(routes, &wasm_filter("edge-shield", false, "{{PLUGIN}}"))
}

/// FilterConfig: instance `shield-site` (plugin config `{{PLUGIN}}`) is on everywhere
/// except where a route opts out; instance `shield-api` (plugin config `api_plugin`) is
/// off except on `/api/`, which swaps the site policy for it; `/healthz` opts out of both.
fn filter_config_template(api_plugin: &str) -> String {
    let routes = r#"
              - match: { prefix: "/api/" }
                route: { cluster: upstream }
                typed_per_filter_config:
                  shield-site:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    disabled: true
                  shield-api:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    config: {}
              - match: { path: "/healthz" }
                route: { cluster: upstream }
                typed_per_filter_config:
                  shield-site:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    disabled: true
              - match: { prefix: "/" }
                route: { cluster: upstream }"#;
    let api_plugin = serde_json::to_string(api_plugin).unwrap();
    let filters = wasm_filter("shield-site", false, "{{PLUGIN}}") + &wasm_filter("shield-api", true, &api_plugin);
    envoy_config(routes, &filters)
}

/// The `/api/` instance's configuration: CORS for the app, no security headers, and a
/// rule of its own (so its counters show it is not the site's configuration).
const API_PLUGIN: &str = r#"{
  "cors": { "allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "PUT"] },
  "headers": false,
  "rules": [ { "name": "api-v2", "match": { "path_prefix": "/api/v2/" } } ]
}"#;

/// The site instance's configuration: security headers (the default), no CORS.
const SITE_PLUGIN: &str = r#"{ "cors": null }"#;

fn ok(envoy: &Envoy, req: Req) -> Resp {
    let r = req.send(envoy);
    assert_eq!(r.status, 200, "{}", r.text());
    r
}

#[test]
fn rules_select_the_policy_by_route_name() {
    let envoy = Envoy::start_with(
        &rules_template(),
        r#"{"rules": [
            {"name": "api-v2", "match": {"route_name": "api", "path_prefix": "/api/v2/"}},
            {"name": "admin", "match": {"route_name": "admin"}},
            {"name": "api", "match": {"route_name": "api"}}
        ]}"#,
    );
    ok(&envoy, get("/admin/users"));
    ok(&envoy, get("/api/v1/items"));
    ok(&envoy, get("/api/v1/items/7"));
    // Both `api-v2` and `api` hold: the first wins.
    ok(&envoy, get("/api/v2/items"));
    // Route `web`: no rule names it.
    ok(&envoy, get("/"));
    ok(&envoy, get("/about"));
    assert_eq!(envoy.counter("admin", "requests"), 1);
    assert_eq!(envoy.counter("api", "requests"), 2);
    assert_eq!(envoy.counter("api-v2", "requests"), 1);
    assert_eq!(envoy.counter("default", "requests"), 2);
}

#[test]
fn rules_select_the_policy_by_host() {
    let envoy = Envoy::start_with(
        &rules_template(),
        r#"{"rules": [
            {"name": "api-host", "match": {"host": "api.example.com"}},
            {"name": "subdomains", "match": {"host": "*.example.com"}}
        ]}"#,
    );
    // Exact host, any port, any case, fully qualified: the first rule (the second holds too).
    for host in ["api.example.com", "API.Example.COM:8443", "api.example.com."] {
        ok(&envoy, get("/").header("host", host));
    }
    // Subdomains at any depth.
    for host in ["www.example.com", "a.b.example.com:80"] {
        ok(&envoy, get("/").header("host", host));
    }
    // Never the apex, never a look-alike: the top-level policy.
    for host in ["example.com", "evil-example.com", "example.com.evil.net", "localhost"] {
        ok(&envoy, get("/").header("host", host));
    }
    assert_eq!(envoy.counter("api-host", "requests"), 3);
    assert_eq!(envoy.counter("subdomains", "requests"), 2);
    assert_eq!(envoy.counter("default", "requests"), 4);
}

#[test]
fn rules_select_the_policy_by_path_prefix_first_match_wins() {
    let envoy = Envoy::start_with(
        &rules_template(),
        r#"{"rules": [
            {"name": "v1-admin", "match": {"path_prefix": "/api/v1/admin/"}},
            {"name": "v1", "match": {"path_prefix": "/api/v1/"}},
            {"name": "shadowed", "match": {"path_prefix": "/api/v1/admin/users"}}
        ]}"#,
    );
    ok(&envoy, get("/api/v1/admin/users"));
    ok(&envoy, get("/api/v1/items?q=1"));
    ok(&envoy, get("/api/v1/"));
    // Prefixes are case-sensitive, like Envoy's route prefixes; no match: the top level.
    ok(&envoy, get("/API/v1/items"));
    ok(&envoy, get("/api/v2/items"));
    ok(&envoy, get("/"));
    assert_eq!(envoy.counter("v1-admin", "requests"), 1);
    assert_eq!(envoy.counter("v1", "requests"), 2);
    assert_eq!(envoy.counter("shadowed", "requests"), 0, "a later rule never wins");
    assert_eq!(envoy.counter("default", "requests"), 3);
}

/// `null` and `false` turn a part off for a rule's routes; what that does on the wire is
/// in `per_route_behaviour_on_the_wire`.
#[test]
fn rules_can_turn_cors_and_headers_off() {
    let envoy = Envoy::start_with(
        &rules_template(),
        r#"{
            "cors": {"allowed_origins": ["https://app.example.com"]},
            "rules": [
                {"name": "no-cors", "match": {"route_name": "admin"}, "cors": null},
                {"name": "no-headers", "match": {"route_name": "api"}, "headers": false},
                {"name": "neither", "match": {"path_prefix": "/internal/"}, "cors": false, "headers": null}
            ]
        }"#,
    );
    ok(&envoy, get("/admin/x").origin("https://app.example.com"));
    ok(&envoy, get("/api/x").origin("https://app.example.com"));
    ok(&envoy, get("/internal/x").origin("https://app.example.com"));
    ok(&envoy, get("/x").origin("https://app.example.com"));
    for policy in ["no-cors", "no-headers", "neither", "default"] {
        assert_eq!(envoy.counter(policy, "requests"), 1, "{policy}");
    }
}

#[test]
fn filter_instances_switched_per_route_with_filter_config() {
    let envoy = Envoy::start_with(&filter_config_template(API_PLUGIN), SITE_PLUGIN);
    ok(&envoy, get("/"));
    ok(&envoy, get("/about"));
    ok(&envoy, get("/api/v1/items"));
    ok(&envoy, get("/api/v2/items"));
    ok(&envoy, get("/healthz"));

    // Each route was served by its instance only.
    assert_eq!(envoy.counter_of("shield-site", "default", "requests"), 2);
    assert_eq!(envoy.counter_of("shield-api", "default", "requests"), 1);
    assert_eq!(envoy.counter_of("shield-api", "api-v2", "requests"), 1);
    // `/healthz` opted out of both, yet reached the upstream.
    assert_eq!(envoy.upstream.seen_path("/healthz").len(), 1);
    // Each instance runs its own configuration: only the `/api/` one has rule `api-v2`.
    let stats = envoy.stats();
    assert!(stats.contains("edge_shield.shield-api.api-v2.requests"), "{stats}");
    assert!(!stats.contains("edge_shield.shield-site.api-v2."), "{stats}");

    // Same `vm_id` and code: the two instances share the VMs of a single instance
    // (the native module has no VM).
    if host::native() {
        return;
    }
    let single = Envoy::start("{}");
    assert_eq!(
        envoy.vm_count(),
        single.vm_count(),
        "instances sharing a vm_id add no VM"
    );
}

/// What the per-route policies above do on the wire, per docs/configuration.md (CORS, Security headers).
#[test]
fn per_route_behaviour_on_the_wire() {
    const APP: &str = "https://app.example.com";

    // --- rules
    let envoy = Envoy::start_with(
        &rules_template(),
        r#"{
            "cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "PUT"]},
            "rules": [
                {"name": "no-cors", "match": {"route_name": "admin"}, "cors": null},
                {"name": "no-headers", "match": {"path_prefix": "/api/raw/"}, "headers": false},
                {"name": "public", "match": {"host": "*.cdn.example.com"}, "cors": {"allowed_origins": ["*"]}}
            ]
        }"#,
    );
    // Top level: security headers on, CORS preflight answered by the filter.
    let page = ok(&envoy, get("/page"));
    assert_eq!(page.header("x-content-type-options").as_deref(), Some("nosniff"));
    let pre = preflight("/api/items", APP, "PUT").send(&envoy);
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin").as_deref(), Some(APP));
    assert!(
        envoy.upstream.seen_path("/api/items").is_empty(),
        "a preflight is never forwarded"
    );
    assert_eq!(envoy.counter("default", "cors_preflight_allowed"), 1);

    // `cors: null`: the filter does no CORS work; the OPTIONS goes to the upstream.
    let admin = preflight("/admin/users", APP, "PUT").send(&envoy);
    assert_eq!(admin.status, 200);
    assert_eq!(admin.text(), "upstream: OPTIONS /admin/users");
    assert!(
        admin.names_with_prefix("access-control-").is_empty(),
        "{:?}",
        admin.headers
    );
    assert_eq!(
        admin.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "headers inherited"
    );
    assert_eq!(envoy.counter("no-cors", "cors_preflight_allowed"), 0);

    // `headers: false`: no security headers, CORS inherited.
    let raw = ok(&envoy, get("/api/raw/x").origin(APP));
    assert!(!raw.has("x-content-type-options"), "{:?}", raw.headers);
    assert_eq!(raw.header("access-control-allow-origin").as_deref(), Some(APP));

    // Host rule with a public policy: `*` for any origin.
    let cdn = ok(
        &envoy,
        get("/logo.svg")
            .header("host", "img.cdn.example.com")
            .origin("https://anyone.example.org"),
    );
    assert_eq!(cdn.header("access-control-allow-origin").as_deref(), Some("*"));
    // The apex is not a subdomain: the top-level policy, which does not allow that origin.
    let apex = ok(
        &envoy,
        get("/logo.svg")
            .header("host", "cdn.example.com")
            .origin("https://anyone.example.org"),
    );
    assert!(!apex.has("access-control-allow-origin"), "{:?}", apex.headers);
    drop(envoy);

    // --- one filter instance per policy
    let envoy = Envoy::start_with(&filter_config_template(API_PLUGIN), SITE_PLUGIN);
    // `/api/`: the API instance answers preflights and adds no security headers.
    let pre = preflight("/api/v1/items", APP, "PUT").send(&envoy);
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin").as_deref(), Some(APP));
    assert!(envoy.upstream.seen_path("/api/v1/items").is_empty());
    let api = ok(&envoy, get("/api/v1/items").origin(APP));
    assert_eq!(api.header("access-control-allow-origin").as_deref(), Some(APP));
    assert!(!api.has("x-content-type-options"), "{:?}", api.headers);
    // Elsewhere: the site instance, security headers and no CORS (OPTIONS forwarded).
    let page = ok(&envoy, get("/page").origin(APP));
    assert_eq!(page.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert!(!page.has("access-control-allow-origin"), "{:?}", page.headers);
    let opt = preflight("/page", APP, "PUT").send(&envoy);
    assert_eq!((opt.status, opt.text().as_str()), (200, "upstream: OPTIONS /page"));
    // `/healthz`: no edge-shield at all.
    let health = ok(&envoy, get("/healthz"));
    assert!(!health.has("x-content-type-options"), "{:?}", health.headers);
}
