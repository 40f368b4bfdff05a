//! The `native` build (an Envoy dynamic module): bind every Envoy callback when the
//! library is loaded (`-z now`), so an Envoy that lacks one refuses to load it with
//! "undefined symbol: envoy_dynamic_module_callback_..." rather than aborting on the
//! first request that needs it (docs/native.md).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let native = std::env::var_os("CARGO_FEATURE_NATIVE").is_some();
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if native && linux {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,now");
    }
}
