//! The floor of any Proxy-Wasm filter, for `make bench`, and the price list of host calls.
//!
//! With an empty plugin configuration it lets every request and response through
//! untouched: Envoy still creates a context per stream and calls into V8 at each stage,
//! so its cost over no filter is what any Wasm filter pays. The configuration is a
//! comma-separated list of host calls to make on every request, so that the benchmark
//! can price each one as the difference to the empty filter:
//!
//! | step | phase | host call |
//! |---|---|---|
//! | `request-map` | request | fetch the whole request header map |
//! | `request-header=NAME` | request | `get_http_request_header(NAME)` |
//! | `local-reply=N` | request | `send_http_response(204)` carrying N headers |
//! | `property=A.B` | request | `get_property(["A", "B"])` |
//! | `counter=N` | request | `increment_metric` on N counters (defined at configure) |
//! | `set-property=N` | request | `set_property` of N filter-state keys (short values) |
//! | `response-map` | response | fetch the whole response header map |
//! | `response-header=NAME` | response | `get_http_response_header(NAME)` |
//! | `add=N` | response | N × `add_http_response_header` (distinct names) |
//! | `remove=NAME` | response | `remove_http_response_header(NAME)` (present or absent) |
//! | `replace=NAME:VALUE` | response | `set_http_response_header(NAME, VALUE)` |
//! | `set-map=N` | response | fetch the map, then replace it whole with N more headers |
//!
//! Unknown steps are refused at configure time. Built for wasm32-wasip1.

use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, MetricType};
use std::hint::black_box;
use std::rc::Rc;

/// A typical security-header value length (`cross-origin-opener-policy: same-origin`).
const VALUE: &str = "same-origin";

enum Step {
    RequestMap,
    RequestHeader(String),
    LocalReply(Vec<(String, String)>),
    Property(Vec<String>),
    Counters(Vec<u32>),
    SetProperty(Vec<String>),
    ResponseMap,
    ResponseHeader(String),
    Add(Vec<String>),
    Remove(String),
    Replace(String, String),
    SetMap(Vec<(String, String)>),
}

fn numbered(prefix: &str, n: &str) -> Option<Vec<String>> {
    let n: usize = n.parse().ok()?;
    Some((0..n).map(|i| format!("{prefix}-{i}")).collect())
}

fn with_values(names: Vec<String>) -> Vec<(String, String)> {
    names.into_iter().map(|n| (n, VALUE.to_string())).collect()
}

fn parse(config: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for item in config.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (key, arg) = item.split_once('=').unwrap_or((item, ""));
        steps.push(match key {
            "request-map" => Step::RequestMap,
            "request-header" => Step::RequestHeader(arg.to_string()),
            "local-reply" => Step::LocalReply(with_values(numbered("x-bench-local", arg)?)),
            "property" => Step::Property(arg.split('.').map(str::to_string).collect()),
            "counter" => Step::Counters(
                numbered("noop_bench_counter", arg)?
                    .iter()
                    .map(|name| hostcalls::define_metric(MetricType::Counter, name).ok())
                    .collect::<Option<_>>()?,
            ),
            "set-property" => Step::SetProperty(numbered("noop_bench.key", arg)?),
            "response-map" => Step::ResponseMap,
            "response-header" => Step::ResponseHeader(arg.to_string()),
            "add" => Step::Add(numbered("x-bench-add", arg)?),
            "remove" => Step::Remove(arg.to_string()),
            "replace" => {
                let (name, value) = arg.split_once(':')?;
                Step::Replace(name.to_string(), value.to_string())
            }
            "set-map" => Step::SetMap(with_values(numbered("x-bench-map", arg)?)),
            _ => return None,
        });
    }
    Some(steps)
}

#[derive(Default)]
struct Root {
    steps: Rc<Vec<Step>>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let config = self.get_plugin_configuration().unwrap_or_default();
        match parse(&String::from_utf8_lossy(&config)) {
            Some(steps) => {
                self.steps = Rc::new(steps);
                true
            }
            None => false,
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Stream {
            steps: self.steps.clone(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Stream {
    steps: Rc<Vec<Step>>,
}

impl Context for Stream {}

impl HttpContext for Stream {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let mut action = Action::Continue;
        for step in self.steps.iter() {
            match step {
                Step::RequestMap => {
                    black_box(self.get_http_request_headers_bytes());
                }
                Step::RequestHeader(name) => {
                    black_box(self.get_http_request_header_bytes(name));
                }
                Step::Property(path) => {
                    black_box(self.get_property(path.iter().map(String::as_str).collect()));
                }
                Step::Counters(ids) => {
                    for id in ids {
                        black_box(hostcalls::increment_metric(*id, 1).is_ok());
                    }
                }
                Step::SetProperty(keys) => {
                    for key in keys {
                        self.set_property(vec![key.as_str()], Some(VALUE.as_bytes()));
                    }
                }
                Step::LocalReply(headers) => {
                    let headers = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                    self.send_http_response(204, headers, None);
                    action = Action::Pause;
                }
                _ => {}
            }
        }
        action
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        for step in self.steps.iter() {
            match step {
                Step::ResponseMap => {
                    black_box(self.get_http_response_headers_bytes());
                }
                Step::ResponseHeader(name) => {
                    black_box(self.get_http_response_header_bytes(name));
                }
                Step::Add(names) => {
                    for name in names {
                        self.add_http_response_header(name, VALUE);
                    }
                }
                Step::Remove(name) => self.remove_http_response_header(name),
                Step::Replace(name, value) => self.set_http_response_header(name, Some(value)),
                Step::SetMap(extra) => {
                    let map = self.get_http_response_headers_bytes();
                    let mut all: Vec<(&str, &[u8])> = map.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
                    all.extend(extra.iter().map(|(n, v)| (n.as_str(), v.as_bytes())));
                    self.set_http_response_headers_bytes(all);
                }
                _ => {}
            }
        }
        Action::Continue
    }
}

proxy_wasm::main! {{
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root::default()) });
}}
