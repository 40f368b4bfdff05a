//! The floor of any Proxy-Wasm filter, for `make bench`. With an empty plugin
//! configuration it lets every request and response through untouched: Envoy still
//! creates a context per stream and calls into V8 at each stage, so its cost over no
//! filter is what any Wasm filter pays. With the configuration `read-headers` it also
//! fetches the request and response header maps once each, as edge-shield's glue does,
//! to show what crossing the ABI with the headers costs. Built for wasm32-wasip1.

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType};

#[derive(Default)]
struct Root {
    read_headers: bool,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        self.read_headers = self.get_plugin_configuration().as_deref() == Some(b"read-headers");
        true
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Stream {
            read_headers: self.read_headers,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Stream {
    read_headers: bool,
}

impl Context for Stream {}

impl HttpContext for Stream {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if self.read_headers {
            std::hint::black_box(self.get_http_request_headers_bytes());
        }
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if self.read_headers {
            std::hint::black_box(self.get_http_response_headers_bytes());
        }
        Action::Continue
    }
}

proxy_wasm::main! {{
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root::default()) });
}}
