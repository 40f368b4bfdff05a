//! The few pieces of Envoy's dynamic-module C ABI (Envoy 1.40,
//! `source/extensions/dynamic_modules/abi/abi.h`) that edge-shield uses, declared
//! by hand: the types, the callbacks we call, and safe wrappers that never panic on
//! what Envoy hands back. The event hooks Envoy calls are in `super` (`mod.rs`).
//!
//! [`check_host`] resolves the callbacks at load and makes sure the Envoy loading us
//! is a release we know.

use std::ffi::{c_char, c_void};
use std::ptr::null;
use std::sync::OnceLock;

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

/// `envoy_dynamic_module_type_metadata_source_Route`: the matched route's metadata.
const METADATA_ROUTE: u32 = 1;

/// `envoy_dynamic_module_type_metrics_result_Success`.
const METRICS_SUCCESS: u32 = 0;

/// Status of the header hooks (`..._headers_status_Continue` / `_StopIteration`).
pub const HEADERS_CONTINUE: u32 = 0;
pub const HEADERS_STOP_ITERATION: u32 = 1;

/// `envoy_dynamic_module_type_http_filter_stream_reset_reason_LocalReset`.
const RESET_LOCAL: u32 = 0;

/// Declares the Envoy callbacks we call as a table of function pointers that
/// [`check_host`] fills from the Envoy binary's exports at load (`dlsym`), so the
/// module has no undefined symbols: an Envoy without one of them gets a clear
/// refusal from us instead of a linker error (or, bound lazily, an abort on first
/// use), and the library keeps full RELRO.
macro_rules! callbacks {
    ($( fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) $(-> $ret:ty)?; )*) => {
        #[allow(non_snake_case)]
        struct Callbacks {
            $( $name: unsafe extern "C" fn($($ty),*) $(-> $ret)?, )*
        }

        impl Callbacks {
            /// Every callback, or the name of the first one this Envoy lacks.
            fn resolve() -> Result<Callbacks, &'static str> {
                Ok(Callbacks {
                    $( $name: {
                        let name = concat!(stringify!($name), "\0");
                        let p = lookup(name);
                        if p.is_null() {
                            return Err(stringify!($name));
                        }
                        // SAFETY: Envoy exports this symbol as the C function declared
                        // here (its abi.h, release 1.40; same in 1.39).
                        unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn($($ty),*) $(-> $ret)?>(p) }
                    }, )*
                })
            }
        }
    };
}

callbacks! {
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
    fn envoy_dynamic_module_callback_http_filter_reset_stream(filter: FilterEnvoyPtr, reason: u32, details: ModuleBuffer);
    fn envoy_dynamic_module_callback_http_filter_get_attribute_string(
        filter: FilterEnvoyPtr,
        id: u32,
        result: *mut EnvoyBuffer,
    ) -> bool;
    fn envoy_dynamic_module_callback_get_most_specific_route_config(filter: FilterEnvoyPtr) -> *const c_void;
    fn envoy_dynamic_module_callback_http_get_metadata_string(
        filter: FilterEnvoyPtr,
        source: u32,
        namespace: ModuleBuffer,
        key: ModuleBuffer,
        result: *mut EnvoyBuffer,
    ) -> bool;
    fn envoy_dynamic_module_callback_http_filter_config_define_counter(
        config: FilterConfigEnvoyPtr,
        name: ModuleBuffer,
        label_names: *mut ModuleBuffer,
        label_names_len: usize,
        id: *mut usize,
    ) -> u32;
    fn envoy_dynamic_module_callback_http_filter_config_increment_counter(
        config: FilterConfigEnvoyPtr,
        id: usize,
        label_values: *mut ModuleBuffer,
        label_values_len: usize,
        value: u64,
    ) -> u32;
    fn envoy_dynamic_module_callback_http_set_filter_state_bytes(
        filter: FilterEnvoyPtr,
        key: ModuleBuffer,
        value: ModuleBuffer,
    ) -> bool;
    fn envoy_dynamic_module_callback_http_filter_increment_counter(
        filter: FilterEnvoyPtr,
        id: usize,
        label_values: *mut ModuleBuffer,
        label_values_len: usize,
        value: u64,
    ) -> u32;
}

extern "C" {
    /// From libc: with a null handle (glibc's `RTLD_DEFAULT`), a symbol of the
    /// process, here the callbacks the Envoy binary exports.
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

/// A symbol of the Envoy binary; null when it has none. `name` ends with NUL.
fn lookup(name: &str) -> *mut c_void {
    if !name.ends_with('\0') {
        return std::ptr::null_mut();
    }
    unsafe { dlsym(std::ptr::null_mut(), name.as_ptr().cast()) }
}

fn host_has(name: &str) -> bool {
    !lookup(name).is_null()
}

/// The callbacks, once [`check_host`] resolved them (before Envoy calls any other hook).
static CALLBACKS: OnceLock<Callbacks> = OnceLock::new();

/// `envoy_dynamic_module_callback_http_send_response_headers`: response headers sent
/// straight down the encoder chain, as Envoy's own CORS filter answers a preflight
/// (no `sendLocalReply`: no local-reply mapping, no body handling, far fewer
/// instructions). Optional: where an Envoy lacks it, [`send_response`] does the job.
type SendHeaders = unsafe extern "C" fn(FilterEnvoyPtr, *mut ModuleHttpHeader, usize, bool);
static SEND_HEADERS: OnceLock<Option<SendHeaders>> = OnceLock::new();

/// The resolved callbacks. Envoy calls no other hook unless `on_program_init`
/// (which resolves them) succeeded, so `None` never happens in practice; every
/// wrapper then does nothing.
fn cb() -> Option<&'static Callbacks> {
    CALLBACKS.get()
}

/// Callbacks new in Envoy 1.40 and in 1.39: which of the versions we were verified
/// on is loading us (docs/native.md, "Versions").
const NEW_IN_1_40: &str = "envoy_dynamic_module_callback_http_get_timing_info\0";
const NEW_IN_1_39: &str = "envoy_dynamic_module_callback_http_filter_config_increment_counter\0";

/// The Envoy releases this module runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// 1.40, the release we are built for (or a later one: Envoy promises that a
    /// module loads on the next minor release).
    V1_40,
    /// 1.39 (ABI v0.1.0): every callback we use is the same there (the e2e suites
    /// pass on 1.39.3); Envoy warns that our ABI version differs from its own.
    V1_39,
}

/// Whether this Envoy can run the module: every callback we call, and a release we
/// know. `Err` says why not, and what to do instead.
pub fn check_host() -> Result<Host, String> {
    const FIX: &str = "this edge-shield native module runs on Envoy 1.39 and 1.40 (dynamic-module ABI v0.1.0/v0.2.0); \
        on another Envoy use the Wasm filter (edge_shield.wasm, Envoy 1.36 and later) or rebuild the native \
        module against that Envoy's abi.h (docs/native.md)";
    let host = if host_has(NEW_IN_1_40) {
        Some(Host::V1_40)
    } else if host_has(NEW_IN_1_39) {
        Some(Host::V1_39)
    } else {
        None
    };
    // An older Envoy also lacks callbacks we call (one of them new in 1.39): say both.
    let (host, callbacks) = match (host, Callbacks::resolve()) {
        (Some(host), Ok(callbacks)) => (host, callbacks),
        (Some(_), Err(missing)) => return Err(format!("edge-shield: this Envoy does not export {missing}: {FIX}")),
        (None, Err(missing)) => {
            return Err(format!(
                "edge-shield: this Envoy is older than 1.39 (it does not export {missing}): {FIX}"
            ))
        }
        (None, Ok(_)) => return Err(format!("edge-shield: this Envoy is older than 1.39: {FIX}")),
    };
    let _ = CALLBACKS.set(callbacks);
    let send_headers = lookup("envoy_dynamic_module_callback_http_send_response_headers\0");
    // SAFETY: Envoy exports this symbol as the C function `SendHeaders` declares (its
    // abi.h, release 1.40).
    let _ = SEND_HEADERS.set(
        (!send_headers.is_null()).then(|| unsafe { std::mem::transmute::<*mut c_void, SendHeaders>(send_headers) }),
    );
    Ok(host)
}

/// Logs through Envoy before [`check_host`] passed, if this Envoy has the log
/// callback we know; else to stderr (where Envoy logs too).
pub fn log_early(level: LogLevel, message: &str) {
    let p = lookup("envoy_dynamic_module_callback_log\0");
    if p.is_null() {
        eprintln!("{message}");
        return;
    }
    // SAFETY: its signature has been the same since dynamic modules exist.
    let f = unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn(LogLevel, ModuleBuffer)>(p) };
    unsafe { f(level, ModuleBuffer::of(message.as_bytes())) }
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
    match cb() {
        Some(c) => unsafe { (c.envoy_dynamic_module_callback_log)(level, ModuleBuffer::of(message.as_bytes())) },
        None => log_early(level, message),
    }
}

pub fn log_enabled(level: LogLevel) -> bool {
    cb().is_some_and(|c| unsafe { (c.envoy_dynamic_module_callback_log_enabled)(level) })
}

/// Every line of a header map, as Envoy holds it (borrowed until the hook returns or
/// the map is edited), into `out` (cleared first, its allocation reused); empty on any
/// error.
pub fn headers_into(filter: FilterEnvoyPtr, kind: HeaderType, out: &mut Vec<EnvoyHttpHeader>) {
    out.clear();
    let Some(c) = cb() else {
        return;
    };
    let n = unsafe { (c.envoy_dynamic_module_callback_http_get_headers_size)(filter, kind) };
    if n == 0 {
        return;
    }
    let empty = EnvoyHttpHeader {
        key_ptr: null(),
        key_length: 0,
        value_ptr: null(),
        value_length: 0,
    };
    out.resize(n, empty);
    if !unsafe { (c.envoy_dynamic_module_callback_http_get_headers)(filter, kind, out.as_mut_ptr()) } {
        out.clear();
    }
}

/// Replaces every line of `name` with one line (`value` null: removes them).
fn set(filter: FilterEnvoyPtr, kind: HeaderType, name: &str, value: ModuleBuffer) -> bool {
    cb().is_some_and(|c| unsafe {
        (c.envoy_dynamic_module_callback_http_set_header)(filter, kind, ModuleBuffer::of(name.as_bytes()), value)
    })
}

pub fn set_header(filter: FilterEnvoyPtr, kind: HeaderType, name: &str, value: &[u8]) -> bool {
    set(filter, kind, name, ModuleBuffer::of(value))
}

pub fn remove_header(filter: FilterEnvoyPtr, kind: HeaderType, name: &str) -> bool {
    set(filter, kind, name, ModuleBuffer::NULL)
}

pub fn add_header(filter: FilterEnvoyPtr, kind: HeaderType, name: &str, value: &[u8]) -> bool {
    cb().is_some_and(|c| unsafe {
        (c.envoy_dynamic_module_callback_http_add_header)(
            filter,
            kind,
            ModuleBuffer::of(name.as_bytes()),
            ModuleBuffer::of(value),
        )
    })
}

/// Sends a local reply; Envoy copies the headers, body and details.
pub fn send_response<N: AsRef<str>, V: AsRef<[u8]>>(
    filter: FilterEnvoyPtr,
    status: u32,
    headers: &[(N, V)],
    body: &[u8],
    details: &str,
) {
    let Some(c) = cb() else {
        return;
    };
    let mut lines = module_lines(None, headers);
    unsafe {
        (c.envoy_dynamic_module_callback_http_send_response)(
            filter,
            status,
            lines.as_mut_ptr(),
            lines.len(),
            ModuleBuffer::of(body),
            ModuleBuffer::of(details.as_bytes()),
        )
    }
}

/// The lines of a reply as Envoy reads them (borrowing `headers`), `:status` first if given.
fn module_lines<N: AsRef<str>, V: AsRef<[u8]>>(status: Option<&[u8]>, headers: &[(N, V)]) -> Vec<ModuleHttpHeader> {
    let line = |n: &[u8], v: &[u8]| ModuleHttpHeader {
        key_ptr: n.as_ptr(),
        key_length: n.len(),
        value_ptr: v.as_ptr(),
        value_length: v.len(),
    };
    let mut lines = Vec::with_capacity(headers.len() + 1);
    lines.extend(status.map(|s| line(b":status", s)));
    lines.extend(headers.iter().map(|(n, v)| line(n.as_ref().as_bytes(), v.as_ref())));
    lines
}

/// Sends a reply of headers only, ending the stream, straight down the encoder chain
/// (as Envoy's CORS filter answers preflights); Envoy copies the headers. A
/// `content-length` is left out: Envoy's codecs write the length of a stream that ends
/// with its headers themselves (none on a 204, which must not have one). `false`
/// (nothing sent) where this Envoy lacks the callback.
// Used by the bench's empty module (examples/noop_native.rs, which includes this file)
// to price it; edge-shield sends every reply through `send_response` (docs/native.md).
#[allow(dead_code)]
pub fn send_response_headers<N: AsRef<str>, V: AsRef<[u8]>>(
    filter: FilterEnvoyPtr,
    status: u32,
    headers: &[(N, V)],
) -> bool {
    let Some(Some(send)) = SEND_HEADERS.get() else {
        return false;
    };
    let mut digits = [0u8; 10];
    let mut lines = module_lines(Some(decimal(status, &mut digits)), headers);
    lines.retain(|l| !unsafe { envoy_bytes(l.key_ptr, l.key_length) }.eq_ignore_ascii_case(b"content-length"));
    unsafe { send(filter, lines.as_mut_ptr(), lines.len(), true) };
    true
}

/// `n` in decimal, written into `buf` (a `u32` has at most 10 digits).
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            return &buf[i..];
        }
    }
}

/// Resets the stream (the client sees the stream or connection reset).
pub fn reset_stream(filter: FilterEnvoyPtr, details: &str) {
    if let Some(c) = cb() {
        unsafe {
            (c.envoy_dynamic_module_callback_http_filter_reset_stream)(
                filter,
                RESET_LOCAL,
                ModuleBuffer::of(details.as_bytes()),
            )
        }
    }
}

/// Envoy's `xds.route_name` of the stream's route; `None` when there is none.
pub fn route_name<'a>(filter: FilterEnvoyPtr) -> Option<&'a [u8]> {
    let c = cb()?;
    let mut out = EnvoyBuffer { ptr: null(), length: 0 };
    let ok = unsafe {
        (c.envoy_dynamic_module_callback_http_filter_get_attribute_string)(filter, ATTRIBUTE_XDS_ROUTE_NAME, &mut out)
    };
    (ok && !out.ptr.is_null()).then(|| unsafe { envoy_bytes(out.ptr, out.length) })
}

/// A string in the matched route's `metadata.filter_metadata.<namespace>.<key>`; `None`
/// when absent (or not a string). The dynamic-module ABI reads no virtual host metadata.
pub fn route_metadata<'a>(filter: FilterEnvoyPtr, namespace: &str, key: &str) -> Option<&'a [u8]> {
    let c = cb()?;
    let mut out = EnvoyBuffer { ptr: null(), length: 0 };
    let ok = unsafe {
        (c.envoy_dynamic_module_callback_http_get_metadata_string)(
            filter,
            METADATA_ROUTE,
            ModuleBuffer::of(namespace.as_bytes()),
            ModuleBuffer::of(key.as_bytes()),
            &mut out,
        )
    };
    (ok && !out.ptr.is_null()).then(|| unsafe { envoy_bytes(out.ptr, out.length) })
}

/// The pointer our `on_http_filter_per_route_config_new` returned for the most
/// specific `typed_per_filter_config` of this stream's route; null if none.
pub fn route_config(filter: FilterEnvoyPtr) -> *const c_void {
    match cb() {
        Some(c) => unsafe { (c.envoy_dynamic_module_callback_get_most_specific_route_config)(filter) },
        None => null(),
    }
}

/// Defines a counter (only while the filter config is being created), with these
/// label names (Envoy tags: `<name>.<label>.<value>` in /stats, labels in Prometheus).
pub fn define_counter(config: FilterConfigEnvoyPtr, name: &str, labels: &[&str]) -> Option<usize> {
    let c = cb()?;
    let mut labels: Vec<ModuleBuffer> = labels.iter().map(|l| ModuleBuffer::of(l.as_bytes())).collect();
    let mut id = 0usize;
    let status = unsafe {
        (c.envoy_dynamic_module_callback_http_filter_config_define_counter)(
            config,
            ModuleBuffer::of(name.as_bytes()),
            labels.as_mut_ptr(),
            labels.len(),
            &mut id,
        )
    };
    (status == METRICS_SUCCESS).then_some(id)
}

/// Adds one to a counter; `labels`: one value per label name it was defined with.
pub fn increment_counter(filter: FilterEnvoyPtr, id: usize, labels: &[&[u8]]) {
    if let Some(c) = cb() {
        let mut labels: Vec<ModuleBuffer> = labels.iter().map(|l| ModuleBuffer::of(l)).collect();
        unsafe {
            (c.envoy_dynamic_module_callback_http_filter_increment_counter)(
                filter,
                id,
                labels.as_mut_ptr(),
                labels.len(),
                1,
            );
        }
    }
}

/// Adds one to a counter defined on `config`, outside any stream (configuration
/// loads); `config` is the pointer of the `on_http_filter_config_new` running now.
pub fn increment_config_counter(config: FilterConfigEnvoyPtr, id: usize) {
    if let Some(c) = cb() {
        unsafe {
            (c.envoy_dynamic_module_callback_http_filter_config_increment_counter)(
                config,
                id,
                std::ptr::null_mut(),
                0,
                1,
            );
        }
    }
}

/// Sets the stream's filter state `key` (a string, read-only for the stream) for access
/// logs' `%FILTER_STATE(key:PLAIN)%`; false when Envoy refused.
pub fn set_filter_state(filter: FilterEnvoyPtr, key: &str, value: &[u8]) -> bool {
    cb().is_some_and(|c| unsafe {
        (c.envoy_dynamic_module_callback_http_set_filter_state_bytes)(
            filter,
            ModuleBuffer::of(key.as_bytes()),
            ModuleBuffer::of(value),
        )
    })
}
/// The hooks Envoy requires of every HTTP filter module that a filter working on
/// headers alone leaves alone: they pass everything through (the body and trailer
/// hooks continue, the rest do nothing). Also used by the bench's empty module
/// (examples/noop_native.rs), which includes this file.
macro_rules! pass_through_hooks {
    () => {
        /// `..._body_status_Continue` / `..._trailers_status_Continue`.
        const CONTINUE: u32 = 0;

        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_request_body(
            _: FilterEnvoyPtr,
            _: *const c_void,
            _: bool,
        ) -> u32 {
            CONTINUE
        }
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_request_trailers(_: FilterEnvoyPtr, _: *const c_void) -> u32 {
            CONTINUE
        }
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_response_body(
            _: FilterEnvoyPtr,
            _: *const c_void,
            _: bool,
        ) -> u32 {
            CONTINUE
        }
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_response_trailers(
            _: FilterEnvoyPtr,
            _: *const c_void,
        ) -> u32 {
            CONTINUE
        }
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_stream_complete(_: FilterEnvoyPtr, _: *const c_void) {}
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_scheduled(_: FilterEnvoyPtr, _: *const c_void, _: u64) {}
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_downstream_above_write_buffer_high_watermark(
            _: FilterEnvoyPtr,
            _: *const c_void,
        ) {
        }
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_downstream_below_write_buffer_low_watermark(
            _: FilterEnvoyPtr,
            _: *const c_void,
        ) {
        }
        // Callouts and streams edge-shield never starts: Envoy never calls these.
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_http_callout_done() {}
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_headers() {}
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_data() {}
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_trailers() {}
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_complete() {}
        #[no_mangle]
        extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_reset() {}
    };
}
pub(crate) use pass_through_hooks;
