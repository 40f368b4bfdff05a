//! The floor of any Envoy dynamic module, for `make bench`, and the price list of its
//! callbacks: the native counterpart of examples/noop_filter.rs.
//!
//! It declares nothing of its own: it includes edge-shield's ABI bindings
//! (src/host_native/abi.rs) and exports the hooks Envoy requires. With an empty
//! `filter_config` every request and response passes untouched, with no allocation per
//! stream (the per-stream pointer Envoy needs is the configuration's): its cost over
//! no filter is what Envoy's dynamic-module filter costs any module. The configuration
//! is a comma-separated list of callbacks to make on every request, so that the
//! benchmark can price each one as the difference to the empty module:
//!
//! | step | phase | callback |
//! |---|---|---|
//! | `request-map` | request | fetch the whole request header map (size, then the lines) |
//! | `route-config` | request | `get_most_specific_route_config` |
//! | `route-name` | request | the `xds.route_name` attribute |
//! | `metadata` | request | a string of the route's metadata (absent) |
//! | `counter=N` | request | `increment_counter` on N counters (defined at configure) |
//! | `reply=N` | request | answer 204 with N headers, headers only (`send_response_headers`) |
//! | `local-reply=N` | request | answer 204 with N headers by `send_response` (`sendLocalReply`) |
//! | `response-map` | response | fetch the whole response header map |
//! | `add=N` | response | N × `add_header` (distinct names) |
//! | `set=N` | response | N × `set_header` of absent names |
//! | `remove=NAME` | response | `set_header(NAME, null)` (present or absent) |
//! | `replace=NAME:VALUE` | response | `set_header(NAME, VALUE)` |
//!
//! Unknown steps are refused at configure time. Built natively:
//! `cargo build --profile native --example noop_native` (`make bench` does), loaded as
//! `dynamic_module_config: { name: noop_native }` from target/native/examples.

#![allow(dead_code)]

#[path = "../src/host_native/abi.rs"]
mod abi;

use abi::{EnvoyBuffer, FilterConfigEnvoyPtr, FilterEnvoyPtr, HeaderType};
use std::ffi::{c_char, c_void};
use std::hint::black_box;
use std::ptr::null;

/// A typical security-header value (`cross-origin-opener-policy: same-origin`).
const VALUE: &[u8] = b"same-origin";

enum Step {
    RequestMap,
    RouteConfig,
    RouteName,
    Metadata,
    Counters(Vec<usize>),
    Reply(Vec<(String, &'static [u8])>),
    LocalReply(Vec<(String, &'static [u8])>),
    ResponseMap,
    Add(Vec<String>),
    Set(Vec<String>),
    Remove(String),
    Replace(String, String),
}

fn numbered(prefix: &str, n: &str) -> Option<Vec<String>> {
    let n: usize = n.parse().ok()?;
    Some((0..n).map(|i| format!("{prefix}-{i}")).collect())
}

fn parse(envoy: FilterConfigEnvoyPtr, config: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for item in config.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (key, arg) = item.split_once('=').unwrap_or((item, ""));
        steps.push(match key {
            "request-map" => Step::RequestMap,
            "route-config" => Step::RouteConfig,
            "route-name" => Step::RouteName,
            "metadata" => Step::Metadata,
            "counter" => Step::Counters(
                numbered("noop_native_counter", arg)?
                    .iter()
                    .map(|name| abi::define_counter(envoy, name, &[]))
                    .collect::<Option<_>>()?,
            ),
            "reply" => Step::Reply(
                numbered("x-bench-reply", arg)?
                    .into_iter()
                    .map(|n| (n, VALUE))
                    .collect(),
            ),
            "local-reply" => Step::LocalReply(
                numbered("x-bench-local", arg)?
                    .into_iter()
                    .map(|n| (n, VALUE))
                    .collect(),
            ),
            "response-map" => Step::ResponseMap,
            "add" => Step::Add(numbered("x-bench-add", arg)?),
            "set" => Step::Set(numbered("x-bench-set", arg)?),
            "remove" => Step::Remove(arg.to_string()),
            "replace" => {
                let (name, value) = arg.split_once(':')?;
                Step::Replace(name.to_string(), value.to_string())
            }
            _ => return None,
        });
    }
    Some(steps)
}

/// The steps of a stream: Envoy's per-stream pointer is the configuration's.
unsafe fn steps<'a>(filter: *const c_void) -> &'a [Step] {
    match (filter as *const Vec<Step>).as_ref() {
        Some(s) => s,
        None => &[],
    }
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_program_init() -> *const c_char {
    match abi::check_host() {
        Ok(_) => abi::ABI_VERSION.as_ptr().cast(),
        Err(why) => {
            abi::log_early(abi::LogLevel::Error, &why);
            null()
        }
    }
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_config_new(
    envoy: FilterConfigEnvoyPtr,
    _name: EnvoyBuffer,
    config: EnvoyBuffer,
) -> *const c_void {
    let text = String::from_utf8_lossy(unsafe { abi::envoy_bytes(config.ptr, config.length) }).into_owned();
    match parse(envoy, &text) {
        Some(steps) => Box::into_raw(Box::new(steps)) as *const c_void,
        None => {
            abi::log(
                abi::LogLevel::Error,
                &format!("noop_native: bad configuration {text:?}"),
            );
            null()
        }
    }
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_config_destroy(config: *const c_void) {
    if !config.is_null() {
        drop(unsafe { Box::from_raw(config as *mut Vec<Step>) });
    }
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_per_route_config_new(
    _: EnvoyBuffer,
    _: EnvoyBuffer,
) -> *const c_void {
    null()
}
#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_per_route_config_destroy(_: *const c_void) {}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_new(config: *const c_void, _: FilterEnvoyPtr) -> *const c_void {
    config
}
#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_destroy(_: *const c_void) {}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_request_headers(
    envoy: FilterEnvoyPtr,
    filter: *const c_void,
    _: bool,
) -> u32 {
    for step in unsafe { steps(filter) } {
        match step {
            Step::RequestMap => {
                let mut map = Vec::new();
                abi::headers_into(envoy, HeaderType::RequestHeader, &mut map);
                black_box(map);
            }
            Step::RouteConfig => {
                black_box(abi::route_config(envoy));
            }
            Step::RouteName => {
                black_box(abi::route_name(envoy));
            }
            Step::Metadata => {
                black_box(abi::route_metadata(envoy, "noop-native", "policy"));
            }
            Step::Counters(ids) => {
                for id in ids {
                    abi::increment_counter(envoy, *id, &[]);
                }
            }
            Step::Reply(headers) => {
                abi::send_response_headers(envoy, 204, headers);
                return abi::HEADERS_STOP_ITERATION;
            }
            Step::LocalReply(headers) => {
                abi::send_response(envoy, 204, headers, b"", "noop_native");
                return abi::HEADERS_STOP_ITERATION;
            }
            _ => {}
        }
    }
    abi::HEADERS_CONTINUE
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_response_headers(
    envoy: FilterEnvoyPtr,
    filter: *const c_void,
    _: bool,
) -> u32 {
    let kind = HeaderType::ResponseHeader;
    for step in unsafe { steps(filter) } {
        match step {
            Step::ResponseMap => {
                let mut map = Vec::new();
                abi::headers_into(envoy, kind, &mut map);
                black_box(map);
            }
            Step::Add(names) => {
                for n in names {
                    abi::add_header(envoy, kind, n, VALUE);
                }
            }
            Step::Set(names) => {
                for n in names {
                    abi::set_header(envoy, kind, n, VALUE);
                }
            }
            Step::Remove(name) => {
                abi::remove_header(envoy, kind, name);
            }
            Step::Replace(name, value) => {
                abi::set_header(envoy, kind, name, value.as_bytes());
            }
            _ => {}
        }
    }
    abi::HEADERS_CONTINUE
}

abi::pass_through_hooks!();
