//! What a release ships: the OCI image of the module (`make dist`), pushed to a real
//! registry on loopback and pulled back, and the Envoy Gateway manifests, checked against
//! Envoy Gateway's API. Needs Debian's `skopeo` and `docker-registry` (`make dist-deps`).

use crate::deploy::{cargo_version, check_resource, is_sha256_hex, read, Ty, Ty::*};
use crate::harness::*;
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- the module's exports

/// The names a module exports (its export section), read from the bytes.
fn wasm_exports(bytes: &[u8]) -> Vec<String> {
    fn leb(b: &[u8], i: &mut usize) -> usize {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let x = b[*i];
            *i += 1;
            v |= usize::from(x & 0x7f) << shift;
            shift += 7;
            if x < 0x80 {
                return v;
            }
        }
    }
    assert_eq!(&bytes[..4], b"\0asm", "not a wasm module");
    let mut i = 8;
    while i < bytes.len() {
        let id = bytes[i];
        i += 1;
        let size = leb(bytes, &mut i);
        let end = i + size;
        if id == 7 {
            let mut names = Vec::new();
            for _ in 0..leb(bytes, &mut i) {
                let len = leb(bytes, &mut i);
                names.push(String::from_utf8(bytes[i..i + len].to_vec()).unwrap());
                i += len + 1; // the name, then its kind
                leb(bytes, &mut i); // and its index
            }
            return names;
        }
        i = end;
    }
    Vec::new()
}

#[test]
fn the_module_exports_only_the_hooks_it_implements() {
    // What `make build` leaves of the SDK's exports: the list in src/host/exports (whose
    // agreement with src/host/mod.rs a unit test checks), nothing the SDK adds by default.
    let mut exported = wasm_exports(&std::fs::read(wasm_path()).unwrap());
    exported.sort();
    let mut listed: Vec<String> = read("src/host/exports")
        .lines()
        .map(|l| l.split('#').next().unwrap().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    listed.sort();
    assert_eq!(exported, listed);
    for default_hook in [
        "proxy_on_log",
        "proxy_on_done",
        "proxy_on_response_body",
        "proxy_on_grpc_receive",
    ] {
        assert!(
            !exported.iter().any(|e| e == default_hook),
            "{default_hook} is exported"
        );
    }
}

// ---------------------------------------------------------------- the OCI image

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edge-shield-ship-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (`make dist-deps` installs skopeo and docker-registry)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sha256_file(path: &Path) -> String {
    let out = run(Command::new("sha256sum").arg(path));
    format!("sha256:{}", out.split_whitespace().next().unwrap())
}

/// The archive `make dist` writes, built by the same script from the module under test.
fn build_archive(out: &Path) -> String {
    run(Command::new("python3")
        .arg(repo().join("tools/wasm_oci.py"))
        .arg("--wasm")
        .arg(wasm_path())
        .args(["--version", &cargo_version(), "--out"])
        .arg(out))
    .trim()
    .to_string()
}

/// Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1, storing in
/// a scratch directory; killed on drop.
struct Registry {
    child: Child,
    port: u16,
}

impl Registry {
    fn start(dir: &Path) -> Registry {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = dir.join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog: {{ level: error }}\nstorage: {{ filesystem: {{ rootdirectory: {} }} }}\nhttp: {{ addr: 127.0.0.1:{port} }}\n",
                dir.join("storage").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("docker-registry: {e} (run `make dist-deps`)"));
        let registry = Registry { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while get("/v2/").try_send_to(port).ok().map(|r| r.status) != Some(200) {
            assert!(Instant::now() < deadline, "the registry did not come up on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn oci_archive_is_reproducible() {
    let dir = scratch("repro");
    let (a, b) = (dir.join("a.tar"), dir.join("b.tar"));
    let digest_a = build_archive(&a);
    let digest_b = build_archive(&b);
    assert_eq!(digest_a, digest_b);
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same module, same bytes"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The image as Istio and Envoy Gateway get it: pushed with skopeo to a real registry,
/// pulled back; the registry's digest is the one `make dist` records, the manifest is an
/// OCI image manifest with one tar+gzip layer (the "compat" form) whose only file is
/// `plugin.wasm`, byte-identical to the module.
#[test]
fn oci_image_round_trips_through_a_registry() {
    let dir = scratch("registry");
    let archive = dir.join("edge-shield.oci.tar");
    let digest = build_archive(&archive);
    let registry = Registry::start(&dir);
    let version = cargo_version();
    let reference = format!("docker://127.0.0.1:{}/edge-shield:{version}", registry.port);

    run(Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-tls-verify=false"])
        .arg(format!("oci-archive:{}:{version}", archive.display()))
        .arg(&reference));
    let inspect: Value = serde_json::from_str(&run(Command::new("skopeo").args([
        "inspect",
        "--tls-verify=false",
        &reference,
    ])))
    .unwrap();
    assert_eq!(
        inspect["Digest"],
        digest.as_str(),
        "the registry's digest is the one we pin"
    );

    let pulled = dir.join("pulled");
    run(Command::new("skopeo")
        .args(["copy", "--quiet", "--src-tls-verify=false", &reference])
        .arg(format!("dir:{}", pulled.display())));
    // The `dir:` transport keeps the manifest as served and names blobs by hex digest.
    assert_eq!(sha256_file(&pulled.join("manifest.json")), digest);
    let manifest: Value = serde_json::from_slice(&std::fs::read(pulled.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "compat: a single layer");
    assert_eq!(layers[0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
    let layer_digest = layers[0]["digest"].as_str().unwrap();
    let layer = pulled.join(layer_digest.strip_prefix("sha256:").unwrap());
    assert_eq!(sha256_file(&layer), layer_digest);

    let listing = run(Command::new("tar").arg("-tzf").arg(&layer));
    assert_eq!(listing.lines().collect::<Vec<_>>(), ["plugin.wasm"]);
    let unpacked = dir.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    run(Command::new("tar").arg("-xzf").arg(&layer).arg("-C").arg(&unpacked));
    assert_eq!(
        std::fs::read(unpacked.join("plugin.wasm")).unwrap(),
        std::fs::read(wasm_path()).unwrap(),
        "plugin.wasm is the module"
    );
    drop(registry);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- Envoy Gateway

// The field names and types of Envoy Gateway's API as of release v1.7 (the generated API
// reference of gateway.envoyproxy.io/v1alpha1, which the published CRDs are generated
// from), and of Gateway API v1 for the Gateway and HTTPRoute fields used here. Only what
// the shipped manifests can touch is spelled out; other parts are `Any`.

const TARGET_REF: Ty = Msg(&[("group", Str), ("kind", Str), ("name", Str), ("sectionName", Str)]);
const SECRET_REF: Ty = Msg(&[("group", Str), ("kind", Str), ("name", Str), ("namespace", Str)]);
const WASM_CODE_SOURCE: Ty = Msg(&[
    ("type", Enum(&["HTTP", "Image"])),
    ("http", Msg(&[("url", Str), ("sha256", Str)])),
    (
        "image",
        Msg(&[("url", Str), ("sha256", Str), ("pullSecretRef", SECRET_REF)]),
    ),
    ("pullPolicy", Enum(&["IfNotPresent", "Always"])),
]);
const WASM: Ty = Msg(&[
    ("name", Str),
    ("rootID", Str),
    ("code", WASM_CODE_SOURCE),
    // `apiextensions.JSON`: any value; passed to the filter as a JSON string.
    ("config", Any),
    ("failOpen", Bool),
    ("env", Msg(&[("hostKeys", List(&Str))])),
]);
const ENVOY_EXTENSION_POLICY_SPEC: Ty = Msg(&[
    ("targetRef", TARGET_REF),
    ("targetRefs", List(&TARGET_REF)),
    ("targetSelectors", List(&Any)),
    ("wasm", List(&WASM)),
    ("extProc", List(&Any)),
    ("lua", List(&Any)),
]);
/// `EnvoyFilter`: the filter types `filterOrder` may name, in Envoy Gateway's default
/// order (the order the filters run in when `filterOrder` is empty).
const DEFAULT_FILTER_ORDER: &[&str] = &[
    "envoy.filters.http.custom_response",
    "envoy.filters.http.health_check",
    "envoy.filters.http.fault",
    "envoy.filters.http.cors",
    "envoy.filters.http.header_mutation",
    "envoy.filters.http.ext_authz",
    "envoy.filters.http.api_key_auth",
    "envoy.filters.http.basic_auth",
    "envoy.filters.http.oauth2",
    "envoy.filters.http.jwt_authn",
    "envoy.filters.http.stateful_session",
    "envoy.filters.http.buffer",
    "envoy.filters.http.lua",
    "envoy.filters.http.ext_proc",
    "envoy.filters.http.wasm",
    "envoy.filters.http.rbac",
    "envoy.filters.http.local_ratelimit",
    "envoy.filters.http.ratelimit",
    "envoy.filters.http.grpc_web",
    "envoy.filters.http.grpc_stats",
    "envoy.filters.http.credential_injector",
    "envoy.filters.http.compressor",
    "envoy.filters.http.dynamic_forward_proxy",
    "envoy.filters.http.router",
];
const FILTER_POSITION: Ty = Msg(&[
    ("name", Enum(DEFAULT_FILTER_ORDER)),
    ("before", Enum(DEFAULT_FILTER_ORDER)),
    ("after", Enum(DEFAULT_FILTER_ORDER)),
]);
const ENVOY_PROXY_SPEC: Ty = Msg(&[
    ("provider", Any),
    ("logging", Any),
    ("telemetry", Any),
    ("bootstrap", Any),
    ("concurrency", I32),
    ("routingType", Enum(&["Service", "Endpoint"])),
    ("extraArgs", List(&Str)),
    ("mergeGateways", Bool),
    ("shutdown", Any),
    ("filterOrder", List(&FILTER_POSITION)),
    ("backendTLS", Any),
    ("ipFamily", Enum(&["IPv4", "IPv6", "DualStack"])),
    ("preserveRouteOrder", Bool),
    ("luaValidation", Any),
]);
const PARAMETERS_REF: Ty = Msg(&[("group", Str), ("kind", Str), ("name", Str)]);
const GATEWAY_SPEC: Ty = Msg(&[
    ("gatewayClassName", Str),
    (
        "listeners",
        List(&Msg(&[
            ("name", Str),
            ("hostname", Str),
            ("port", I32),
            ("protocol", Str),
            ("tls", Any),
            ("allowedRoutes", Any),
        ])),
    ),
    ("addresses", List(&Any)),
    (
        "infrastructure",
        Msg(&[
            ("labels", StrMap),
            ("annotations", StrMap),
            ("parametersRef", PARAMETERS_REF),
        ]),
    ),
]);
const PARENT_REF: Ty = Msg(&[
    ("group", Str),
    ("kind", Str),
    ("namespace", Str),
    ("name", Str),
    ("sectionName", Str),
    ("port", I32),
]);
const HTTP_ROUTE_SPEC: Ty = Msg(&[
    ("parentRefs", List(&PARENT_REF)),
    ("hostnames", List(&Str)),
    (
        "rules",
        List(&Msg(&[
            ("name", Str),
            ("matches", List(&Any)),
            ("filters", List(&Any)),
            (
                "backendRefs",
                List(&Msg(&[
                    ("group", Str),
                    ("kind", Str),
                    ("name", Str),
                    ("namespace", Str),
                    ("port", I32),
                    ("weight", I32),
                    ("filters", List(&Any)),
                ])),
            ),
            ("timeouts", Any),
            ("retry", Any),
            ("sessionPersistence", Any),
        ])),
    ),
]);

/// Every document of a multi-document YAML file.
fn documents(rel: &str) -> Vec<Value> {
    documents_of(&read(rel))
}

fn documents_of(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_norway::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{e}\n{text}")))
        .collect()
}

/// A manifest's errors against the fields above and the CRDs' validation rules.
fn gateway_errors(doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let (api, kind) = (
        doc["apiVersion"].as_str().unwrap_or(""),
        doc["kind"].as_str().unwrap_or(""),
    );
    let spec_type = match (api, kind) {
        ("gateway.envoyproxy.io/v1alpha1", "EnvoyExtensionPolicy") => &ENVOY_EXTENSION_POLICY_SPEC,
        ("gateway.envoyproxy.io/v1alpha1", "EnvoyProxy") => &ENVOY_PROXY_SPEC,
        ("gateway.networking.k8s.io/v1", "Gateway") => &GATEWAY_SPEC,
        ("gateway.networking.k8s.io/v1", "HTTPRoute") => &HTTP_ROUTE_SPEC,
        _ => return vec![format!("unexpected kind {api} {kind}")],
    };
    check_resource(doc, spec_type, &mut errors);
    let spec = &doc["spec"];
    if kind == "EnvoyExtensionPolicy" {
        let refs: Vec<&Value> = spec["targetRefs"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        if refs.is_empty() && spec["targetRef"].is_null() && spec["targetSelectors"].is_null() {
            errors.push("spec: one of targetRef, targetRefs or targetSelectors is required".into());
        }
        for r in refs {
            if r["group"] != "gateway.networking.k8s.io" {
                errors.push(format!("spec.targetRefs: group must be gateway.networking.k8s.io: {r}"));
            }
            let kinds = ["Gateway", "HTTPRoute", "GRPCRoute", "UDPRoute", "TCPRoute", "TLSRoute"];
            if !r["kind"].as_str().is_some_and(|k| kinds.contains(&k)) {
                errors.push(format!("spec.targetRefs: kind must be one of {kinds:?}: {r}"));
            }
        }
        for (i, w) in spec["wasm"].as_array().into_iter().flatten().enumerate() {
            let code = &w["code"];
            for (ty, field) in [("HTTP", "http"), ("Image", "image")] {
                let set = !code[field].is_null();
                if (code["type"] == ty) != set {
                    errors.push(format!(
                        "spec.wasm[{i}].code: type {ty} if and only if `{field}` is set"
                    ));
                }
            }
            for field in ["http", "image"] {
                let sha = &code[field]["sha256"];
                if !sha.is_null() && !is_sha256_hex(sha) {
                    errors.push(format!(
                        "spec.wasm[{i}].code.{field}.sha256: {sha} is not 64 hex digits"
                    ));
                }
            }
        }
    }
    if kind == "EnvoyProxy" {
        for (i, p) in spec["filterOrder"].as_array().into_iter().flatten().enumerate() {
            if p["before"].is_null() == p["after"].is_null() {
                errors.push(format!("spec.filterOrder[{i}]: exactly one of before or after"));
            }
            if p["name"] == "envoy.filters.http.router" {
                errors.push(format!("spec.filterOrder[{i}]: the router cannot be reordered"));
            }
        }
    }
    errors
}

const GATEWAY_FILES: [&str; 4] = [
    "envoy/gateway/gateway.yaml",
    "envoy/gateway/extension-policy.yaml",
    "envoy/gateway/extension-policy-http.yaml",
    "envoy/gateway/per-route.yaml",
];

fn all_gateway_documents() -> Vec<(&'static str, Value)> {
    GATEWAY_FILES
        .iter()
        .flat_map(|f| documents(f).into_iter().map(move |d| (*f, d)))
        .collect()
}

fn find<'a>(docs: &'a [(&str, Value)], kind: &str, name: &str) -> Option<&'a Value> {
    docs.iter()
        .map(|(_, d)| d)
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
}

#[test]
fn envoy_gateway_manifests_match_the_api_and_refer_to_each_other() {
    let docs = all_gateway_documents();
    assert!(docs.len() >= 7, "{} documents", docs.len());
    for (file, doc) in &docs {
        let errors = gateway_errors(doc);
        assert!(
            errors.is_empty(),
            "{file} {} {}: {errors:#?}",
            doc["kind"],
            doc["metadata"]["name"]
        );
        assert_eq!(doc["metadata"]["namespace"], "default", "{file}: one namespace for all");
    }
    // The Gateway runs on the EnvoyProxy that orders the filters.
    let gateway = find(&docs, "Gateway", "edge").expect("Gateway edge");
    let params = &gateway["spec"]["infrastructure"]["parametersRef"];
    assert_eq!(params["group"], "gateway.envoyproxy.io");
    assert_eq!(params["kind"], "EnvoyProxy");
    assert!(find(&docs, "EnvoyProxy", params["name"].as_str().unwrap()).is_some());
    for route in docs.iter().map(|(_, d)| d).filter(|d| d["kind"] == "HTTPRoute") {
        assert_eq!(route["spec"]["parentRefs"][0]["name"], "edge");
    }

    let version = cargo_version();
    let mut plugin_names = Vec::new();
    for (file, policy) in docs.iter().filter(|(_, d)| d["kind"] == "EnvoyExtensionPolicy") {
        for r in policy["spec"]["targetRefs"].as_array().unwrap() {
            assert!(
                find(&docs, r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()).is_some(),
                "{file}: {r}"
            );
        }
        let wasm = policy["spec"]["wasm"].as_array().unwrap();
        assert_eq!(wasm.len(), 1, "{file}");
        let w = &wasm[0];
        // No FAIL_RELOAD in Envoy Gateway: fail closed, never silently without the filter.
        assert_eq!(w["failOpen"], false, "{file}");
        let code = &w["code"];
        match code["type"].as_str().unwrap() {
            "Image" => {
                assert_eq!(
                    code["image"]["url"].as_str(),
                    Some(format!("registry.example.com/edge-shield:{version}").as_str()),
                    "{file}: `make publish` rewrites exactly this reference"
                );
                assert!(is_sha256_hex(&code["image"]["sha256"]), "{file}: pinned");
            }
            "HTTP" => {
                assert!(code["http"]["url"].as_str().unwrap().starts_with("https://"), "{file}");
                assert!(
                    code["http"]["url"].as_str().unwrap().contains(&format!("/{version}/")),
                    "{file}"
                );
                assert!(is_sha256_hex(&code["http"]["sha256"]), "{file}: pinned");
            }
            other => panic!("{file}: code type {other}"),
        }
        // `config` reaches the filter as a JSON string: a valid policy that Envoy loads.
        let json = serde_json::to_string(&w["config"]).unwrap();
        edge_shield::config::load(json.as_bytes()).unwrap_or_else(|e| panic!("{file}: config: {e}"));
        let (ok, out) = validate_plugin(&json);
        assert!(ok, "{file}: {out}");
        plugin_names.push((
            w["name"].as_str().unwrap().to_string(),
            policy["spec"]["targetRefs"][0]["kind"].clone(),
        ));
    }
    // The Gateway policies (image and HTTP variants) are the same plugin; the per-route
    // one has its own name, so its counters are its own.
    assert!(plugin_names.contains(&("edge-shield".to_string(), "Gateway".into())));
    assert!(plugin_names.contains(&("edge-shield-admin".to_string(), "HTTPRoute".into())));
    let image = documents("envoy/gateway/extension-policy.yaml").remove(0);
    let http = documents("envoy/gateway/extension-policy-http.yaml").remove(0);
    assert_eq!(
        image["spec"]["wasm"][0]["config"], http["spec"]["wasm"][0]["config"],
        "the same policy"
    );
}

/// Envoy Gateway's ordering, as it applies `filterOrder` (v1.7, internal/xds/translator):
/// each entry moves every filter of type `name` before the first filter of type `before`
/// (or after the last of type `after`); an entry whose target is absent does nothing.
fn apply_filter_order(chain: &[&'static str], order: &[Value]) -> Vec<&'static str> {
    let mut chain = chain.to_vec();
    for p in order {
        let name = p["name"].as_str().unwrap();
        let moving: Vec<&str> = chain.iter().copied().filter(|f| f.starts_with(name)).collect();
        if moving.is_empty() {
            continue;
        }
        if let Some(before) = p["before"].as_str() {
            if chain.iter().any(|f| f.starts_with(before)) {
                chain.retain(|f| !f.starts_with(name));
                let at = chain.iter().position(|f| f.starts_with(before)).unwrap();
                chain.splice(at..at, moving);
            }
        } else if let Some(after) = p["after"].as_str() {
            if chain.iter().any(|f| f.starts_with(after)) {
                chain.retain(|f| !f.starts_with(name));
                let at = chain.iter().rposition(|f| f.starts_with(after)).unwrap() + 1;
                chain.splice(at..at, moving);
            }
        }
    }
    chain
}

/// The filters edge-shield must precede: their local replies (denials, aborts, CORS
/// answers) only get the CORS grant and the security headers from a filter placed before
/// them, and a preflight must be answered before authentication asks for credentials.
fn after_edge_shield() -> &'static [&'static str] {
    let at = |name: &str| DEFAULT_FILTER_ORDER.iter().position(|f| *f == name).unwrap();
    // fault, cors, header_mutation, ext_authz, api_key_auth, basic_auth, oauth2, jwt_authn.
    &DEFAULT_FILTER_ORDER[at("envoy.filters.http.fault")..=at("envoy.filters.http.jwt_authn")]
}

#[test]
fn envoy_gateway_filter_order_puts_edge_shield_first_whatever_the_route_has() {
    let proxy = documents("envoy/gateway/gateway.yaml")
        .into_iter()
        .find(|d| d["kind"] == "EnvoyProxy")
        .unwrap();
    let order = proxy["spec"]["filterOrder"].as_array().unwrap().clone();
    // Every combination of the filters edge-shield must precede, with filters that stay
    // ahead of it (custom_response, health_check) and behind it (rbac, ext_proc, router).
    for mask in 0u32..(1 << after_edge_shield().len()) {
        let present: Vec<&str> = DEFAULT_FILTER_ORDER
            .iter()
            .copied()
            .filter(|f| match after_edge_shield().iter().position(|a| a == f) {
                Some(i) => mask & (1 << i) != 0,
                None => true,
            })
            .collect();
        let chain = apply_filter_order(&present, &order);
        let at = |f: &str| chain.iter().position(|x| *x == f).unwrap();
        let wasm = at("envoy.filters.http.wasm");
        for f in after_edge_shield().iter().filter(|f| present.contains(f)) {
            assert!(wasm < at(f), "{f} before edge-shield in {chain:?}");
        }
        assert!(at("envoy.filters.http.health_check") < wasm, "{chain:?}");
        assert_eq!(chain.len(), present.len());
        assert_eq!(chain.last(), Some(&"envoy.filters.http.router"));
    }
    // Not vacuous: a single "before cors" entry leaves it behind ext_authz when a route
    // has no CORS filter, and the default order puts it behind all of them.
    let single = [serde_json::json!({"name": "envoy.filters.http.wasm", "before": "envoy.filters.http.cors"})];
    let no_cors: Vec<&str> = DEFAULT_FILTER_ORDER
        .iter()
        .copied()
        .filter(|f| !f.ends_with(".cors"))
        .collect();
    let chain = apply_filter_order(&no_cors, &single);
    let pos = |c: &[&str], f: &str| c.iter().position(|x| *x == f).unwrap();
    assert!(pos(&chain, "envoy.filters.http.ext_authz") < pos(&chain, "envoy.filters.http.wasm"));
    assert!(
        pos(DEFAULT_FILTER_ORDER, "envoy.filters.http.jwt_authn")
            < pos(DEFAULT_FILTER_ORDER, "envoy.filters.http.wasm")
    );
}

/// The checker is not vacuous: typical mistakes are reported.
#[test]
fn envoy_gateway_schema_check_catches_mistakes() {
    let policy = documents("envoy/gateway/extension-policy.yaml").remove(0);
    let proxy = documents("envoy/gateway/gateway.yaml")
        .into_iter()
        .find(|d| d["kind"] == "EnvoyProxy")
        .unwrap();
    let cases: Vec<(Value, &str, Value, &str)> = vec![
        (
            policy.clone(),
            "/spec/wasm/0/failOpen",
            "false".into(),
            "spec.wasm[0].failOpen",
        ),
        (
            policy.clone(),
            "/spec/wasm/0/code/type",
            "OCI".into(),
            "spec.wasm[0].code.type",
        ),
        (
            policy.clone(),
            "/spec/wasm/0/code/type",
            "HTTP".into(),
            "type HTTP if and only if",
        ),
        (
            policy.clone(),
            "/spec/wasm/0/code/image/sha256",
            "sha256:abc".into(),
            "64 hex",
        ),
        (
            policy.clone(),
            "/spec/wasm/0/failStrategy",
            "FAIL_RELOAD".into(),
            "unknown field `failStrategy`",
        ),
        (
            policy.clone(),
            "/spec/wasm/0/code/image/pullSecret",
            serde_json::json!({"name": "x"}),
            "unknown field `pullSecret`",
        ),
        (
            policy.clone(),
            "/spec/targetRefs/0/kind",
            "Service".into(),
            "kind must be one of",
        ),
        (
            policy.clone(),
            "/spec/targetRefs/0/group",
            "gateway.envoyproxy.io".into(),
            "group must be",
        ),
        (
            proxy.clone(),
            "/spec/filterOrder/0/before",
            "envoy.filters.http.csrf".into(),
            "spec.filterOrder[0].before",
        ),
        (
            proxy.clone(),
            "/spec/filterOrder/0/after",
            "envoy.filters.http.cors".into(),
            "exactly one of",
        ),
        (
            proxy.clone(),
            "/spec/filterOrder/0/name",
            "envoy.filters.http.router".into(),
            "cannot be reordered",
        ),
    ];
    for (mut doc, pointer, value, want) in cases {
        let (parent, field) = pointer.rsplit_once('/').unwrap();
        doc.pointer_mut(parent).unwrap()[field] = value;
        let errors = gateway_errors(&doc);
        assert!(errors.iter().any(|e| e.contains(want)), "{pointer}: {errors:?}");
    }
}

// ---------------------------------------------------------------- make publish's manifests

/// `make dist-manifests` (the last step of `make publish`) on a dist/ directory with known
/// digests: every Istio and Envoy Gateway manifest comes out with the pushed image and
/// the right pin (the image digest, or the module's sha256 for the HTTP download), no
/// placeholder left, and still valid against the APIs.
#[test]
fn published_manifests_carry_the_image_and_its_digests() {
    let dist = scratch("publish");
    let version = cargo_version();
    let digest = build_archive(&dist.join(format!("edge-shield-{version}.oci.tar")));
    std::fs::write(
        dist.join(format!("edge-shield-{version}.oci.digest")),
        format!("{digest}\n"),
    )
    .unwrap();
    let wasm_sha = sha256_file(&wasm_path()).strip_prefix("sha256:").unwrap().to_string();
    std::fs::write(dist.join("SHA256SUMS"), format!("{wasm_sha}  edge_shield.wasm\n")).unwrap();
    let image = "registry.test/team/edge-shield";
    run(Command::new("make")
        .current_dir(repo())
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .args(["-s", "dist-manifests", &format!("IMAGE={image}")])
        .arg(format!("DIST={}", dist.display())));

    let hex = digest.strip_prefix("sha256:").unwrap();
    let reference = format!("{image}:{version}");
    let mut seen = 0;
    for sub in ["istio", "gateway"] {
        for entry in std::fs::read_dir(repo().join("envoy").join(sub)).unwrap() {
            let name = entry.unwrap().file_name();
            let out = dist.join(sub).join(&name);
            let text = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
            assert!(!text.contains(&"0".repeat(64)), "{}: placeholder left", out.display());
            let config: String = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect();
            assert!(
                !config.contains("registry.example.com"),
                "{}: example image left",
                out.display()
            );
            for doc in documents_of(&text) {
                match doc["kind"].as_str().unwrap() {
                    "WasmPlugin" => {
                        assert_eq!(crate::deploy::wasm_plugin_errors(&doc), Vec::<String>::new());
                        assert_eq!(doc["spec"]["url"].as_str(), Some(format!("oci://{reference}").as_str()));
                        assert_eq!(doc["spec"]["sha256"], hex);
                    }
                    "EnvoyFilter" => {
                        let patches = doc["spec"]["configPatches"].as_array().unwrap();
                        let remote =
                            &patches[0]["patch"]["value"]["typed_config"]["config"]["vm_config"]["code"]["remote"];
                        assert_eq!(
                            remote["http_uri"]["uri"].as_str(),
                            Some(format!("oci://{reference}").as_str())
                        );
                        assert_eq!(remote["sha256"], hex);
                    }
                    "EnvoyExtensionPolicy" => {
                        assert_eq!(gateway_errors(&doc), Vec::<String>::new());
                        let code = &doc["spec"]["wasm"][0]["code"];
                        if code["type"] == "Image" {
                            assert_eq!(code["image"]["url"], reference.as_str());
                            assert_eq!(code["image"]["sha256"], hex);
                        } else {
                            assert_eq!(code["http"]["sha256"], wasm_sha.as_str(), "the module's hash");
                        }
                    }
                    _ => assert_eq!(gateway_errors(&doc), Vec::<String>::new()),
                }
                seen += 1;
            }
        }
    }
    assert!(seen >= 10, "{seen} documents");
    let _ = std::fs::remove_dir_all(&dist);
}
