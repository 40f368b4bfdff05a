//! The floor of any Proxy-Wasm filter, for `make bench`: a filter that lets every
//! request and response through untouched. Envoy still creates a context per stream
//! and calls into the VM at each stage, so its cost over no filter is what V8 and the
//! ABI charge before edge-shield does any work; edge-shield's own cost is the rest.
//! Built for wasm32-wasip1 by `make bench`.

use proxy_wasm::traits::{Context, HttpContext};

struct Noop;

impl Context for Noop {}
impl HttpContext for Noop {}

proxy_wasm::main! {{
    proxy_wasm::set_http_context(|_, _| -> Box<dyn HttpContext> { Box::new(Noop) });
}}
