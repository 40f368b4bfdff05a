//! Which artifact the suites load: the `.wasm` (default) or, with
//! `EDGE_SHIELD_HOST=native`, the Envoy dynamic module (`make native`). The tests are
//! the same; under `native` every Wasm filter of a rendered Envoy config (in any
//! template) is rewritten into its dynamic-module equivalent (docs/native.md).

use std::path::PathBuf;

const WASM_FILTER: &str = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const NATIVE_FILTER: &str = "type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter";

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
/// the native module, the
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
