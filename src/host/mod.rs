//! The only module that talks to Envoy: it fetches headers once, asks the pure core
//! for a decision and applies it with as few host calls as possible.

mod abi;

use crate::config;
use crate::config::fingerprint::config_key;
use crate::config::policy::{Config, MetadataNames, RoutePolicy};
use crate::engine::{self, ExchangeState};
use crate::exchange::{metric_segment, Counter, Counters, Decision, HeaderOp, PluginCounter, RouteInfo};
use crate::http::{wire, Headers};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType};
use std::rc::Rc;

/// Where Envoy (1.36.4 and 1.40.0 checked) exposes a route's and a virtual host's
/// `metadata.filter_metadata.edge-shield.policy`: the string itself, absent when unset.
const ROUTE_POLICY: [&str; 5] = ["xds", "route_metadata", "filter_metadata", "edge-shield", "policy"];
const VIRTUAL_HOST_POLICY: [&str; 5] = [
    "xds",
    "virtual_host_metadata",
    "filter_metadata",
    "edge-shield",
    "policy",
];

proxy_wasm::main! {{
    install_logger();
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root::default()) });
}}

// ---- logging: our own logger and panic hook, neither of which can panic itself.

struct HostLogger;
static LOGGER: HostLogger = HostLogger;

impl log::Log for HostLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            let level = match record.level() {
                log::Level::Trace => abi::LEVEL_TRACE,
                log::Level::Debug => abi::LEVEL_DEBUG,
                log::Level::Info => abi::LEVEL_INFO,
                log::Level::Warn => abi::LEVEL_WARN,
                log::Level::Error => abi::LEVEL_ERROR,
            };
            abi::log(level, &record.args().to_string());
        }
    }
    fn flush(&self) {}
}

fn install_logger() {
    // No host calls here: Envoy refuses most of them during `_initialize`.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Warn);
    std::panic::set_hook(Box::new(|info| {
        abi::log(abi::LEVEL_CRITICAL, &format!("edge-shield: {info}"));
    }));
}

/// Lines below the host's level would be dropped by Envoy anyway: filter them
/// before they cross the VM boundary.
fn follow_host_log_level() {
    let filter = match abi::log_level() {
        Some(abi::LEVEL_TRACE) => log::LevelFilter::Trace,
        Some(abi::LEVEL_DEBUG) => log::LevelFilter::Debug,
        Some(abi::LEVEL_INFO) => log::LevelFilter::Info,
        Some(abi::LEVEL_WARN) | None => log::LevelFilter::Warn,
        Some(abi::LEVEL_ERROR) => log::LevelFilter::Error,
        Some(_) => log::LevelFilter::Error,
    };
    log::set_max_level(filter);
}

// ---- metrics

/// Counter ids per route policy (index = `RoutePolicy::index`), defined at configure time.
#[derive(Default)]
struct Metrics(Vec<[Option<u32>; Counter::ALL.len()]>);

impl Metrics {
    fn define(config: &Config, plugin: &str) -> Self {
        Metrics(
            config
                .policies()
                .map(|p| Counter::ALL.map(|c| abi::define_counter(&c.metric_name(plugin, &p.name))))
                .collect(),
        )
    }

    fn bump(&self, policy: usize, counters: Counters) {
        if let Some(ids) = self.0.get(policy) {
            for c in counters.iter() {
                if let Some(Some(id)) = ids.get(c as usize) {
                    abi::increment(*id);
                }
            }
        }
    }
}

/// Defines (idempotent in Envoy) and bumps a per-plugin counter.
fn bump_plugin_counter(plugin: &str, c: PluginCounter) {
    if let Some(id) = abi::define_counter(&c.metric_name(plugin)) {
        abi::increment(id);
    }
}

/// True for the first VM of this process to ask for `key` (shared data is shared by
/// every VM of a `vm_id`, and outlives them). Proxy-Wasm has no atomic create of a key
/// (a set with `cas` 0 always writes), so two VMs racing on a new key could both see it
/// missing; Envoy configures a new configuration on the main thread before any worker,
/// so in Envoy's order the first VM always writes the key before the others look.
fn first_time(key: &str) -> bool {
    match abi::shared_data_cas(key) {
        Some(_) => false,
        None => abi::set_shared_data(key, b"loaded", 0) == abi::OK,
    }
}

// ---- root context

#[derive(Default)]
struct Root {
    config: Option<Rc<Config>>,
    metrics: Rc<Metrics>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, size: usize) -> bool {
        follow_host_log_level();
        // `/logging?wasm=debug` on Envoy's admin takes effect within a second.
        abi::set_tick_period_ms(1000);
        let plugin = abi::property(&["plugin_name"])
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let bytes = abi::plugin_configuration();
        if bytes.len() < size {
            // Never fall back to defaults in place of a configuration we could not read.
            log::error!("edge-shield: could not read the plugin configuration ({size} bytes announced)");
            bump_plugin_counter(&plugin, PluginCounter::ConfigRejected);
            return false;
        }
        match config::load(&bytes) {
            Ok(config) => {
                // Defined now so that the series exists (at 0) before any refusal.
                let _ = abi::define_counter(&PluginCounter::ConfigRejected.metric_name(&plugin));
                // Envoy configures every VM (one per worker, two on the main thread):
                // say it and count it once per configuration.
                if first_time(&config_key(&metric_segment(&plugin), &bytes)) {
                    for w in &config.warnings {
                        log::warn!("edge-shield: warning: {w}");
                    }
                    log::info!("edge-shield: configuration loaded");
                    bump_plugin_counter(&plugin, PluginCounter::ConfigLoaded);
                }
                self.metrics = Rc::new(Metrics::define(&config, &plugin));
                self.config = Some(Rc::new(config));
                true
            }
            Err(e) => {
                // Only the main thread's VM sees a refused configuration: Envoy stops there.
                log::error!("{e}");
                bump_plugin_counter(&plugin, PluginCounter::ConfigRejected);
                false
            }
        }
    }

    fn on_tick(&mut self) {
        follow_host_log_level();
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        // Never None: the SDK dispatcher panics on None.
        Some(Box::new(Stream {
            config: self.config.clone(),
            metrics: self.metrics.clone(),
            exchange: None,
            replied: false,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }

    fn on_vm_start(&mut self, _size: usize) -> bool {
        follow_host_log_level();
        true
    }
}

// ---- one HTTP stream

struct Stream {
    config: Option<Rc<Config>>,
    metrics: Rc<Metrics>,
    /// The policy chosen in the request phase and what that phase found.
    exchange: Option<(Rc<RoutePolicy>, ExchangeState)>,
    /// The request phase sent a local reply (complete: see `engine::complete_reply`).
    replied: bool,
}

impl Context for Stream {}

impl HttpContext for Stream {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let Some(config) = self.config.clone() else {
            return Action::Continue;
        };
        let map = abi::header_map(abi::MAP_REQUEST_HEADERS);
        let lines = wire::parse_borrowed(&map);
        let request = Headers::borrowed(&lines);
        let route_name = if config.uses_route_name {
            abi::property(&["xds", "route_name"]).and_then(|b| String::from_utf8(b).ok())
        } else {
            None
        };
        let route = RouteInfo::of(request, route_name.as_deref());
        // A route's own YAML may name its policy (docs/configuration-yaml.md): the route's
        // metadata first; the virtual host's only when the route names none.
        let (route_meta, host_meta) = if config.read_route_metadata {
            let route = abi::property(&ROUTE_POLICY);
            let host = if route.is_none() {
                abi::property(&VIRTUAL_HOST_POLICY)
            } else {
                None
            };
            (route, host)
        } else {
            (None, None)
        };
        let names = MetadataNames {
            route: route_meta.as_deref(),
            virtual_host: host_meta.as_deref(),
        };
        let step = engine::request_step(&config, names, &route, request);
        let (policy, outcome) = (step.policy, &step.outcome);
        self.metrics.bump(policy.index, outcome.counters);
        let debug = log::log_enabled!(log::Level::Debug);
        step.record(&config, request, &route, debug, record_decision);
        step.log(names, &route, request, abi::now_secs, || {
            abi::property(&["xds", "route_name"]).and_then(|b| String::from_utf8(b).ok())
        });
        let mut action = Action::Continue;
        if let Some(reply) = &outcome.reply {
            self.replied = true;
            let headers = wire::serialize(&reply.headers);
            let status = abi::send_local_response(reply.status, &headers, &reply.body, "edge_shield");
            action = Action::Pause;
            if status != abi::OK {
                // Fail closed: a refusal that could not be sent must not become a pass.
                log::error!("edge-shield: could not send a local reply (host status {status}); resetting the stream");
                abi::reset_request();
            }
        }
        self.exchange = Some((policy.clone(), step.outcome.state));
        action
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let Some(config) = &self.config else {
            return Action::Continue;
        };
        if self.replied {
            // Our own local reply, complete when it was sent.
            return Action::Continue;
        }
        let map = abi::header_map(abi::MAP_RESPONSE_HEADERS);
        let lines = wire::parse_borrowed(&map);
        // The request phase did not run (Envoy answered before it, e.g. a codec error
        // after the request headers): the top-level policy applies, with nothing known.
        // (A local reply of a filter placed before us never reaches this hook.)
        let fallback;
        let (policy, state) = match &self.exchange {
            Some((p, s)) => (p, s),
            None => {
                fallback = (config.default.clone(), ExchangeState::default());
                (&fallback.0, &fallback.1)
            }
        };
        if log::log_enabled!(log::Level::Debug) {
            for line in engine::explain_response(policy, state, Headers::borrowed(&lines)) {
                log::debug!("edge-shield: response header {line} (policy {})", policy.name);
            }
        }
        for op in engine::on_response(policy, state, Headers::borrowed(&lines)) {
            let status = match &op {
                HeaderOp::Set(n, v) => abi::replace_header(abi::MAP_RESPONSE_HEADERS, n, v),
                HeaderOp::Add(n, v) => abi::add_header(abi::MAP_RESPONSE_HEADERS, n, v),
                HeaderOp::Remove(n) => abi::remove_header(abi::MAP_RESPONSE_HEADERS, n),
            };
            if status != abi::OK {
                log::debug!("edge-shield: response header edit {op:?} failed (host status {status})");
            }
        }
        Action::Continue
    }
}

/// The decision as filter state, for access logs (docs/observability.md): Envoy names
/// these `wasm.edge_shield.policy`, `.verdict` and `.reason`. The reason only when there
/// is one: two host calls for most requests, three for a refusal.
fn record_decision(d: &Decision<'_>) {
    abi::set_property("edge_shield.policy", d.policy.as_bytes());
    abi::set_property("edge_shield.verdict", d.verdict.as_str().as_bytes());
    if let Some(reason) = &d.reason {
        abi::set_property("edge_shield.reason", reason.as_bytes());
    }
}
