//! The deployment artifacts under `envoy/`: the per-route examples and the container
//! config run in a real Envoy and do what their comments say; the docker-compose file and
//! the Istio manifests are checked statically (no Docker, no cluster here); every shipped
//! Wasm filter uses `FAIL_RELOAD`. The release image and Envoy Gateway: `ship.rs`.

use crate::harness::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub(crate) fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub(crate) fn yaml(rel: &str) -> Value {
    serde_norway::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"))
}

/// `text` with every `from` replaced; `from` must occur, so that an edit of the shipped
/// file cannot silently make a test run something else than what it claims.
pub(crate) fn replace_all(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "expected {from:?} in the shipped config");
    text.replace(from, to)
}

/// A shipped standalone example (`make run CONFIG=...`) on free ports: admin and the
/// `edge` listener on port 0, its demo upstream listener on a free port.
pub(crate) fn start_example(rel: &str) -> Envoy {
    start_example_text(&read_repo(rel))
}

/// [`start_example`] for the text of a shipped example (edited by the caller).
pub(crate) fn start_example_text(text: &str) -> Envoy {
    let text = replace_all(text, "port_value: 9901", "port_value: 0");
    let text = replace_all(&text, "port_value: 10000", "port_value: 0");
    let text = replace_all(&text, "port_value: 10001", &format!("port_value: {}", free_port()));
    let text = replace_all(&text, "target/wasm32-wasip1/release/edge_shield.wasm", "{{WASM}}");
    Envoy::start_with(&text, "")
}

fn status(envoy: &Envoy, req: Req) -> u16 {
    req.send(envoy).status
}

#[test]
fn per_route_rules_example_selects_the_documented_policies() {
    let envoy = start_example("envoy/per-route-rules.yaml");
    let requests = [
        get("/admin/"),
        get("/assets/app.css"),
        get("/healthz"),
        get("/").header("host", "shop.partners.example.com"),
        // Rules are tried in order: `admin` (route name) before `partners` (host).
        get("/admin/").header("host", "shop.partners.example.com"),
        get("/"),
    ];
    for req in requests {
        assert_eq!(status(&envoy, req), 200);
    }
    assert_eq!(envoy.counter("admin", "requests"), 2);
    assert_eq!(envoy.counter("assets", "requests"), 1);
    assert_eq!(envoy.counter("healthz", "requests"), 1);
    assert_eq!(envoy.counter("partners", "requests"), 1);
    assert_eq!(envoy.counter("default", "requests"), 1);
}

#[test]
fn per_route_filters_example_switches_instances_per_route() {
    let envoy = start_example("envoy/per-route-filters.yaml");
    for path in ["/", "/public/logo.svg", "/admin/", "/healthz"] {
        assert_eq!(status(&envoy, get(path)), 200, "{path}");
    }
    assert_eq!(envoy.counter_of("edge-shield", "default", "requests"), 1);
    assert_eq!(envoy.counter_of("edge-shield-public", "default", "requests"), 1);
    assert_eq!(envoy.counter_of("edge-shield-admin", "default", "requests"), 1);
}

/// The container's Envoy config, with the compose service `whoami` replaced by the test
/// upstream and the container paths and ports by local ones.
#[test]
fn docker_envoy_config_serves_through_the_filter() {
    let text = read_repo("envoy/docker/envoy.yaml");
    let text = replace_all(&text, "address: 0.0.0.0", "address: 127.0.0.1");
    let text = replace_all(&text, "port_value: 9901", "port_value: 0");
    let text = replace_all(&text, "port_value: 10000", "port_value: 0");
    let text = replace_all(
        &text,
        "address: whoami, port_value: 80",
        "address: 127.0.0.1, port_value: {{UPSTREAM_PORT}}",
    );
    let text = replace_all(&text, "/etc/envoy/edge_shield.wasm", "{{WASM}}");
    let envoy = Envoy::start_with(&text, "");
    let r = get("/admin/users").send(&envoy);
    assert_eq!((r.status, r.text().as_str()), (200, "upstream: GET /admin/users"));
    assert_eq!(status(&envoy, get("/public/x")), 200);
    assert_eq!(status(&envoy, get("/")), 200);
    assert_eq!(envoy.counter("admin", "requests"), 1);
    assert_eq!(envoy.counter("public", "requests"), 1);
    assert_eq!(envoy.counter("default", "requests"), 1);
}

// ---------------------------------------------------------------- failure policy

/// Every Wasm filter in every shipped Envoy config reloads a crashed VM (docs/operations.md, Failure policies).
#[test]
fn shipped_wasm_filters_use_fail_reload() {
    let mut filters = 0;
    for file in envoy_configs() {
        let rel = file.strip_prefix(repo()).unwrap().display().to_string();
        let doc = yaml(&rel);
        let mut found = Vec::new();
        wasm_filters(&doc, &mut found);
        for config in &found {
            assert_eq!(
                config["failure_policy"].as_str(),
                Some("FAIL_RELOAD"),
                "{rel}: filter {} must use failure_policy: FAIL_RELOAD",
                config["name"]
            );
        }
        filters += found.len();
    }
    // envoy.yaml 1, per-route-rules 1, per-route-filters 3, docker/envoy.yaml 1.
    assert!(filters >= 6, "found only {filters} Wasm filters under envoy/");
}

/// The Envoy configs under `envoy/` (the files with `static_resources`).
fn envoy_configs() -> Vec<PathBuf> {
    let mut out = yaml_files(&repo().join("envoy"));
    out.retain(|p| std::fs::read_to_string(p).unwrap().contains("static_resources"));
    assert!(out.len() >= 4, "{out:?}");
    out
}

/// The `config` of every `envoy.extensions.filters.http.wasm.v3.Wasm` typed config.
pub(crate) fn wasm_filters<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(map) => {
            if map.get("@type").and_then(Value::as_str)
                == Some("type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm")
            {
                out.push(&map["config"]);
            }
            map.values().for_each(|c| wasm_filters(c, out));
        }
        Value::Array(items) => items.iter().for_each(|c| wasm_filters(c, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------- docker-compose

/// The Envoy version the project tests against, from the Makefile.
pub(crate) fn envoy_version() -> String {
    read("Makefile")
        .lines()
        .find_map(|l| l.strip_prefix("ENVOY_VERSION ?= "))
        .expect("ENVOY_VERSION in the Makefile")
        .trim()
        .to_string()
}

#[test]
fn docker_compose_runs_the_tested_envoy_with_the_repository_read_only() {
    let compose = yaml("envoy/docker-compose.yaml");
    let services = compose["services"].as_object().expect("services");
    let envoy = &services["envoy"];
    assert_eq!(
        envoy["image"].as_str(),
        Some(format!("envoyproxy/envoy:v{}", envoy_version()).as_str()),
        "the official image of the Envoy version `make test` runs"
    );

    // Every mount is read-only. Only directories that always exist are mounted (the
    // repository, the config): a missing bind source would make Docker create a
    // root-owned directory there, which is what a mounted .wasm did before `make build`.
    let compose_dir = repo().join("envoy");
    let mut mounts = Vec::new();
    for v in envoy["volumes"].as_array().expect("volumes") {
        let v = v.as_str().expect("short volume syntax");
        let parts: Vec<&str> = v.split(':').collect();
        assert_eq!(parts.len(), 3, "{v}: source:target:mode");
        assert_eq!(parts[2], "ro", "{v} must be mounted read-only");
        let source = normalize(&compose_dir.join(parts[0]));
        assert!(source.exists(), "{v}: the source must exist in a fresh checkout");
        assert!(
            !source.starts_with(repo().join("target")),
            "{v}: build output may be missing"
        );
        mounts.push((source, parts[1].to_string()));
    }
    assert!(
        mounts.iter().any(|(s, t)| *s == repo() && t == "/src"),
        "the repository is mounted at /src: {mounts:?}"
    );
    let (config_source, _) = mounts
        .iter()
        .find(|(_, target)| target == "/etc/envoy/envoy.yaml")
        .expect("the Envoy config is mounted");
    let config = std::fs::read_to_string(config_source).expect("the mounted config exists");
    let config: Value = serde_norway::from_str(&config).unwrap();
    let mut filters = Vec::new();
    wasm_filters(&config, &mut filters);
    assert_eq!(
        filters[0]["vm_config"]["code"]["local"]["filename"].as_str(),
        Some("/etc/envoy/edge_shield.wasm"),
        "the path the start script rewrites"
    );

    // Published ports stay on the host's loopback (the admin API must never be public).
    for p in envoy["ports"].as_array().expect("ports") {
        assert!(p.as_str().unwrap().starts_with("127.0.0.1:"), "{p}");
    }

    // The upstream Envoy routes to is a compose service with a pinned image, on a port it exposes.
    let mut endpoints = Vec::new();
    socket_addresses(&config["static_resources"]["clusters"], &mut endpoints);
    assert!(!endpoints.is_empty());
    for (host, port) in endpoints {
        let service = services
            .get(&host)
            .unwrap_or_else(|| panic!("cluster address {host} is not a compose service"));
        let image = service["image"].as_str().unwrap();
        let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
        assert!(!tag.is_empty() && tag != "latest", "{image}: pin a tag");
        let exposed: Vec<String> = service["expose"]
            .as_array()
            .expect("expose")
            .iter()
            .map(|p| p.as_str().map(String::from).unwrap_or_else(|| p.to_string()))
            .collect();
        assert!(exposed.contains(&port.to_string()), "{host} does not expose {port}");
    }
    let depends: Vec<&str> = envoy["depends_on"]
        .as_array()
        .expect("depends_on")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(depends.contains(&"whoami"), "{depends:?}");
}

/// The compose start script, run by `sh` here with the container paths pointed at a
/// scratch directory: (exit status, stdout, stderr). `exec envoy` becomes `exec cat`, so
/// stdout is the config Envoy would load.
fn run_compose_start(src: &Path) -> (bool, String, String) {
    let compose = yaml("envoy/docker-compose.yaml");
    let command = compose["services"]["envoy"]["command"].as_array().expect("command");
    assert_eq!(command[..2], ["/bin/sh", "-c"]);
    let dir = src.parent().unwrap();
    // `$$` is compose's escape for a literal `$`.
    let script = command[2].as_str().unwrap().replace("$$", "$");
    let script = replace_all(&script, "/src/", &format!("{}/", src.display()));
    let script = replace_all(
        &script,
        "/etc/envoy/envoy.yaml",
        &repo().join("envoy/docker/envoy.yaml").display().to_string(),
    );
    let script = replace_all(
        &script,
        "/tmp/envoy.yaml",
        &dir.join("envoy.yaml").display().to_string(),
    );
    let script = replace_all(&script, "exec envoy -c", "exec cat");
    let script = replace_all(&script, " --log-level warn --component-log-level wasm:info", "");
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn docker_compose_without_a_module_stops_with_what_to_run() {
    let dir = std::env::temp_dir().join(format!("edge-shield-compose-{}-none", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let (ok, _, err) = run_compose_start(&src);
    assert!(!ok, "must not start Envoy without a module");
    assert!(err.contains("make build") && err.contains("make dist"), "{err}");
    // Nothing was created where the module is expected.
    assert!(!src.join("target").exists() && !src.join("dist").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn docker_compose_loads_dist_first_then_the_build_output() {
    let dir = std::env::temp_dir().join(format!("edge-shield-compose-{}-found", std::process::id()));
    let src = dir.join("src");
    let built = src.join("target/wasm32-wasip1/release/edge_shield.wasm");
    std::fs::create_dir_all(built.parent().unwrap()).unwrap();
    std::fs::write(&built, b"\0asm").unwrap();
    let (ok, config, _) = run_compose_start(&src);
    assert!(ok);
    assert!(config.contains(&format!("filename: {} ", built.display())), "{config}");
    assert!(!config.contains("/etc/envoy/edge_shield.wasm"));

    let dist = src.join("dist/edge_shield.wasm");
    std::fs::create_dir_all(dist.parent().unwrap()).unwrap();
    std::fs::write(&dist, b"\0asm").unwrap();
    let (ok, config, _) = run_compose_start(&src);
    assert!(ok);
    assert!(
        config.starts_with(&format!("edge-shield: loading {}\n", dist.display())),
        "{config}"
    );
    assert!(config.contains(&format!("filename: {} ", dist.display())), "{config}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `a/b/../c` → `a/c` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

fn socket_addresses(v: &Value, out: &mut Vec<(String, u64)>) {
    match v {
        Value::Object(map) => {
            if let Some(sa) = map.get("socket_address") {
                out.push((
                    sa["address"].as_str().unwrap().to_string(),
                    sa["port_value"].as_u64().unwrap(),
                ));
            }
            map.values().for_each(|c| socket_addresses(c, out));
        }
        Value::Array(items) => items.iter().for_each(|c| socket_addresses(c, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------- Istio

/// The field types of `istio.extensions.v1alpha1.WasmPlugin` (istio/api
/// `extensions/v1alpha1/wasm.proto` and `type/v1beta1/selector.proto`), in the JSON
/// names Kubernetes uses.
pub(crate) enum Ty {
    Str,
    Bool,
    /// Any JSON value (`x-kubernetes-preserve-unknown-fields`, or a part not checked here).
    Any,
    U32,
    /// `google.protobuf.Int32Value`
    I32,
    Enum(&'static [&'static str]),
    /// `map<string, string>`
    StrMap,
    /// `google.protobuf.Struct`: any JSON object
    Struct,
    List(&'static Ty),
    Msg(&'static [(&'static str, Ty)]),
}

pub(crate) use Ty::*;

const POLICY_TARGET_REFERENCE: Ty = Msg(&[("group", Str), ("kind", Str), ("name", Str), ("namespace", Str)]);
const PORT_SELECTOR: Ty = Msg(&[("number", U32)]);
const TRAFFIC_SELECTOR: Ty = Msg(&[
    ("mode", Enum(&["UNDEFINED", "CLIENT", "SERVER", "CLIENT_AND_SERVER"])),
    ("ports", List(&PORT_SELECTOR)),
]);
const ENV_VAR: Ty = Msg(&[("name", Str), ("valueFrom", Enum(&["INLINE", "HOST"])), ("value", Str)]);
const WASM_PLUGIN_SPEC: Ty = Msg(&[
    ("selector", Msg(&[("matchLabels", StrMap)])),
    ("targetRef", POLICY_TARGET_REFERENCE),
    ("targetRefs", List(&POLICY_TARGET_REFERENCE)),
    ("url", Str),
    ("sha256", Str),
    (
        "imagePullPolicy",
        Enum(&["UNSPECIFIED_POLICY", "IfNotPresent", "Always"]),
    ),
    ("imagePullSecret", Str),
    ("verificationKey", Str),
    ("pluginConfig", Struct),
    ("pluginName", Str),
    ("phase", Enum(&["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"])),
    ("priority", I32),
    ("failStrategy", Enum(&["FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"])),
    ("vmConfig", Msg(&[("env", List(&ENV_VAR))])),
    ("match", List(&TRAFFIC_SELECTOR)),
    ("type", Enum(&["UNSPECIFIED_PLUGIN_TYPE", "HTTP", "NETWORK"])),
]);

/// Every field of `v` exists in `ty` with the right JSON type or enum value.
pub(crate) fn check(v: &Value, ty: &Ty, path: &str, errors: &mut Vec<String>) {
    let expected: Option<String> = match ty {
        Str => (!v.is_string()).then(|| "a string".into()),
        Bool => (!v.is_boolean()).then(|| "a boolean".into()),
        Any => None,
        U32 => (!v.as_u64().is_some_and(|n| n <= u64::from(u32::MAX))).then(|| "a uint32".into()),
        I32 => (!v.as_i64().is_some_and(|n| i32::try_from(n).is_ok())).then(|| "an int32".into()),
        Enum(values) => (!v.as_str().is_some_and(|s| values.contains(&s))).then(|| format!("one of {values:?}")),
        StrMap => (!v.as_object().is_some_and(|m| m.values().all(Value::is_string))).then(|| "a map of strings".into()),
        Struct => (!v.is_object()).then(|| "an object".into()),
        List(item) => match v.as_array() {
            Some(items) => {
                for (i, x) in items.iter().enumerate() {
                    check(x, item, &format!("{path}[{i}]"), errors);
                }
                None
            }
            None => Some("a list".into()),
        },
        Msg(fields) => match v.as_object() {
            Some(m) => {
                for (k, x) in m {
                    match fields.iter().find(|(name, _)| name == k) {
                        Some((_, t)) => check(x, t, &format!("{path}.{k}"), errors),
                        None => errors.push(format!("{path}: unknown field `{k}`")),
                    }
                }
                None
            }
            None => Some("an object".into()),
        },
    };
    if let Some(want) = expected {
        errors.push(format!("{path}: {v} is not {want}"));
    }
}

/// A Kubernetes resource's errors: only the standard top-level fields, a name, and a
/// `spec` of type `spec_type`.
pub(crate) fn check_resource(doc: &Value, spec_type: &Ty, errors: &mut Vec<String>) {
    for k in doc
        .as_object()
        .map(|m| m.keys().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if !["apiVersion", "kind", "metadata", "spec"].contains(&k.as_str()) {
            errors.push(format!("unknown top-level field `{k}`"));
        }
    }
    if !doc["metadata"]["name"].is_string() {
        errors.push("metadata.name is required".into());
    }
    check(&doc["spec"], spec_type, "spec", errors);
}

/// The manifest's errors against the schema and the CRD's validation rules.
pub(crate) fn wasm_plugin_errors(doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    if doc["apiVersion"] != "extensions.istio.io/v1alpha1" || doc["kind"] != "WasmPlugin" {
        errors.push(format!("not a WasmPlugin: {} {}", doc["apiVersion"], doc["kind"]));
    }
    check_resource(doc, &WASM_PLUGIN_SPEC, &mut errors);
    let spec = &doc["spec"];
    // Validation rules of the CRD (kubebuilder markers in the proto).
    let url = spec["url"].as_str().unwrap_or("");
    let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or("");
    if url.is_empty() || !["", "oci", "http", "https", "file"].contains(&scheme) {
        errors.push(format!("spec.url: {url:?} needs a scheme among oci, http, https, file"));
    }
    let selectors = ["selector", "targetRef", "targetRefs"];
    if selectors.iter().filter(|k| !spec[**k].is_null()).count() > 1 {
        errors.push("spec: only one of targetRefs or selector can be set".into());
    }
    errors
}

/// The two standard installs of an Istio ingress gateway: (file, namespace, pod label).
/// Helm's `istio/gateway` chart labels its pods `istio: ingress` in `istio-ingress`;
/// `istioctl install` labels them `istio: ingressgateway` in `istio-system`.
const ISTIO_INSTALLS: [(&str, &str, &str); 2] = [
    ("envoy/istio/wasmplugin.yaml", "istio-ingress", "ingress"),
    ("envoy/istio/wasmplugin-istioctl.yaml", "istio-system", "ingressgateway"),
];

/// The version `make dist` stamps on the image (Cargo.toml's).
pub(crate) fn cargo_version() -> String {
    read("Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("version in Cargo.toml")
        .to_string()
}

/// A `sha256` pin: 64 lower-case hex digits (no `sha256:` prefix).
pub(crate) fn is_sha256_hex(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

#[test]
fn istio_wasm_plugins_match_the_schema_and_their_installs() {
    for (file, namespace, label) in ISTIO_INSTALLS {
        let doc = yaml(file);
        let errors = wasm_plugin_errors(&doc);
        assert!(errors.is_empty(), "{file}: {errors:#?}");
        assert_eq!(doc["metadata"]["namespace"], namespace, "{file}");
        let spec = &doc["spec"];
        assert_eq!(
            spec["selector"]["matchLabels"],
            serde_json::json!({ "istio": label }),
            "{file}"
        );
        assert_eq!(spec["failStrategy"], "FAIL_RELOAD", "{file}");
        // The image `make dist` builds, tagged with this version, pinned by digest.
        assert_eq!(
            spec["url"].as_str(),
            Some(format!("oci://registry.example.com/edge-shield:{}", cargo_version()).as_str()),
            "{file}: `make publish` rewrites exactly this reference"
        );
        assert!(is_sha256_hex(&spec["sha256"]), "{file}: sha256 {}", spec["sha256"]);
        // AUTHN is the earliest phase; within it the highest priority comes first.
        assert_eq!(spec["phase"], "AUTHN", "{file}");
        assert_eq!(spec["priority"].as_i64(), Some(i64::from(i32::MAX)), "{file}");
        // Istio names the Envoy plugin `<namespace>.<name>`; the metric segment turns the
        // `.` into `_`. The file says which names the counters have.
        let metric = format!(
            "wasmcustom.edge_shield.{namespace}_{}.",
            doc["metadata"]["name"].as_str().unwrap()
        );
        assert!(
            read(file).contains(&metric),
            "{file} documents {metric}<policy>.<counter>"
        );
    }
    // The two differ only where the installs do.
    let mut helm = yaml(ISTIO_INSTALLS[0].0);
    let mut istioctl = yaml(ISTIO_INSTALLS[1].0);
    for doc in [&mut helm, &mut istioctl] {
        doc["metadata"]["namespace"] = Value::Null;
        doc["spec"]["selector"] = Value::Null;
    }
    assert_eq!(helm, istioctl);
}

#[test]
fn istio_plugin_config_loads() {
    let doc = yaml("envoy/istio/wasmplugin.yaml");
    // `pluginConfig` reaches the filter as JSON: it must be a valid edge-shield config.
    let json = serde_json::to_vec(&doc["spec"]["pluginConfig"]).unwrap();
    let config = edge_shield::config::load(&json).unwrap_or_else(|e| panic!("pluginConfig: {e}"));
    let names: Vec<&str> = config.rules.iter().map(|r| r.policy.name.as_str()).collect();
    assert_eq!(names, ["admin", "partners", "public"]);
    assert!(config.default.cors.is_some());
    // `cors: false` (not `null`, which `kubectl apply` would delete) turns CORS off.
    assert!(config.rules[0].policy.cors.is_none());
    assert!(config.rules[1].policy.cors.is_some());
    let (ok, out) = validate_plugin(&String::from_utf8(json).unwrap());
    assert!(ok, "{out}");
}

/// With a CUSTOM AuthorizationPolicy no WasmPlugin phase is first, so custom-authz.yaml
/// inserts the filter with an EnvoyFilter: first in the chain, the same policy, the same
/// image and pin, the plugin named like the WasmPlugin (same metric names), and an Envoy
/// filter config that Envoy accepts once Istio's agent has put the module in place.
#[test]
fn istio_custom_authz_variant_inserts_the_same_filter_first() {
    let doc = yaml("envoy/istio/custom-authz.yaml");
    assert_eq!(doc["apiVersion"], "networking.istio.io/v1alpha3");
    assert_eq!(doc["kind"], "EnvoyFilter");
    let plugin = yaml("envoy/istio/wasmplugin.yaml");
    assert_eq!(doc["metadata"]["namespace"], plugin["metadata"]["namespace"]);
    assert_eq!(
        doc["spec"]["workloadSelector"]["labels"],
        plugin["spec"]["selector"]["matchLabels"]
    );
    let plugin_name = format!(
        "{}.{}",
        plugin["metadata"]["namespace"].as_str().unwrap(),
        plugin["metadata"]["name"].as_str().unwrap()
    );

    let patches = doc["spec"]["configPatches"].as_array().expect("configPatches");
    let ext = patches
        .iter()
        .find(|p| p["applyTo"] == "EXTENSION_CONFIG")
        .expect("EXTENSION_CONFIG patch");
    let filter = patches
        .iter()
        .find(|p| p["applyTo"] == "HTTP_FILTER")
        .expect("HTTP_FILTER patch");
    assert_eq!(ext["patch"]["operation"], "ADD");
    assert_eq!(filter["patch"]["operation"], "INSERT_FIRST");
    assert_eq!(filter["match"]["context"], "GATEWAY");
    assert_eq!(
        filter["match"]["listener"]["filterChain"]["filter"]["name"],
        "envoy.filters.network.http_connection_manager"
    );
    let discovery = &filter["patch"]["value"]["config_discovery"];
    assert_eq!(
        filter["patch"]["value"]["name"], ext["patch"]["value"]["name"],
        "ECDS names the filter"
    );
    assert_eq!(ext["patch"]["value"]["name"], plugin_name.as_str());
    assert_eq!(
        discovery["type_urls"],
        serde_json::json!(["type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"])
    );
    assert!(discovery["config_source"]["ads"].is_object());

    let typed = &ext["patch"]["value"]["typed_config"];
    assert_eq!(
        typed["@type"],
        "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"
    );
    let config = &typed["config"];
    assert_eq!(
        config["name"],
        plugin_name.as_str(),
        "the metric label of the WasmPlugin"
    );
    assert_eq!(config["failure_policy"], "FAIL_RELOAD");
    let remote = &config["vm_config"]["code"]["remote"];
    assert_eq!(remote["http_uri"]["uri"], plugin["spec"]["url"]);
    assert_eq!(remote["sha256"], plugin["spec"]["sha256"]);
    let policy: Value = serde_json::from_str(config["configuration"]["value"].as_str().unwrap()).unwrap();
    assert_eq!(
        policy, plugin["spec"]["pluginConfig"],
        "the same policy as wasmplugin.yaml"
    );

    // What Envoy receives after the agent's fetch: the same config with a local module.
    let mut local = typed.clone();
    local["config"]["vm_config"]["code"] = serde_json::json!({ "local": { "filename": "{{WASM}}" } });
    let template = DEFAULT_TEMPLATE.replacen(
        &DEFAULT_TEMPLATE[DEFAULT_TEMPLATE.find("          - name: edge-shield").unwrap()
            ..DEFAULT_TEMPLATE
                .find("          - name: envoy.filters.http.router")
                .unwrap()],
        &format!(
            "          - name: {plugin_name}\n            typed_config: {}\n",
            serde_json::to_string(&local).unwrap()
        ),
        1,
    );
    let envoy = Envoy::start_with(&template, "");
    let r = get("/").origin("https://app.example.com").send(&envoy);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(envoy.counter_of("istio-ingress_edge-shield", "default", "requests"), 1);
}

/// The checker is not vacuous: typical mistakes are reported.
#[test]
fn istio_schema_check_catches_mistakes() {
    let good = yaml("envoy/istio/wasmplugin.yaml");
    let cases: &[(&str, Value, &str)] = &[
        ("failStrategy", "FAIL_CLOSED".into(), "spec.failStrategy"),
        ("phase", "AUTHENTICATION".into(), "spec.phase"),
        ("priority", "10".into(), "spec.priority"),
        ("pluginconfig", serde_json::json!({}), "unknown field `pluginconfig`"),
        ("pluginConfig", serde_json::json!("{}"), "spec.pluginConfig"),
        (
            "match",
            serde_json::json!([{"mode": "CLIENT", "port": 80}]),
            "unknown field `port`",
        ),
        ("url", "s3://bucket/edge_shield.wasm".into(), "spec.url"),
        (
            "targetRefs",
            serde_json::json!([{"kind": "Gateway", "name": "gw"}]),
            "only one of",
        ),
    ];
    for (field, value, want) in cases {
        let mut doc = good.clone();
        doc["spec"][*field] = value.clone();
        let errors = wasm_plugin_errors(&doc);
        assert!(errors.iter().any(|e| e.contains(want)), "{field}: {errors:?}");
    }
}

/// Every shipped Envoy bootstrap carries the `stats_tags` that give the counters their
/// Prometheus labels, the same as envoy/observability/envoy.yaml, whose labels the
/// observability tests scrape from a real Envoy (with either artifact). The native
/// module's counters start with `dynamicmodulescustom.` instead of `wasmcustom.`, and its
/// configs turn on Envoy's runtime key that gives them the same Prometheus names
/// (docs/native.md, "Differences from the Wasm build").
#[test]
fn every_shipped_envoy_config_labels_the_counters() {
    let reference = &yaml("envoy/observability/envoy.yaml")["stats_config"]["stats_tags"];
    assert!(reference.as_array().is_some_and(|t| t.len() == 2), "{reference:?}");
    let native_reference: Value =
        serde_json::from_str(&reference.to_string().replace("wasmcustom", "dynamicmodulescustom")).unwrap();
    for path in envoy_configs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_norway::from_str(&text).unwrap();
        if text.contains("DynamicModuleFilter") {
            assert_eq!(
                doc["stats_config"]["stats_tags"],
                native_reference,
                "{}",
                path.display()
            );
            let strips = doc["layered_runtime"]["layers"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| {
                    l["static_layer"]["envoy.reloadable_features.dynamic_modules_strip_custom_stat_prefix"] == true
                });
            assert!(
                strips,
                "{}: no dynamic_modules_strip_custom_stat_prefix",
                path.display()
            );
            continue;
        }
        assert_eq!(&doc["stats_config"]["stats_tags"], reference, "{}", path.display());
    }
}
