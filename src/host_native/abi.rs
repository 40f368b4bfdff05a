//! The few pieces of Envoy's dynamic-module C ABI (Envoy 1.40,
//! `source/extensions/dynamic_modules/abi/abi.h`) that edge-shield uses, declared
//! by hand: the types, the callbacks we call, and safe wrappers that never panic on
//! what Envoy hands back. The event hooks Envoy calls are in `super` (`mod.rs`).
//!
//! Every callback named here must exist in the host: the library is linked with
//! `-z now` (see `build.rs`), so an Envoy lacking one refuses to load it with
//! "undefined symbol: envoy_dynamic_module_callback_..." instead of failing later.

use std::ffi::c_void;
use std::ptr::null;

/// The ABI version this module is built against (Envoy 1.40's
/// `ENVOY_DYNAMIC_MODULES_ABI_VERSION`), NUL-terminated for `on_program_init`.
pub const ABI_VERSION: &[u8] = b"v0.2.0\0";

pub type FilterConfigEnvoyPtr = *mut c_void;
pub type FilterEnvoyPtr = *mut c_void;

/// A buffer Envoy owns (valid until the end of the current hook).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct EnvoyBuffer {
    pub ptr: *const u8,
    pub length: usize,
}

/// A buffer the module owns (Envoy copies what it keeps).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ModuleBuffer {
    pub ptr: *const u8,
    pub length: usize,
}

impl ModuleBuffer {
    pub fn of(bytes: &[u8]) -> Self {
        ModuleBuffer {
            ptr: bytes.as_ptr(),
            length: bytes.len(),
        }
    }
    /// The null buffer: "remove" for `set_header`.
    const NULL: ModuleBuffer = ModuleBuffer { ptr: null(), length: 0 };
}

/// One header line in Envoy's map (key and value owned by Envoy).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct EnvoyHttpHeader {
    pub key_ptr: *const u8,
    pub key_length: usize,
    pub value_ptr: *const u8,
    pub value_length: usize,
}

/// One header line of a local reply (owned by the module).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ModuleHttpHeader {
    pub key_ptr: *const u8,
    pub key_length: usize,
    pub value_ptr: *const u8,
    pub value_length: usize,
}

/// `envoy_dynamic_module_type_http_header_type`.
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(dead_code)]
pub enum HeaderType {
    RequestHeader = 0,
    RequestTrailer = 1,
    ResponseHeader = 2,
    ResponseTrailer = 3,
}

/// `envoy_dynamic_module_type_log_level`.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub enum LogLevel {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Critical = 5,
    Off = 6,
}

/// `envoy_dynamic_module_type_attribute_id_XdsRouteName`.
const ATTRIBUTE_XDS_ROUTE_NAME: u32 = 61;

/// `envoy_dynamic_module_type_metrics_result_Success`.
const METRICS_SUCCESS: u32 = 0;

/// Status of the header hooks (`..._headers_status_Continue` / `_StopIteration`).
pub const HEADERS_CONTINUE: u32 = 0;
pub const HEADERS_STOP_ITERATION: u32 = 1;

/// `envoy_dynamic_module_type_http_filter_stream_reset_reason_LocalReset`.
const RESET_LOCAL: u32 = 0;

extern "C" {
    fn envoy_dynamic_module_callback_log(level: LogLevel, message: ModuleBuffer);
    fn envoy_dynamic_module_callback_log_enabled(level: LogLevel) -> bool;
    fn envoy_dynamic_module_callback_http_get_headers_size(filter: FilterEnvoyPtr, kind: HeaderType) -> usize;
    fn envoy_dynamic_module_callback_http_get_headers(
        filter: FilterEnvoyPtr,
        kind: HeaderType,
        result: *mut EnvoyHttpHeader,
    ) -> bool;
    fn envoy_dynamic_module_callback_http_set_header(
        filter: FilterEnvoyPtr,
        kind: HeaderType,
        key: ModuleBuffer,
        value: ModuleBuffer,
    ) -> bool;
    fn envoy_dynamic_module_callback_http_add_header(
        filter: FilterEnvoyPtr,
        kind: HeaderType,
        key: ModuleBuffer,
        value: ModuleBuffer,
    ) -> bool;
    fn envoy_dynamic_module_callback_http_send_response(
        filter: FilterEnvoyPtr,
        status: u32,
        headers: *mut ModuleHttpHeader,
        headers_len: usize,
        body: ModuleBuffer,
        details: ModuleBuffer,
    );
    fn envoy_dynamic_module_callback_http_filter_reset_stream(
        filter: FilterEnvoyPtr,
        reason: u32,
        details: ModuleBuffer,
    );
    fn envoy_dynamic_module_callback_http_filter_get_attribute_string(
        filter: FilterEnvoyPtr,
        id: u32,
        result: *mut EnvoyBuffer,
    ) -> bool;
    fn envoy_dynamic_module_callback_get_most_specific_route_config(filter: FilterEnvoyPtr) -> *const c_void;
    fn envoy_dynamic_module_callback_http_filter_config_define_counter(
        config: FilterConfigEnvoyPtr,
        name: ModuleBuffer,
        label_names: *mut ModuleBuffer,
        label_names_len: usize,
        id: *mut usize,
    ) -> u32;
    fn envoy_dynamic_module_callback_http_filter_increment_counter(
        filter: FilterEnvoyPtr,
        id: usize,
        label_values: *mut ModuleBuffer,
        label_values_len: usize,
        value: u64,
    ) -> u32;
}

/// A slice of Envoy-owned bytes; empty for a null pointer.
///
/// # Safety
/// `ptr`/`len` must describe memory valid for `'a` (Envoy: until the hook returns).
pub unsafe fn envoy_bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    }
}

pub fn log(level: LogLevel, message: &str) {
    unsafe { envoy_dynamic_module_callback_log(level, ModuleBuffer::of(message.as_bytes())) }
}

pub fn log_enabled(level: LogLevel) -> bool {
    unsafe { envoy_dynamic_module_callback_log_enabled(level) }
}

/// Every line of a header map, as Envoy holds it (borrowed until the hook returns or
/// the map is edited); empty on any error.
pub fn headers(filter: FilterEnvoyPtr, kind: HeaderType) -> Vec<EnvoyHttpHeader> {
    let n = unsafe { envoy_dynamic_module_callback_http_get_headers_size(filter, kind) };
    if n == 0 {
        return Vec::new();
    }
    let empty = EnvoyHttpHeader {
        key_ptr: null(),
        key_length: 0,
        value_ptr: null(),
        value_length: 0,
    };
    let mut out = vec![empty; n];
    if unsafe { envoy_dynamic_module_callback_http_get_headers(filter, kind, out.as_mut_ptr()) } {
        out
    } else {
        Vec::new()
    }
}

pub fn set_header(filter: FilterEnvoyPtr, kind: HeaderType, name: &str, value: &[u8]) -> bool {
    unsafe {
        envoy_dynamic_module_callback_http_set_header(
            filter,
            kind,
            ModuleBuffer::of(name.as_bytes()),
            ModuleBuffer::of(value),
        )
    }
}

pub fn add_header(filter: FilterEnvoyPtr, kind: HeaderType, name: &str, value: &[u8]) -> bool {
    unsafe {
        envoy_dynamic_module_callback_http_add_header(
            filter,
            kind,
            ModuleBuffer::of(name.as_bytes()),
            ModuleBuffer::of(value),
        )
    }
}

pub fn remove_header(filter: FilterEnvoyPtr, kind: HeaderType, name: &str) -> bool {
    unsafe {
        envoy_dynamic_module_callback_http_set_header(
            filter,
            kind,
            ModuleBuffer::of(name.as_bytes()),
            ModuleBuffer::NULL,
        )
    }
}

/// Sends a local reply; Envoy copies the headers, body and details.
pub fn send_response<N: AsRef<str>, V: AsRef<[u8]>>(
    filter: FilterEnvoyPtr,
    status: u32,
    headers: &[(N, V)],
    body: &[u8],
    details: &str,
) {
    let mut lines: Vec<ModuleHttpHeader> = headers
        .iter()
        .map(|(n, v)| ModuleHttpHeader {
            key_ptr: n.as_ref().as_ptr(),
            key_length: n.as_ref().len(),
            value_ptr: v.as_ref().as_ptr(),
            value_length: v.as_ref().len(),
        })
        .collect();
    unsafe {
        envoy_dynamic_module_callback_http_send_response(
            filter,
            status,
            lines.as_mut_ptr(),
            lines.len(),
            ModuleBuffer::of(body),
            ModuleBuffer::of(details.as_bytes()),
        )
    }
}

/// Resets the stream (the client sees the stream or connection reset).
pub fn reset_stream(filter: FilterEnvoyPtr, details: &str) {
    unsafe {
        envoy_dynamic_module_callback_http_filter_reset_stream(
            filter,
            RESET_LOCAL,
            ModuleBuffer::of(details.as_bytes()),
        )
    }
}

/// Envoy's `xds.route_name` of the stream's route; `None` when there is none.
pub fn route_name<'a>(filter: FilterEnvoyPtr) -> Option<&'a [u8]> {
    let mut out = EnvoyBuffer { ptr: null(), length: 0 };
    let ok = unsafe {
        envoy_dynamic_module_callback_http_filter_get_attribute_string(filter, ATTRIBUTE_XDS_ROUTE_NAME, &mut out)
    };
    (ok && !out.ptr.is_null()).then(|| unsafe { envoy_bytes(out.ptr, out.length) })
}

/// The pointer our `on_http_filter_per_route_config_new` returned for the most
/// specific `typed_per_filter_config` of this stream's route, if any.
pub fn route_config(filter: FilterEnvoyPtr) -> *const c_void {
    unsafe { envoy_dynamic_module_callback_get_most_specific_route_config(filter) }
}

/// Defines a counter (only while the filter config is being created).
pub fn define_counter(config: FilterConfigEnvoyPtr, name: &str) -> Option<usize> {
    let mut id = 0usize;
    let status = unsafe {
        envoy_dynamic_module_callback_http_filter_config_define_counter(
            config,
            ModuleBuffer::of(name.as_bytes()),
            std::ptr::null_mut(),
            0,
            &mut id,
        )
    };
    (status == METRICS_SUCCESS).then_some(id)
}

pub fn increment_counter(filter: FilterEnvoyPtr, id: usize) {
    unsafe {
        envoy_dynamic_module_callback_http_filter_increment_counter(filter, id, std::ptr::null_mut(), 0, 1);
    }
}
