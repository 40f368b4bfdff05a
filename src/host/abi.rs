//! The few Proxy-Wasm host calls edge-shield makes, declared directly so that no
//! unexpected status from the host can panic the VM (the SDK's wrappers `panic!` on
//! any status they do not expect, and `unwrap` UTF-8 conversions of header maps).

use std::ptr::null_mut;

pub const OK: u32 = 0;

pub const MAP_REQUEST_HEADERS: u32 = 0;
pub const MAP_RESPONSE_HEADERS: u32 = 2;
const BUFFER_PLUGIN_CONFIGURATION: u32 = 7;
const METRIC_COUNTER: u32 = 0;

pub const LEVEL_TRACE: u32 = 0;
pub const LEVEL_DEBUG: u32 = 1;
pub const LEVEL_INFO: u32 = 2;
pub const LEVEL_WARN: u32 = 3;
pub const LEVEL_ERROR: u32 = 4;
pub const LEVEL_CRITICAL: u32 = 5;

#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_log(level: u32, data: *const u8, size: usize) -> u32;
    fn proxy_get_log_level(level: *mut u32) -> u32;
    fn proxy_get_current_time_nanoseconds(time: *mut u64) -> u32;
    fn proxy_get_buffer_bytes(kind: u32, start: usize, max: usize, data: *mut *mut u8, size: *mut usize) -> u32;
    fn proxy_get_header_map_pairs(map: u32, data: *mut *mut u8, size: *mut usize) -> u32;
    fn proxy_replace_header_map_value(map: u32, k: *const u8, kl: usize, v: *const u8, vl: usize) -> u32;
    fn proxy_add_header_map_value(map: u32, k: *const u8, kl: usize, v: *const u8, vl: usize) -> u32;
    fn proxy_remove_header_map_value(map: u32, k: *const u8, kl: usize) -> u32;
    fn proxy_get_property(path: *const u8, pl: usize, data: *mut *mut u8, size: *mut usize) -> u32;
    #[allow(clippy::too_many_arguments)]
    fn proxy_send_local_response(
        status: u32,
        details: *const u8,
        details_size: usize,
        body: *const u8,
        body_size: usize,
        headers: *const u8,
        headers_size: usize,
        grpc_status: i32,
    ) -> u32;
    fn proxy_close_stream(stream: u32) -> u32;
    fn proxy_define_metric(kind: u32, name: *const u8, size: usize, id: *mut u32) -> u32;
    fn proxy_increment_metric(id: u32, offset: i64) -> u32;
    fn proxy_set_property(path: *const u8, pl: usize, value: *const u8, vl: usize) -> u32;
    fn proxy_get_shared_data(key: *const u8, kl: usize, value: *mut *mut u8, vl: *mut usize, cas: *mut u32) -> u32;
    fn proxy_set_shared_data(key: *const u8, kl: usize, value: *const u8, vl: usize, cas: u32) -> u32;
    fn proxy_set_tick_period_milliseconds(period: u32) -> u32;
}

/// Takes ownership of a buffer the host allocated through `proxy_on_memory_allocate`.
///
/// # Safety
/// `data`/`size` must come from a successful host call that returns a buffer.
unsafe fn take(data: *mut u8, size: usize) -> Vec<u8> {
    if data.is_null() {
        Vec::new()
    } else {
        Vec::from_raw_parts(data, size, size)
    }
}

pub fn log(level: u32, message: &str) {
    unsafe {
        proxy_log(level, message.as_ptr(), message.len());
    }
}

pub fn log_level() -> Option<u32> {
    let mut level = 0u32;
    (unsafe { proxy_get_log_level(&mut level) } == OK).then_some(level)
}

/// Host time in whole seconds since the Unix epoch (0 if unavailable).
pub fn now_secs() -> u64 {
    let mut nanos = 0u64;
    unsafe {
        proxy_get_current_time_nanoseconds(&mut nanos);
    }
    nanos / 1_000_000_000
}

pub fn plugin_configuration() -> Vec<u8> {
    let (mut data, mut size) = (null_mut(), 0usize);
    let status = unsafe { proxy_get_buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, 0, usize::MAX, &mut data, &mut size) };
    if status == OK {
        unsafe { take(data, size) }
    } else {
        Vec::new()
    }
}

/// A header map as the host serializes it (parsed by `header_map::parse_borrowed`,
/// whose lines borrow from this buffer); empty on any error.
pub fn header_map(map: u32) -> Vec<u8> {
    let (mut data, mut size) = (null_mut(), 0usize);
    if unsafe { proxy_get_header_map_pairs(map, &mut data, &mut size) } != OK {
        return Vec::new();
    }
    unsafe { take(data, size) }
}

pub fn replace_header(map: u32, name: &str, value: &[u8]) -> u32 {
    unsafe { proxy_replace_header_map_value(map, name.as_ptr(), name.len(), value.as_ptr(), value.len()) }
}

pub fn add_header(map: u32, name: &str, value: &[u8]) -> u32 {
    unsafe { proxy_add_header_map_value(map, name.as_ptr(), name.len(), value.as_ptr(), value.len()) }
}

pub fn remove_header(map: u32, name: &str) -> u32 {
    unsafe { proxy_remove_header_map_value(map, name.as_ptr(), name.len()) }
}

/// A property such as `["xds", "route_name"]`; `None` when absent or on any error.
pub fn property(path: &[&str]) -> Option<Vec<u8>> {
    let serialized = path.join("\0");
    let (mut data, mut size) = (null_mut(), 0usize);
    let status = unsafe { proxy_get_property(serialized.as_ptr(), serialized.len(), &mut data, &mut size) };
    if status == OK && !data.is_null() {
        Some(unsafe { take(data, size) })
    } else {
        None
    }
}

pub fn send_local_response(status: u32, headers: &[u8], body: &[u8], details: &str) -> u32 {
    unsafe {
        proxy_send_local_response(
            status,
            details.as_ptr(),
            details.len(),
            body.as_ptr(),
            body.len(),
            headers.as_ptr(),
            headers.len(),
            -1,
        )
    }
}

/// Resets the HTTP stream (the client sees the connection or stream reset).
pub fn reset_request() {
    const STREAM_HTTP_REQUEST: u32 = 0;
    unsafe {
        proxy_close_stream(STREAM_HTTP_REQUEST);
    }
}

pub fn define_counter(name: &str) -> Option<u32> {
    let mut id = 0u32;
    (unsafe { proxy_define_metric(METRIC_COUNTER, name.as_ptr(), name.len(), &mut id) } == OK).then_some(id)
}

pub fn increment(id: u32) {
    unsafe {
        proxy_increment_metric(id, 1);
    }
}

/// Sets a property of the current stream. Envoy stores it as filter state named
/// `wasm.<name>`, which access logs read with `%FILTER_STATE(wasm.<name>:PLAIN)%`.
pub fn set_property(name: &str, value: &[u8]) -> u32 {
    unsafe { proxy_set_property(name.as_ptr(), name.len(), value.as_ptr(), value.len()) }
}

/// Shared data of this `vm_id` (every VM of the process sees it): the value's CAS
/// token if the key exists, `None` if it does not or on any error.
pub fn shared_data_cas(key: &str) -> Option<u32> {
    let (mut data, mut size, mut cas) = (null_mut(), 0usize, 0u32);
    let status = unsafe { proxy_get_shared_data(key.as_ptr(), key.len(), &mut data, &mut size, &mut cas) };
    if status != OK {
        return None;
    }
    // The value itself is not needed: free it.
    drop(unsafe { take(data, size) });
    Some(cas)
}

/// Sets shared data; with `cas` other than 0 only if the value still has that token.
pub fn set_shared_data(key: &str, value: &[u8], cas: u32) -> u32 {
    unsafe { proxy_set_shared_data(key.as_ptr(), key.len(), value.as_ptr(), value.len(), cas) }
}

pub fn set_tick_period_ms(period: u32) {
    unsafe {
        proxy_set_tick_period_milliseconds(period);
    }
}
