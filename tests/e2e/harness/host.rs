//! Which artifact the suites load: the `.wasm` (default) or, with
//! `EDGE_SHIELD_HOST=native`, the Envoy dynamic module (`make native`). The tests are
//! the same; under `native` every Wasm filter of a rendered Envoy config (in any
//! template) is rewritten into its dynamic-module equivalent (docs/native.md).

use std::path::PathBuf;

const WASM_FILTER: &str = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const NATIVE_FILTER: &str = "type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter";
const WASM_FILTER_STATE: &str = "%FILTER_STATE(wasm.edge_shield.";
const NATIVE_FILTER_STATE: &str = "%FILTER_STATE(edge_shield.";

pub fn native() -> bool {
    match std::env::var("EDGE_SHIELD_HOST").as_deref() {
        Ok("native") => true,
        Ok("wasm") | Err(_) => false,
        Ok(other) => panic!("EDGE_SHIELD_HOST={other:?}: use \"wasm\" or \"native\""),
    }
}

/// The directory holding `libedge_shield.so` (Envoy's ENVOY_DYNAMIC_MODULES_SEARCH_PATH).
pub fn native_dir() -> PathBuf {
    let dir = match std::env::var_os("EDGE_SHIELD_NATIVE_DIR") {
        Some(p) => PathBuf::from(p),
        None => super::paths::repo().join("target/native"),
    };
    if native() {
        assert!(
            native_runs_here(),
            "EDGE_SHIELD_HOST=native on Envoy 1.{}: the native module refuses it (docs/native.md, Versions)",
            envoy_minor()
        );
        assert!(
            dir.join("libedge_shield.so").exists(),
            "{}/libedge_shield.so is missing: run `make native` first",
            dir.display()
        );
    }
    dir
}

/// The prefix Envoy gives our counters.
pub fn counter_prefix() -> &'static str {
    if native() {
        "dynamicmodulescustom."
    } else {
        "wasmcustom."
    }
}

/// A rendered Envoy config (or xDS resource file) with each Wasm filter replaced by
/// the native module (and access-log fields reading its filter state renamed), the
/// Wasm `config.name` becoming `filter_name` and `configuration` `filter_config`
/// (JSON is YAML, so Envoy reads the result as it reads the templates).
pub fn to_native(yaml: &str) -> String {
    if !yaml.contains(WASM_FILTER) {
        return yaml.to_string();
    }
    let mut config: serde_json::Value = serde_norway::from_str(yaml).expect("rendered Envoy config is YAML");
    rewrite(&mut config);
    serde_json::to_string_pretty(&config).expect("json")
}

fn rewrite(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            if map.get("@type").and_then(|t| t.as_str()) == Some(WASM_FILTER) {
                let wasm = &map["config"];
                let mut native = serde_json::json!({
                    "@type": NATIVE_FILTER,
                    "dynamic_module_config": { "name": "edge_shield" },
                    "filter_name": wasm["name"].clone(),
                });
                if let Some(c) = wasm.get("configuration") {
                    native["filter_config"] = c.clone();
                }
                *v = native;
                return;
            }
            map.values_mut().for_each(rewrite);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(rewrite),
        // e.g. the type_urls an ECDS subscription accepts
        serde_json::Value::String(s) if s == WASM_FILTER => *s = NATIVE_FILTER.to_string(),
        // An access-log field: the native module's filter-state keys have no `wasm.`
        // prefix (docs/observability.md, "The decision in the access log").
        serde_json::Value::String(s) if s.contains(WASM_FILTER_STATE) => {
            *s = s.replace(WASM_FILTER_STATE, NATIVE_FILTER_STATE)
        }
        _ => {}
    }
}

/// The Envoy log component our lines appear under.
pub fn log_component() -> &'static str {
    if native() {
        "dynamic_modules"
    } else {
        "wasm"
    }
}

/// The minor release of the Envoy under test (`envoy --version`: `.../1.40.0/Clean/...`).
pub fn envoy_minor() -> u32 {
    static MINOR: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MINOR.get_or_init(|| {
        let out = std::process::Command::new(super::paths::envoy_bin())
            .arg("--version")
            .output()
            .expect("envoy --version");
        let text = String::from_utf8_lossy(&out.stdout);
        text.split('/')
            .find_map(|part| part.strip_prefix("1.")?.split('.').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no version in `envoy --version`: {text}"))
    })
}

/// Whether the native module runs on the Envoy under test (docs/native.md, "Versions":
/// 1.39 and 1.40, and later ones by Envoy's promise); on older ones it must refuse with
/// its message, which the tests check instead.
pub fn native_runs_here() -> bool {
    envoy_minor() >= 39
}

/// The first line of the module's refusal on an Envoy it does not run on.
pub const NATIVE_REFUSAL: &str = "this edge-shield native module runs on Envoy 1.39 and 1.40";
