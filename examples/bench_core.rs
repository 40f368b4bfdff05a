//! Native micro-benchmark of edge-shield's pure core: the work the filter does inside
//! the VM for one exchange (parse the header maps Envoy hands over, pick the route
//! policy, run the request phase, format a blocked-log line, run the response phase),
//! without Envoy, V8 or host calls. Scenarios come from `tests/bench/scenarios.json`,
//! shared with the Envoy benchmark, so both measure the same configs and requests.
//!
//! `cargo run --release --example bench_core` prints a table; `-- --json` prints one
//! JSON object per scenario; `-- --only default:html --iters N` runs one scenario N
//! times and nothing else (for `valgrind --tool=callgrind`, which counts instructions).
//!
//! Native x86_64 is not V8: the absolute ns/op are a lower bound for the filter's own
//! logic in Envoy, useful to compare scenarios and to catch regressions.

use edge_shield::config::policy::Config;
use edge_shield::engine;
use edge_shield::exchange::{HeaderOp, RouteInfo};
use edge_shield::http::{wire as header_map, Headers};
use serde::Deserialize;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

// ---- a counting allocator: allocations per exchange, cheaply and exactly

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A growth is a new allocation as far as the VM's allocator is concerned.
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---- scenarios.json

#[derive(Deserialize)]
struct Scenarios {
    configs: BTreeMap<String, serde_json::Value>,
    browser_headers: Vec<(String, String)>,
    requests: BTreeMap<String, Request>,
    upstream: Vec<Upstream>,
    envoy_adds: EnvoyAdds,
    core: Vec<CoreCase>,
}

#[derive(Deserialize)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Upstream {
    prefix: String,
    route: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Deserialize)]
struct EnvoyAdds {
    request: Vec<(String, String)>,
    response: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct CoreCase {
    config: String,
    request: String,
}

/// One scenario, prepared: the header maps exactly as the glue would receive them.
struct Case {
    id: String,
    config: Config,
    route_name: String,
    request_map: Vec<u8>,
    response_map: Vec<u8>,
}

fn lines<'a>(pairs: impl IntoIterator<Item = &'a (String, String)>) -> Vec<(String, String)> {
    pairs.into_iter().cloned().collect()
}

fn prepare(s: &Scenarios) -> Result<Vec<Case>, String> {
    s.core
        .iter()
        .map(|c| {
            let id = format!("{}:{}", c.config, c.request);
            let json = s
                .configs
                .get(&c.config)
                .ok_or(format!("{id}: no config {:?}", c.config))?;
            let config = edge_shield::config::load(json.to_string().as_bytes()).map_err(|e| format!("{id}: {e}"))?;
            let req = s
                .requests
                .get(&c.request)
                .ok_or(format!("{id}: no request {:?}", c.request))?;
            let up = s
                .upstream
                .iter()
                .find(|u| req.path.starts_with(&u.prefix))
                .ok_or(format!("{id}: no upstream for {}", req.path))?;
            // Envoy's order: pseudo-headers, the client's lines, then what Envoy adds.
            let mut request = lines(&[
                (":authority".to_string(), "www.example.com".to_string()),
                (":path".to_string(), req.path.clone()),
                (":method".to_string(), req.method.clone()),
            ]);
            request.extend(lines(&req.headers));
            request.extend(lines(&s.browser_headers));
            request.extend(lines(&s.envoy_adds.request));
            let mut response = vec![(":status".to_string(), up.status.to_string())];
            response.extend(lines(&up.headers));
            response.push(("content-length".to_string(), up.body.len().to_string()));
            response.extend(lines(&s.envoy_adds.response));
            Ok(Case {
                id,
                config,
                route_name: up.route.clone(),
                request_map: header_map::serialize(&request),
                response_map: header_map::serialize(&response),
            })
        })
        .collect()
}

// ---- one exchange, as src/host/mod.rs does it

/// What the filter did, to show that a scenario exercises the features.
#[derive(Default, Clone, Copy)]
struct Effect {
    reply: Option<u32>,
    ops: usize,
    blocked_log: bool,
}

impl Effect {
    fn describe(&self) -> String {
        let mut s = match self.reply {
            Some(status) => format!("local reply {status}, "),
            None => String::new(),
        };
        s.push_str(&format!("{} header edits", self.ops));
        if self.blocked_log {
            s.push_str(", blocked log line");
        }
        s
    }
}

#[inline(never)]
fn exchange(case: &Case) -> Effect {
    let mut effect = Effect::default();
    // The host allocates each map's buffer inside the VM: the clones stand for that.
    let request_map = black_box(case.request_map.clone());
    let lines = header_map::parse_borrowed(&request_map);
    let request = Headers::borrowed(&lines);
    // The glue reads `xds.route_name` (one allocated String) only when a rule uses it.
    let route_name = case.config.uses_route_name.then(|| case.route_name.clone());
    let route = RouteInfo {
        route_name: route_name.as_deref(),
        authority: request.get(":authority").unwrap_or_default(),
        path: request.get(":path").unwrap_or_default(),
    };
    let policy = case.config.select(&route).clone();
    let outcome = engine::on_request(&policy, request);
    if let (Some(blocked), true) = (&outcome.blocked, policy.log_blocked) {
        // The glue formats the line before the rate limiter decides; so do we.
        black_box(edge_shield::exchange::blocked_line(
            blocked,
            request,
            &route,
            &policy.name,
        ));
        effect.blocked_log = true;
    }
    // Envoy runs the response phase on our own local replies too.
    let map: Vec<u8> = match &outcome.reply {
        Some(reply) => {
            black_box(header_map::serialize(&reply.headers));
            effect.reply = Some(reply.status);
            let status = reply.status.to_string();
            let mut head: Vec<(&str, &[u8])> = vec![(":status", status.as_bytes())];
            head.extend(reply.headers.iter().map(|(n, v)| (n.as_ref(), v.as_ref())));
            header_map::serialize(&head)
        }
        None => black_box(case.response_map.clone()),
    };
    let response = header_map::parse_borrowed(&map);
    let ops: Vec<HeaderOp> = engine::on_response(&policy, &outcome.state, Headers::borrowed(&response));
    effect.ops = black_box(ops).len();
    effect
}

// ---- measuring

struct Stats {
    id: String,
    effect: Effect,
    ns_median: f64,
    ns_min: f64,
    allocs: f64,
    bytes: f64,
}

fn run(case: &Case, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(exchange(black_box(case)));
    }
    start.elapsed()
}

fn measure(case: &Case) -> Stats {
    // Calibrate: grow the batch until it takes 20 ms (also warms caches and branch predictors).
    let mut iters = 64u64;
    while run(case, iters) < Duration::from_millis(20) {
        iters *= 2;
    }
    let iters = iters * 2;
    let mut samples: Vec<f64> = (0..7)
        .map(|_| run(case, iters).as_nanos() as f64 / iters as f64)
        .collect();
    samples.sort_by(f64::total_cmp);
    let n = 1000u64;
    let (a0, b0) = (ALLOCS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    run(case, n);
    let (a1, b1) = (ALLOCS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    Stats {
        id: case.id.clone(),
        effect: exchange(case),
        ns_median: samples[samples.len() / 2],
        ns_min: samples[0],
        allocs: (a1 - a0) as f64 / n as f64,
        bytes: (b1 - b0) as f64 / n as f64,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let scenarios: Scenarios = match serde_json::from_str(include_str!("../tests/bench/scenarios.json")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tests/bench/scenarios.json: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cases = match prepare(&scenarios) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench_core: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(only) = flag("--only") {
        let Some(case) = cases.iter().find(|c| &c.id == only) else {
            eprintln!("bench_core: no scenario {only:?}");
            return ExitCode::FAILURE;
        };
        let iters = flag("--iters").and_then(|n| n.parse().ok()).unwrap_or(1000);
        run(case, iters);
        return ExitCode::SUCCESS;
    }
    let json = args.iter().any(|a| a == "--json");
    if !json {
        println!(
            "{:<22} {:>10} {:>10} {:>12} {:>12}  effect",
            "scenario", "ns/op", "min ns/op", "allocs/op", "bytes/op"
        );
    }
    for case in &cases {
        let s = measure(case);
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "id": s.id, "ns_median": s.ns_median, "ns_min": s.ns_min,
                    "allocs": s.allocs, "bytes": s.bytes, "effect": s.effect.describe(),
                })
            );
        } else {
            println!(
                "{:<22} {:>10.0} {:>10.0} {:>12.1} {:>12.0}  {}",
                s.id,
                s.ns_median,
                s.ns_min,
                s.allocs,
                s.bytes,
                s.effect.describe()
            );
        }
    }
    ExitCode::SUCCESS
}
