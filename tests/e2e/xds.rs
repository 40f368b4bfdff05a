//! Configuration delivered over xDS from files (`path_config_source`: Envoy watches
//! the file and applies a new version when one is moved into place): the listener
//! (LDS) and the filter alone (ECDS). Under steady load (wrk, a few seconds), a good
//! update applies without a restart and without one failed request; a bad one is
//! refused with our message and the old policy keeps serving. A bad *initial* filter
//! config over ECDS is what docs/operations-reliability.md measures and mitigates
//! (`default_config`, shipped in envoy/ecds.yaml).

use crate::harness::*;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const OLD: &str = "https://old.example.com";
const NEW: &str = "https://new.example.com";

fn plugin_allowing(origin: &str) -> String {
    format!(r#"{{"cors": {{"allowed_origins": ["{origin}"]}}}}"#)
}

const BAD_PLUGIN: &str = r#"{"cors": {"allowed_origin": ["https://new.example.com"]}}"#;
const BAD_MESSAGE: &str = "edge-shield: cors.allowed_origin: unknown field `allowed_origin`";

/// The Wasm filter's config (the `typed_config` of the HTTP filter), indented for a
/// YAML block at `indent` spaces.
fn wasm_config(plugin_json: &str, indent: usize) -> String {
    let text = format!(
        r#""@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
config:
  name: edge-shield
  failure_policy: FAIL_RELOAD
  vm_config:
    vm_id: edge-shield
    runtime: envoy.wasm.runtime.v8
    code: {{ local: {{ filename: "{wasm}" }} }}
  configuration:
    "@type": type.googleapis.com/google.protobuf.StringValue
    value: {plugin}
"#,
        wasm = wasm_path().display(),
        plugin = serde_json::to_string(plugin_json).unwrap()
    );
    let pad = " ".repeat(indent);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// `Origin: origin` allowed by the serving policy?
fn grants(port: u16, origin: &str) -> bool {
    get("/api/x")
        .origin(origin)
        .send_to(port)
        .header("access-control-allow-origin")
        .as_deref()
        == Some(origin)
}

/// wrk's verdict on a run: requests done, and how many failed (non-2xx/3xx answers
/// plus socket errors of any kind).
struct Load {
    requests: u64,
    failed: u64,
    output: String,
}

/// Steady load in the background: wrk, 2 connections, for `secs` seconds.
fn start_load(port: u16, secs: u32, origin: &str) -> Child {
    Command::new("wrk")
        .args(["-t1", "-c2", &format!("-d{secs}s"), "-H", &format!("Origin: {origin}")])
        .arg(format!("http://127.0.0.1:{port}/api/load"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wrk (`make e2e-tools` installs it)")
}

fn finish_load(child: Child, what: &str) -> Load {
    let out = child.wait_with_output().expect("wrk");
    let output = String::from_utf8_lossy(&out.stdout).into_owned();
    let number_after = |key: &str| -> u64 {
        output
            .lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .map(|rest| {
                rest.trim()
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    };
    let requests = output
        .lines()
        .find_map(|l| {
            l.trim()
                .split_once(" requests in ")
                .map(|(n, _)| n.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut failed = number_after("Non-2xx or 3xx responses:");
    if let Some(line) = output.lines().find(|l| l.trim().starts_with("Socket errors:")) {
        failed += line
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse::<u64>().ok())
            .sum::<u64>();
    }
    println!("{what}: {requests} requests under load, {failed} failed");
    Load {
        requests,
        failed,
        output,
    }
}

/// Waits until `done` holds (polling), or panics after 30 s (a new Wasm VM takes a
/// few seconds to start on a loaded machine).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------- LDS

/// A bootstrap whose listeners come from `{{DIR}}/lds.yaml`; the test upstream static.
const LDS_BOOTSTRAP: &str = r#"
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
node: { id: edge-shield-test, cluster: edge-shield-test }
dynamic_resources:
  lds_config: { path_config_source: { path: "{{DIR}}/lds.yaml" }, resource_api_version: V3 }
static_resources:
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: upstream
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{UPSTREAM_PORT}} } } } }] }]
"#;

/// The LDS file: listener `edge` on `port` with this plugin configuration.
fn lds(port: u16, plugin_json: &str) -> String {
    format!(
        r#"resources:
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: edge
  address: {{ socket_address: {{ address: 127.0.0.1, port_value: {port} }} }}
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: edge
        route_config:
          virtual_hosts: [{{ name: main, domains: ["*"], routes: [{{ match: {{ prefix: "/" }}, route: {{ cluster: upstream }} }}] }}]
        http_filters:
        - name: edge-shield
          typed_config:
{wasm}        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
"#,
        wasm = wasm_config(plugin_json, 12)
    )
}

#[test]
fn lds_updates_apply_under_load_and_bad_ones_are_refused() {
    let port = free_port();
    let envoy = Launch::new(LDS_BOOTSTRAP, "")
        .file("lds.yaml", &lds(port, &plugin_allowing(OLD)))
        .start();
    let file = envoy.dir().join("lds.yaml");
    assert!(grants(port, OLD) && !grants(port, NEW));
    let stat = |name: &str| envoy.stat(&format!("listener_manager.lds.{name}")).unwrap_or(0);

    // A good update, mid-load.
    let load = start_load(port, 3, NEW);
    thread::sleep(Duration::from_millis(1000));
    let before = stat("update_success");
    write_atomically(&file, &lds(port, &plugin_allowing(NEW)));
    wait_for("the LDS update", || stat("update_success") > before);
    let load = finish_load(load, "LDS good update");
    assert!(load.requests > 0 && load.failed == 0, "{}", load.output);
    wait_for("the new policy on new connections", || grants(port, NEW));
    assert!(!grants(port, OLD));

    // A bad update, mid-load: refused, our message in the log, the policy unchanged.
    let load = start_load(port, 2, NEW);
    thread::sleep(Duration::from_millis(700));
    let rejected = stat("update_rejected");
    write_atomically(&file, &lds(port, BAD_PLUGIN));
    wait_for("the LDS rejection", || stat("update_rejected") > rejected);
    let load = finish_load(load, "LDS bad update");
    assert!(load.requests > 0 && load.failed == 0, "{}", load.output);
    assert!(envoy.log().contains(BAD_MESSAGE), "{}", envoy.log());
    assert!(grants(port, NEW) && !grants(port, OLD));
    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
}

// ---------------------------------------------------------------- ECDS

/// The default template with edge-shield's config discovered from `{{DIR}}/ecds.yaml`;
/// `extra` goes into the `config_discovery` block (e.g. a `default_config`).
fn ecds_template(extra: &str) -> String {
    let start = DEFAULT_TEMPLATE.find("          - name: edge-shield\n").unwrap();
    let end = DEFAULT_TEMPLATE
        .find("          - name: envoy.filters.http.router\n")
        .unwrap();
    let discovery = format!(
        "          - name: edge-shield\n            config_discovery:\n              \
         config_source: {{ path_config_source: {{ path: \"{{{{DIR}}}}/ecds.yaml\" }}, resource_api_version: V3 }}\n              \
         type_urls: [\"type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm\"]\n{extra}"
    );
    // xDS needs a node identity, even from files.
    let node = "node: { id: edge-shield-test, cluster: edge-shield-test }\n";
    format!(
        "{node}{}{discovery}{}",
        &DEFAULT_TEMPLATE[..start],
        &DEFAULT_TEMPLATE[end..]
    )
}

/// The ECDS file: one `TypedExtensionConfig` named like the filter.
fn ecds(plugin_json: &str) -> String {
    format!(
        "resources:\n- \"@type\": type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig\n  name: edge-shield\n  typed_config:\n{}",
        wasm_config(plugin_json, 4)
    )
}

fn ecds_stat(envoy: &Envoy, name: &str) -> u64 {
    envoy
        .stat(&format!("extension_config_discovery.http_filter.edge-shield.{name}"))
        .unwrap_or(0)
}

#[test]
fn ecds_updates_apply_under_load_and_bad_ones_are_refused() {
    let envoy = Launch::new(&ecds_template(""), "")
        .file("ecds.yaml", &ecds(&plugin_allowing(OLD)))
        .start();
    let port = envoy.port();
    let file = envoy.dir().join("ecds.yaml");
    assert!(grants(port, OLD) && !grants(port, NEW));

    // ECDS swaps the filter config for every stream that starts after it, on the
    // connections already open too.
    let load = start_load(port, 3, NEW);
    thread::sleep(Duration::from_millis(1000));
    let before = ecds_stat(&envoy, "config_reload");
    write_atomically(&file, &ecds(&plugin_allowing(NEW)));
    wait_for("the ECDS update", || ecds_stat(&envoy, "config_reload") > before);
    let load = finish_load(load, "ECDS good update");
    assert!(load.requests > 0 && load.failed == 0, "{}", load.output);
    assert!(grants(port, NEW) && !grants(port, OLD));

    let load = start_load(port, 2, NEW);
    thread::sleep(Duration::from_millis(700));
    let failed = ecds_stat(&envoy, "config_fail");
    write_atomically(&file, &ecds(BAD_PLUGIN));
    wait_for("the ECDS rejection", || ecds_stat(&envoy, "config_fail") > failed);
    let load = finish_load(load, "ECDS bad update");
    assert!(load.requests > 0 && load.failed == 0, "{}", load.output);
    assert!(envoy.log().contains(BAD_MESSAGE));
    assert!(grants(port, NEW) && !grants(port, OLD));
    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
}

/// What Envoy does with a bad *first* config over ECDS and no `default_config`: the
/// update is rejected (our message in the log), the listener serves anyway, and every
/// request is an empty 500 without a single security header, while `/ready` says LIVE.
/// A later good push recovers. This is the hazard envoy/ecds.yaml's `default_config`
/// removes.
#[test]
fn ecds_bad_initial_config_without_default_answers_500_until_a_good_push() {
    let envoy = Launch::new(&ecds_template(""), "")
        .file("ecds.yaml", &ecds(BAD_PLUGIN))
        .start();
    assert_eq!(ecds_stat(&envoy, "update_rejected"), 1);
    assert!(envoy.log().contains(BAD_MESSAGE));
    let r = get("/api/x").origin(OLD).send(&envoy);
    assert_eq!((r.status, r.text().as_str()), (500, ""));
    assert!(!r.has("x-content-type-options") && !r.has("access-control-allow-origin"));
    let ready = get("/ready").send_to(envoy.admin);
    assert_eq!(
        (ready.status, ready.text().as_str()),
        (200, "LIVE\n"),
        "readiness does not see it"
    );

    write_atomically(&envoy.dir().join("ecds.yaml"), &ecds(&plugin_allowing(NEW)));
    wait_for("recovery by a good push", || {
        get("/api/x").origin(NEW).send(&envoy).status == 200
    });
    assert!(grants(envoy.port(), NEW));
}

/// The shipped ECDS example on free ports, its filter config read from `resource`
/// (the text of envoy/ecds/edge-shield.yaml, possibly edited).
fn start_ecds_example(resource: &str) -> Envoy {
    let wasm = "target/wasm32-wasip1/release/edge_shield.wasm";
    let text = read_repo("envoy/ecds.yaml");
    for (from, n) in [
        ("port_value: 9901", 1),
        ("port_value: 10000", 1),
        ("port_value: 10001", 2),
        (wasm, 1),
    ] {
        assert_eq!(text.matches(from).count(), n, "{from} in envoy/ecds.yaml");
    }
    let text = text
        .replace("port_value: 9901", "port_value: 0")
        .replace("port_value: 10000", "port_value: 0")
        .replace("port_value: 10001", &format!("port_value: {}", free_port()))
        .replace(wasm, "{{WASM}}")
        .replace("path: envoy/ecds/edge-shield.yaml", "path: \"{{DIR}}/ecds.yaml\"");
    assert_eq!(resource.matches(wasm).count(), 1);
    Launch::new(&text, "")
        .file("ecds.yaml", &resource.replace(wasm, "{{WASM}}"))
        .start()
}

#[test]
fn shipped_ecds_example_serves_its_default_config_until_a_good_config_arrives() {
    const APP: &str = "https://app.example.com";
    let good = read_repo("envoy/ecds/edge-shield.yaml");
    let bad = good.replacen(
        "\"allowed_origins\": [\"https://app.example.com\"",
        "\"allowed_origin\": [\"https://app.example.com\"",
        1,
    );
    assert_ne!(good, bad);
    let envoy = start_ecds_example(&bad);
    assert!(envoy
        .log()
        .contains("edge-shield: cors.allowed_origin: unknown field `allowed_origin`"));

    // The default config: every security header, and no cross-origin grant.
    let page = get("/").send(&envoy);
    assert_eq!(page.status, 200);
    assert_eq!(page.all("x-content-type-options"), ["nosniff"]);
    assert!(page.has("content-security-policy"));
    let api = get("/api/x").origin(APP).send(&envoy);
    assert_eq!(api.status, 200);
    assert!(!api.has("access-control-allow-origin"), "{:?}", api.headers_text());
    assert_eq!(preflight("/api/x", APP, "PUT").send(&envoy).status, 403);

    // The shipped config, pushed: its policy (the app's origin allowed, `DENY`).
    write_atomically(
        &envoy.dir().join("ecds.yaml"),
        &good.replace(
            "target/wasm32-wasip1/release/edge_shield.wasm",
            &wasm_path().display().to_string(),
        ),
    );
    wait_for("the good config", || {
        get("/api/x")
            .origin(APP)
            .send(&envoy)
            .header("access-control-allow-origin")
            .is_some()
    });
    let page = get("/").send(&envoy);
    assert_eq!(page.all("x-frame-options"), ["DENY"]);
    assert_eq!(preflight("/api/x", APP, "PUT").send(&envoy).status, 204);
    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
}

/// The offline check for an ECDS resource (what CI runs before a push): its
/// `typed_config` spliced into a static bootstrap, then `envoy --mode validate`, which
/// loads the filter and runs its config check. The shipped resource passes; a bad one
/// fails with our message. (`make validate` runs this with the other shipped configs.)
#[test]
fn shipped_configs_ecds_resource_validates_offline() {
    let good = read_repo("envoy/ecds/edge-shield.yaml");
    let bad = good.replacen("\"max_age\": 600", "\"max_age\": \"600\"", 1);
    assert_ne!(good, bad);
    for (resource, ok) in [(&good, true), (&bad, false)] {
        let (accepted, out) = validate_ecds_resource(resource);
        assert_eq!(accepted, ok, "{out}");
        if !ok {
            assert!(
                out.contains("edge-shield: cors.max_age: invalid type: string \"600\""),
                "{out}"
            );
        }
    }
}

/// `envoy --mode validate` on the default template with the filter replaced by the
/// resource's `typed_config`.
fn validate_ecds_resource(resource: &str) -> (bool, String) {
    let doc: serde_json::Value = serde_norway::from_str(resource).expect("YAML");
    let typed_config = &doc["resources"][0]["typed_config"];
    assert!(typed_config.is_object(), "no resources[0].typed_config");
    let json = serde_json::to_string(typed_config).unwrap().replace(
        "target/wasm32-wasip1/release/edge_shield.wasm",
        &wasm_path().display().to_string(),
    );
    let start = DEFAULT_TEMPLATE.find("          - name: edge-shield\n").unwrap();
    let end = DEFAULT_TEMPLATE
        .find("          - name: envoy.filters.http.router\n")
        .unwrap();
    // JSON is YAML: the typed_config goes in as one flow mapping.
    let config = format!(
        "{}          - name: edge-shield\n            typed_config: {json}\n{}",
        &DEFAULT_TEMPLATE[..start],
        &DEFAULT_TEMPLATE[end..]
    )
    .replace("{{UPSTREAM_PORT}}", "9");
    let dir = scratch_dir();
    let path = dir.join("envoy.yaml");
    std::fs::write(&path, config).unwrap();
    let result = validate(&path);
    let _ = std::fs::remove_dir_all(&dir);
    result
}
