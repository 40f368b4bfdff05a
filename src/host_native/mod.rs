//! The Envoy dynamic-module glue (the `native` build): the event hooks Envoy calls.
//! Like the Proxy-Wasm glue it fetches headers once, asks the pure core for a
//! decision and applies it with as few host calls as possible. See docs/native.md.
//!
//! Threads: Envoy creates filter configs on the main thread and streams on the
//! workers. The compiled core is `Rc`-based (one owner per thread, as in a Wasm VM),
//! so the shared config keeps only the validated JSON, and each worker compiles its
//! own copy once ([`compiled`]).
//!
//! Versions: `on_program_init` refuses an Envoy that lacks a callback we call or is
//! older than the releases we were verified on ([`abi::check_host`]).
//!
//! Panics: the library is built with `panic = "unwind"` (profile `native`) and every
//! hook runs inside [`guard`]: a bug fails that one stream closed and is logged; it
//! never unwinds into Envoy (which would abort the whole proxy).

mod abi;

use crate::config;
use crate::config::policy::{Config, MetadataNames, RoutePolicy};
use crate::engine::{self, ExchangeState};
use crate::exchange::{metric_segment, Counter, Counters, Decision, HeaderOp, LocalReply, PluginCounter, RouteInfo};
use crate::http::wire::Line;
use crate::http::Headers;
use abi::{EnvoyBuffer, FilterConfigEnvoyPtr, FilterEnvoyPtr, HeaderType, LogLevel};
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null;
use std::rc::Rc;
use std::sync::{Arc, Weak};

thread_local! {
    /// This worker's compiled copy of each live configuration.
    static COMPILED: RefCell<Vec<(Weak<()>, Rc<Config>)>> = const { RefCell::new(Vec::new()) };
    /// The buffers of the last [`Fetched`] map, empty, for the next one.
    static SCRATCH: Cell<(Vec<abi::EnvoyHttpHeader>, Vec<Line<'static>>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

// ---- panics and logging

/// Runs a hook; a panic is logged and turned into `fallback` instead of unwinding
/// into Envoy.
fn guard<R>(hook: &str, fallback: impl FnOnce() -> R, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => {
            abi::log(
                LogLevel::Critical,
                &format!("edge-shield: internal error in {hook} (see the panic above); failing this stream closed"),
            );
            fallback()
        }
    }
}

struct HostLogger;
static LOGGER: HostLogger = HostLogger;

impl log::Log for HostLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            abi::log(level_of(record.level()), &record.args().to_string());
        }
    }
    fn flush(&self) {}
}

fn level_of(level: log::Level) -> LogLevel {
    match level {
        log::Level::Trace => LogLevel::Trace,
        log::Level::Debug => LogLevel::Debug,
        log::Level::Info => LogLevel::Info,
        log::Level::Warn => LogLevel::Warn,
        log::Level::Error => LogLevel::Error,
    }
}

/// Lines below Envoy's `dynamic_modules` level would be dropped: filter them here.
fn follow_host_log_level() {
    let filter = [
        (LogLevel::Trace, log::LevelFilter::Trace),
        (LogLevel::Debug, log::LevelFilter::Debug),
        (LogLevel::Info, log::LevelFilter::Info),
        (LogLevel::Warn, log::LevelFilter::Warn),
        (LogLevel::Error, log::LevelFilter::Error),
    ]
    .into_iter()
    .find(|(l, _)| abi::log_enabled(*l))
    .map_or(log::LevelFilter::Off, |(_, f)| f);
    log::set_max_level(filter);
}

// ---- program

/// Called once when Envoy loads the library: checks that this Envoy can run us,
/// installs the logger and panic hook, and returns the ABI version we are built for
/// (Envoy compares it with its own, and only warns if they differ). Null refuses
/// the load: Envoy then fails the configuration that names the module.
#[no_mangle]
extern "C" fn envoy_dynamic_module_on_program_init() -> *const c_char {
    guard("on_program_init", null, || {
        let host = match abi::check_host() {
            Ok(host) => host,
            Err(why) => {
                abi::log_early(LogLevel::Error, &why);
                return null();
            }
        };
        let _ = log::set_logger(&LOGGER);
        log::set_max_level(log::LevelFilter::Warn);
        std::panic::set_hook(Box::new(|info| {
            abi::log(LogLevel::Critical, &format!("edge-shield: {info}"));
        }));
        if host == abi::Host::V1_39 {
            abi::log(
                LogLevel::Info,
                "edge-shield: running on Envoy 1.39, which this module (built for 1.40) supports; \
                 Envoy's warning that its ABI version v0.2.0 is deprecated is expected",
            );
        }
        abi::ABI_VERSION.as_ptr().cast()
    })
}

// ---- configurations (main thread)

/// A validated configuration, shared by every worker; each compiles its own copy.
struct Source {
    /// The filter's or the route's `filter_name` (metrics, logs).
    name: String,
    json: Vec<u8>,
    /// Identity of this configuration for the workers' caches (dropped with it).
    alive: Arc<()>,
}

impl Source {
    /// Validates `json` (logging warnings, or the error naming path, value and fix).
    fn load(name: EnvoyBuffer, json: &[u8]) -> Option<(Source, Config)> {
        match config::load_host_json(json) {
            Ok(config) => {
                for w in &config.warnings {
                    log::warn!("edge-shield: warning: {w}");
                }
                Some((
                    Source {
                        name: String::from_utf8_lossy(text(name)).into_owned(),
                        json: json.to_vec(),
                        alive: Arc::new(()),
                    },
                    config,
                ))
            }
            Err(e) => {
                log::error!("{e}");
                None
            }
        }
    }
}

/// This worker's compiled copy of `source` (compiled on first use); stale copies
/// of destroyed configurations are dropped on the way.
fn compiled(source: &Source) -> Option<Rc<Config>> {
    COMPILED.with(|cache| {
        let mut cache = cache.try_borrow_mut().ok()?;
        // Found by address, without touching the shared reference counts on every
        // request (workers would contend on them): the `Weak` the cache holds keeps the
        // allocation, so an address cannot be reused by another configuration.
        let me = Arc::as_ptr(&source.alive);
        if let Some((_, c)) = cache.iter().find(|(w, _)| w.as_ptr() == me) {
            return Some(c.clone());
        }
        cache.retain(|(w, _)| w.strong_count() > 0);
        // It was valid on the main thread, and loading is deterministic.
        let config = Rc::new(config::load_host_json(&source.json).ok()?);
        cache.push((Arc::downgrade(&source.alive), config.clone()));
        Some(config)
    })
}

/// Counter ids, one per [`Counter`].
type CounterIds = [Option<usize>; Counter::ALL.len()];

/// The filter's configuration (`DynamicModuleFilter.filter_config`) and its counters.
struct FilterConfig {
    source: Source,
    /// Per policy of `source` (index = `RoutePolicy::index`), named as in the Wasm
    /// build: `edge_shield.<filter_name>.<policy>.<counter>`.
    counters: Vec<CounterIds>,
    /// For the policies of per-route configurations, which are created apart from
    /// (and may change without) this one: `edge_shield_route.<filter_name>.<counter>`
    /// labelled `route` (the per-route `filter_name`) and `policy`.
    route_counters: CounterIds,
}

fn text<'a>(b: EnvoyBuffer) -> &'a [u8] {
    unsafe { abi::envoy_bytes(b.ptr, b.length) }
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_config_new(
    envoy: FilterConfigEnvoyPtr,
    name: EnvoyBuffer,
    config: EnvoyBuffer,
) -> *const c_void {
    guard("on_http_filter_config_new", null, || {
        follow_host_log_level();
        let plugin = String::from_utf8_lossy(text(name)).into_owned();
        // Both defined on every load, so that each series exists (at 0) from the start.
        let load_counter = |c: PluginCounter| abi::define_counter(envoy, &c.metric_name(&plugin), &[]);
        let (loaded, rejected) = (
            load_counter(PluginCounter::ConfigLoaded),
            load_counter(PluginCounter::ConfigRejected),
        );
        let Some((source, compiled)) = Source::load(name, text(config)) else {
            if let Some(id) = rejected {
                abi::increment_config_counter(envoy, id);
            }
            return null();
        };
        if let Some(id) = loaded {
            abi::increment_config_counter(envoy, id);
        }
        let counters = compiled
            .policies()
            .map(|p| Counter::ALL.map(|c| abi::define_counter(envoy, &c.metric_name(&source.name, &p.name), &[])))
            .collect();
        let route_counters = Counter::ALL.map(|c| {
            let name = format!("edge_shield_route.{}.{}", metric_segment(&source.name), c.name());
            abi::define_counter(envoy, &name, &["route", "policy"])
        });
        log::info!("edge-shield: configuration loaded");
        let config = FilterConfig {
            source,
            counters,
            route_counters,
        };
        Box::into_raw(Box::new(config)) as *const c_void
    })
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_config_destroy(config: *const c_void) {
    guard(
        "on_http_filter_config_destroy",
        || (),
        || {
            if !config.is_null() {
                drop(unsafe { Box::from_raw(config as *mut FilterConfig) });
            }
        },
    )
}

/// A route's `DynamicModuleFilterPerRoute.filter_config`: a whole configuration
/// that replaces the filter's on that route.
#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_per_route_config_new(
    name: EnvoyBuffer,
    config: EnvoyBuffer,
) -> *const c_void {
    guard("on_http_filter_per_route_config_new", null, || {
        follow_host_log_level();
        match Source::load(name, text(config)) {
            Some((source, _)) => Box::into_raw(Box::new(source)) as *const c_void,
            None => null(),
        }
    })
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_per_route_config_destroy(config: *const c_void) {
    guard(
        "on_http_filter_per_route_config_destroy",
        || (),
        || {
            if !config.is_null() {
                drop(unsafe { Box::from_raw(config as *mut Source) });
            }
        },
    )
}

// ---- one HTTP stream (a worker thread)

struct Filter {
    /// Valid for the filter's life: Envoy's filter holds its config.
    config: *const FilterConfig,
    /// The policy chosen in the request phase and what that phase found.
    exchange: Option<(Rc<RoutePolicy>, ExchangeState)>,
    /// A hook failed, or we answered the request ourselves (with every header the
    /// response phase would add): the response hook has nothing to do.
    done: bool,
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_new(config: *const c_void, _envoy: FilterEnvoyPtr) -> *const c_void {
    // Never null: Envoy closes the stream on null.
    let filter = Filter {
        config: config.cast(),
        exchange: None,
        done: false,
    };
    Box::into_raw(Box::new(filter)) as *const c_void
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_destroy(filter: *const c_void) {
    guard(
        "on_http_filter_destroy",
        || (),
        || {
            if !filter.is_null() {
                drop(unsafe { Box::from_raw(filter as *mut Filter) });
            }
        },
    )
}

/// # Safety
/// `filter` is what `on_http_filter_new` returned and not yet destroyed; Envoy calls
/// a stream's hooks one at a time, on its worker.
unsafe fn filter_mut<'a>(filter: *const c_void) -> Option<&'a mut Filter> {
    (filter as *mut Filter).as_mut()
}

/// A header map fetched once for a hook, in buffers reused from one fetch to the next
/// on this worker (no allocation per fetch: docs/native.md, "Cost").
struct Fetched {
    raw: Vec<abi::EnvoyHttpHeader>,
    /// The lines of `raw`, borrowing Envoy's map: only handed out for as long as this
    /// value is borrowed ([`Fetched::headers`]), and cleared before the buffer is kept.
    lines: Vec<Line<'static>>,
}

impl Fetched {
    fn new(envoy: FilterEnvoyPtr, kind: HeaderType) -> Fetched {
        let (mut raw, mut lines) = SCRATCH.take();
        abi::headers_into(envoy, kind, &mut raw);
        lines.clear();
        lines.reserve(raw.len());
        lines.extend(raw.iter().filter_map(line));
        Fetched { raw, lines }
    }

    fn headers(&self) -> Headers<'_> {
        Headers::borrowed(&self.lines)
    }
}

impl Drop for Fetched {
    fn drop(&mut self) {
        let (mut raw, mut lines) = (std::mem::take(&mut self.raw), std::mem::take(&mut self.lines));
        raw.clear();
        lines.clear();
        SCRATCH.set((raw, lines));
    }
}

/// One of Envoy's header lines as the core reads it (`None`: a name that is not UTF-8;
/// Envoy's codecs never let one through). The lifetime is the caller's to bound: the
/// bytes are Envoy's, valid until the map is edited or the hook returns.
fn line<'a>(h: &abi::EnvoyHttpHeader) -> Option<Line<'a>> {
    let name = unsafe { abi::envoy_bytes(h.key_ptr, h.key_length) };
    // Names are ASCII tokens (Envoy's codecs refuse anything else): checking that is
    // a few word-sized steps, where full UTF-8 validation was a measurable share
    // of our own code (docs/native.md, "Cost").
    let name = if name.is_ascii() {
        unsafe { std::str::from_utf8_unchecked(name) }
    } else {
        std::str::from_utf8(name).ok()?
    };
    Some((name, unsafe { abi::envoy_bytes(h.value_ptr, h.value_length) }))
}

/// Envoy's header lines as the core reads them (names that are not UTF-8 skipped), as
/// [`Fetched`] makes them.
#[cfg(test)]
fn lines(raw: &[abi::EnvoyHttpHeader]) -> Vec<Line<'_>> {
    raw.iter().filter_map(line).collect()
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_request_headers(
    envoy: FilterEnvoyPtr,
    filter: *const c_void,
    _end_of_stream: bool,
) -> u32 {
    let Some(f) = (unsafe { filter_mut(filter) }) else {
        return abi::HEADERS_CONTINUE;
    };
    match catch_unwind(AssertUnwindSafe(|| f.on_request(envoy))) {
        Ok(status) => status,
        Err(_) => {
            // Fail closed: we cannot tell whether this request should have been refused
            // (and a reply may already be on its way, so reset rather than answer).
            abi::log(
                LogLevel::Critical,
                "edge-shield: internal error in the request phase; resetting the stream",
            );
            f.done = true;
            abi::reset_stream(envoy, "edge_shield_internal_error");
            abi::HEADERS_STOP_ITERATION
        }
    }
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_on_http_filter_response_headers(
    envoy: FilterEnvoyPtr,
    filter: *const c_void,
    _end_of_stream: bool,
) -> u32 {
    let Some(f) = (unsafe { filter_mut(filter) }) else {
        return abi::HEADERS_CONTINUE;
    };
    if f.done {
        return abi::HEADERS_CONTINUE;
    }
    // A failure here cannot let a refused request through (the request phase decides
    // that): the response passes without our edits rather than being reset.
    guard(
        "on_http_filter_response_headers (the response passes without edge-shield's edits)",
        || abi::HEADERS_CONTINUE,
        || {
            f.on_response(envoy);
            abi::HEADERS_CONTINUE
        },
    )
}

impl Filter {
    fn shared(&self) -> Option<&FilterConfig> {
        unsafe { self.config.as_ref() }
    }

    /// The configuration of this stream: its route's own (`Some` source), else the
    /// filter's.
    fn config(&self, envoy: FilterEnvoyPtr) -> Option<(Rc<Config>, Option<&Source>)> {
        let per_route = abi::route_config(envoy) as *const Source;
        match unsafe { per_route.as_ref() } {
            Some(source) => Some((compiled(source)?, Some(source))),
            None => Some((compiled(&self.shared()?.source)?, None)),
        }
    }

    fn bump(&self, envoy: FilterEnvoyPtr, route: Option<&Source>, policy: &RoutePolicy, counters: Counters) {
        let Some(shared) = self.shared() else {
            return;
        };
        let (ids, labels) = match route {
            None => (shared.counters.get(policy.index), None),
            Some(source) => (
                Some(&shared.route_counters),
                Some([source.name.as_bytes(), policy.name.as_bytes()]),
            ),
        };
        let Some(ids) = ids else {
            return;
        };
        for c in counters.iter() {
            if let Some(Some(id)) = ids.get(c as usize) {
                abi::increment_counter(envoy, *id, labels.as_ref().map_or(&[], |l| &l[..]));
            }
        }
    }

    fn on_request(&mut self, envoy: FilterEnvoyPtr) -> u32 {
        let Some((config, route_source)) = self.config(envoy) else {
            return abi::HEADERS_CONTINUE;
        };
        let fetched = Fetched::new(envoy, HeaderType::RequestHeader);
        let request = fetched.headers();
        let route_name = || abi::route_name(envoy).and_then(|b| std::str::from_utf8(b).ok());
        let route = RouteInfo::of(request, if config.uses_route_name { route_name() } else { None });
        // A route's own YAML may name its policy (docs/configuration-yaml.md); natively
        // from the route's metadata only (the ABI has no virtual host metadata).
        let names = MetadataNames {
            route: if config.read_route_metadata {
                abi::route_metadata(envoy, "edge-shield", "policy")
            } else {
                None
            },
            virtual_host: None,
        };
        let step = engine::request_step(&config, names, &route, request);
        let (policy, outcome) = (step.policy, &step.outcome);
        self.bump(envoy, route_source, policy, outcome.counters);
        let debug = follow_debug_level();
        step.record(&config, request, &route, debug, |d| record_decision(envoy, d));
        step.log(names, &route, request, now_secs, || route_name().map(str::to_owned));
        let mut status = abi::HEADERS_CONTINUE;
        if let Some(reply) = &outcome.reply {
            // Envoy's dynamic-module filter does not run our response hook on a reply we
            // sent: it went out complete (`engine::request_step`).
            send_reply(envoy, reply);
            self.done = true;
            status = abi::HEADERS_STOP_ITERATION;
        }
        self.exchange = Some((policy.clone(), step.outcome.state));
        status
    }

    fn on_response(&mut self, envoy: FilterEnvoyPtr) {
        // The request phase did not run (Envoy answered before it): the top-level
        // policy applies, with nothing known.
        let fallback;
        let (policy, state) = match &self.exchange {
            Some((p, s)) => (p, s),
            None => {
                let Some((config, _)) = self.config(envoy) else {
                    return;
                };
                fallback = (config.default.clone(), ExchangeState::default());
                (&fallback.0, &fallback.1)
            }
        };
        let fetched = Fetched::new(envoy, HeaderType::ResponseHeader);
        trace_response(policy, state, fetched.headers());
        let ops = engine::on_response(policy, state, fetched.headers());
        // `fetched` borrows Envoy's map, which the edits below change: not read again.
        drop(fetched);
        for op in ops {
            let ok = match &op {
                HeaderOp::Set(n, v) => abi::set_header(envoy, HeaderType::ResponseHeader, n, v),
                HeaderOp::Add(n, v) => abi::add_header(envoy, HeaderType::ResponseHeader, n, v),
                HeaderOp::Remove(n) => abi::remove_header(envoy, HeaderType::ResponseHeader, n),
            };
            if !ok {
                log::debug!("edge-shield: response header edit {op:?} failed");
            }
        }
    }
}

/// The decision as filter state, for access logs (docs/observability.md): the keys
/// `edge_shield.policy`, `.verdict` and `.reason` (the Wasm build's names without the
/// `wasm.` prefix Envoy gives those). The reason only when there is one: two host calls
/// for most requests, three for a refusal.
fn record_decision(envoy: FilterEnvoyPtr, d: &Decision<'_>) {
    abi::set_filter_state(envoy, "edge_shield.policy", d.policy.as_bytes());
    abi::set_filter_state(envoy, "edge_shield.verdict", d.verdict.as_str().as_bytes());
    if let Some(reason) = &d.reason {
        abi::set_filter_state(envoy, "edge_shield.reason", reason.as_bytes());
    }
}

/// Whether debug traces are on; follows Envoy's `dynamic_modules` level when it
/// changed (`/logging?dynamic_modules=debug` takes effect on the next request). One
/// cheap host call per request: Envoy compares its logger's level.
fn follow_debug_level() -> bool {
    let debug = abi::log_enabled(LogLevel::Debug);
    if debug != (log::max_level() >= log::LevelFilter::Debug) {
        follow_host_log_level();
    }
    debug
}

/// At debug level, what the response step does to each security header and why.
fn trace_response(policy: &RoutePolicy, state: &ExchangeState, response: Headers<'_>) {
    if log::log_enabled!(log::Level::Debug) {
        for line in engine::explain_response(policy, state, response) {
            log::debug!("edge-shield: response header {line} (policy {})", policy.name);
        }
    }
}

/// Sends our local reply, complete (`engine::request_step`), through Envoy's
/// `sendLocalReply`, which also applies the route's and virtual host's
/// `response_headers_to_add` and the `local_reply_config`, as for the Wasm build's
/// replies. (A reply of headers only straight down the encoder chain, as Envoy's CORS
/// filter sends its preflight answers, measured 3.4k instructions cheaper but skips
/// those: not taken, docs/native.md, "Cost".)
fn send_reply(envoy: FilterEnvoyPtr, reply: &LocalReply<'_>) {
    abi::send_response(envoy, reply.status, &reply.headers, &reply.body, "edge_shield");
}

/// Seconds of the wall clock (the log budget's windows).
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

// ---- hooks Envoy requires and edge-shield does not use: pass everything through.
abi::pass_through_hooks!();

#[cfg(test)]
mod tests;
