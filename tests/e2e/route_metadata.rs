//! Per-route policies named in the route's own YAML: `metadata.filter_metadata.edge-shield.policy`
//! on a route or a virtual host selects a named policy (most specific wins: route, virtual
//! host, rules, top level); an unknown name is loud and falls back to the top-level policy
//! (docs/configuration-yaml.md).

use crate::harness::*;

/// The default template plus a virtual host `meta.test` whose routes carry metadata.
fn template() -> String {
    let anchor = "            - name: main\n";
    assert!(DEFAULT_TEMPLATE.contains(anchor));
    let meta = r#"            - name: meta
              domains: ["meta.test"]
              metadata: { filter_metadata: { edge-shield: { policy: vh } } }
              routes:
              - name: meta-admin
                match: { prefix: "/admin/" }
                metadata: { filter_metadata: { edge-shield: { policy: admin } } }
                route: { cluster: upstream, timeout: 10s }
              - name: meta-typo
                match: { prefix: "/typo/" }
                metadata: { filter_metadata: { edge-shield: { policy: admni } } }
                route: { cluster: upstream, timeout: 10s }
              - name: httproute/shop/storefront/rule/0/match/0/meta_test
                match: { prefix: "/eg/" }
                route: { cluster: upstream, timeout: 10s }
              - name: meta-rest
                match: { prefix: "/" }
                route: { cluster: upstream, timeout: 10s }
"#;
    DEFAULT_TEMPLATE.replacen(anchor, &format!("{meta}{anchor}"), 1)
}

const POLICY: &str = r#"{
  "cors": {"allowed_origins": ["https://app.example.com"]},
  "headers": {"custom": {"x-policy": "top"}},
  "rules": [
    {"name": "admin", "cors": null, "headers": {"custom": {"x-policy": "admin"}}},
    {"name": "vh", "headers": {"custom": {"x-policy": "vh"}}},
    {"name": "eg", "match": {"route_name_prefix": "httproute/shop/storefront/"}, "headers": {"custom": {"x-policy": "eg"}}},
    {"name": "public", "match": {"path_prefix": "/admin/"}, "cors": {"allowed_origins": ["*"]},
     "headers": {"custom": {"x-policy": "public"}}}
  ]
}"#;

fn assert_policies(envoy: &Envoy, rows: &[(&str, &str, &str)]) {
    for (host, path, want) in rows {
        let r = get(path)
            .header("host", host)
            .origin("https://app.example.com")
            .send(envoy);
        assert_eq!(r.status, 200, "{host}{path}");
        assert_eq!(r.header("x-policy").as_deref(), Some(*want), "{host}{path}");
    }
}

#[test]
fn route_metadata_then_rules_then_the_top_level() {
    let envoy = Envoy::start_with(&template(), POLICY);
    assert_policies(
        &envoy,
        &[
            // Route metadata wins over the virtual host's and over the matching `public` rule.
            ("meta.test", "/admin/users", "admin"),
            // Without metadata: rules, then the top level.
            ("localhost", "/admin/users", "public"),
            ("localhost", "/anything", "top"),
        ],
    );
    // `admin` turns CORS off: no echo even for the allowed origin.
    let r = get("/admin/x")
        .header("host", "meta.test")
        .origin("https://app.example.com")
        .send(&envoy);
    assert!(!r.has("access-control-allow-origin"));
    assert_eq!(envoy.counter("admin", "requests"), 2);
}

#[test]
fn virtual_host_metadata_comes_after_the_routes_and_before_rules() {
    let envoy = Envoy::start_with(&template(), POLICY);
    if host::native() {
        // The dynamic-module ABI reads no virtual host metadata: a name there is not
        // seen, the route's rules then the top level apply (docs/native.md).
        assert_policies(
            &envoy,
            &[("meta.test", "/eg/cart", "eg"), ("meta.test", "/anything", "top")],
        );
        return;
    }
    assert_policies(
        &envoy,
        &[
            // Virtual-host metadata wins over rules (`eg` would match this route's name).
            ("meta.test", "/eg/cart", "vh"),
            ("meta.test", "/anything", "vh"),
        ],
    );
    assert_eq!(envoy.counter("vh", "requests"), 2);
}

#[test]
fn an_unknown_policy_name_is_loud_and_gets_the_top_level_policy() {
    let envoy = Envoy::start_with(&template(), POLICY);
    for _ in 0..3 {
        let r = get("/typo/x")
            .header("host", "meta.test")
            .origin("https://evil.example.net")
            .send(&envoy);
        assert_eq!(
            r.header("x-policy").as_deref(),
            Some("top"),
            "the top-level policy, not the virtual host's"
        );
        assert!(
            !r.has("access-control-allow-origin"),
            "the top-level CORS policy refuses this origin"
        );
    }
    assert_eq!(envoy.counter("default", "unknown_policy"), 3);
    let log = envoy.log();
    assert!(
        log.contains("edge-shield: route metadata names the policy \"admni\", which the configuration does not define"),
        "{log}"
    );
}

#[test]
fn route_name_prefix_fits_envoy_gateway_route_names() {
    let policy = r#"{"headers": {"custom": {"x-policy": "top"}},
      "rules": [{"name": "eg", "match": {"route_name_prefix": "httproute/shop/storefront/"},
                 "headers": {"custom": {"x-policy": "eg"}}}]}"#;
    // Without the virtual host's metadata: a copy of the template without it.
    let t = template().replace(
        "              metadata: { filter_metadata: { edge-shield: { policy: vh } } }\n",
        "",
    );
    let envoy = Envoy::start_with(&t, policy);
    let r = get("/eg/cart").header("host", "meta.test").send(&envoy);
    assert_eq!(r.header("x-policy").as_deref(), Some("eg"));
    let r = get("/anything").header("host", "meta.test").send(&envoy);
    assert_eq!(r.header("x-policy").as_deref(), Some("top"));
}

/// `"read_route_metadata": false`: metadata is not read, so it neither selects a policy
/// nor, when it names an undefined one, counts or logs: rules and the top level decide.
#[test]
fn metadata_is_ignored_when_reading_it_is_off() {
    let policy = POLICY.replacen('{', r#"{"read_route_metadata": false,"#, 1);
    let envoy = Envoy::start_with(&template(), &policy);
    let rows: &[(&str, &str)] = &[
        // The route names `admin`, the virtual host `vh`: the `public` rule matches instead.
        ("/admin/users", "public"),
        // The route names the undefined `admni`: nothing loud, the top level.
        ("/typo/x", "top"),
        ("/anything", "top"),
    ];
    for (path, want) in rows {
        let r = get(path).header("host", "meta.test").send(&envoy);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("x-policy").as_deref(), Some(*want), "{path}");
    }
    assert_eq!(envoy.counter("default", "unknown_policy"), 0);
    assert_eq!(envoy.counter("admin", "requests"), 0);
    assert_eq!(envoy.counter("public", "requests"), 1);
    assert!(!envoy.log().contains("names the policy"), "{}", envoy.log());
}
