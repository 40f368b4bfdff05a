//! Several workers (`--concurrency 4`): each worker thread has its own Wasm VM, and
//! every one of them must answer exactly alike; our counters are one Envoy stat per
//! name, summed over the workers; the blocked-request log budget is per worker
//! (docs/operations-reliability.md). Connections are assigned to workers by the
//! kernel; the test learns which worker took each connection from Envoy's per-worker
//! listener stats.

use crate::harness::*;
use std::collections::BTreeMap;
use std::thread;
use std::time::Duration;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example.net";
const WORKERS: usize = 4;
/// Enough connections that every worker gets some (the kernel spreads them by hash:
/// the chance that one of 4 workers gets none of 48 is about 4·(3/4)^48 ≈ 4e-6).
const CONNECTIONS: usize = 48;

const PLUGIN: &str = r#"{
  "cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "PUT"]},
  "csrf": {},
  "cookies": {}
}"#;

/// One browser's visit: a page, CORS reads allowed and blocked, preflights allowed and
/// refused, a cross-site form post, a cookie, Envoy's own 503.
fn visit() -> Vec<Req> {
    vec![
        get("/page")
            .header("accept", "text/html")
            .upstream_header("content-type", "text/html"),
        get("/api/items").origin(APP),
        get("/api/items").origin(EVIL),
        preflight("/api/items", APP, "PUT"),
        preflight("/api/items", EVIL, "PUT"),
        request("POST", "/api/transfer")
            .header("host", "api.example.com")
            .header("sec-fetch-site", "cross-site")
            .origin(EVIL)
            // No body: Envoy closes a connection whose request body a local reply left
            // unread, and this one is kept alive for the requests after it.
            .header("content-length", "0"),
        get("/login").upstream_header("set-cookie", "sid=abc; Path=/"),
        get("/dead/x").origin(APP),
    ]
}

/// What must be identical across workers: status, every header line but the two that
/// vary by time, the body.
fn normalized(r: &Resp) -> (u16, Vec<String>, String) {
    let lines = r
        .headers_text()
        .into_iter()
        .filter(|l| {
            let name = l.split(':').next().unwrap_or("").to_ascii_lowercase();
            name != "date" && name != "x-envoy-upstream-service-time"
        })
        .collect();
    (r.status, lines, r.text())
}

/// `worker index → downstream connections accepted` of the `edge` listener (its stats
/// are named for its configured address, `127.0.0.1_0`).
fn connections_per_worker(envoy: &Envoy) -> BTreeMap<usize, u64> {
    let prefix = "listener.127.0.0.1_0.worker_";
    envoy
        .stats()
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(prefix)?;
            let (worker, rest) = rest.split_once('.')?;
            let value = rest.strip_prefix("downstream_cx_total: ")?;
            Some((worker.parse().ok()?, value.trim().parse().ok()?))
        })
        .collect()
}

/// Opens a connection, sends its first request, and tells which worker accepted it.
fn open_on_some_worker(envoy: &Envoy, first: &Req) -> (Conn, usize, Resp) {
    let before = connections_per_worker(envoy);
    let mut conn = Conn::open(envoy.port()).unwrap();
    let resp = conn.send(first).unwrap();
    let after = connections_per_worker(envoy);
    let grown: Vec<usize> = after
        .iter()
        .filter(|(w, n)| before.get(w).copied().unwrap_or(0) < **n)
        .map(|(w, _)| *w)
        .collect();
    assert_eq!(
        grown.len(),
        1,
        "one worker accepted the connection: {before:?} → {after:?}"
    );
    (conn, grown[0], resp)
}

#[test]
fn every_worker_answers_alike_and_counters_add_up() {
    let envoy = Launch::new(DEFAULT_TEMPLATE, PLUGIN)
        .concurrency(WORKERS as u32)
        .start();
    let visit = visit();

    // The first connection's answers, checked against docs/configuration.md; every other connection,
    // whichever worker took it, must give the same bytes.
    let mut workers_of = Vec::new();
    let mut conns = Vec::new();
    let mut reference: Option<Vec<(u16, Vec<String>, String)>> = None;
    for _ in 0..CONNECTIONS {
        let (mut conn, worker, first) = open_on_some_worker(&envoy, &visit[0]);
        let mut answers = vec![first];
        for req in &visit[1..] {
            answers.push(conn.send(req).unwrap_or_else(|e| panic!("{req:?}: {e}")));
        }
        if reference.is_none() {
            let [page, allowed, blocked, pre_ok, pre_no, csrf, cookie, dead] = &answers[..] else {
                unreachable!()
            };
            assert_eq!(page.status, 200);
            assert_eq!(page.header("x-frame-options").as_deref(), Some("SAMEORIGIN"));
            assert!(page.has("content-security-policy"));
            assert_eq!(allowed.header("access-control-allow-origin").as_deref(), Some(APP));
            assert!(!blocked.has("access-control-allow-origin"));
            assert_eq!(pre_ok.status, 204);
            let methods = pre_ok.header("access-control-allow-methods").unwrap_or_default();
            let methods: Vec<&str> = methods.split(',').map(str::trim).collect();
            assert_eq!(methods, ["GET", "PUT"]);
            assert_eq!(pre_no.status, 403);
            assert_eq!(csrf.status, 403);
            assert_eq!(
                cookie.all("set-cookie"),
                ["sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"]
            );
            assert_eq!(dead.status, 503);
            assert_eq!(dead.header("access-control-allow-origin").as_deref(), Some(APP));
        }
        let answers: Vec<_> = answers.iter().map(normalized).collect();
        match &reference {
            None => reference = Some(answers),
            Some(want) => {
                for (i, (got, want)) in answers.iter().zip(want).enumerate() {
                    assert_eq!(got, want, "worker {worker}, request {i}: {:?}", visit[i]);
                }
            }
        }
        workers_of.push(worker);
        conns.push(conn);
    }
    let mut served: BTreeMap<usize, usize> = BTreeMap::new();
    for w in &workers_of {
        *served.entry(*w).or_default() += 1;
    }
    assert_eq!(
        served.len(),
        WORKERS,
        "every worker served some connections: {served:?}"
    );

    // One stat per counter, summed over the workers' VMs.
    let n = CONNECTIONS as u64;
    assert_eq!(envoy.counter("default", "requests"), n * visit.len() as u64);
    assert_eq!(envoy.counter("default", "cors_preflight_allowed"), n);
    assert_eq!(envoy.counter("default", "cors_preflight_rejected"), n);
    assert_eq!(envoy.counter("default", "cors_actual_blocked"), n);

    // The log budget is per worker. A blocked request on one connection per worker in
    // a fresh second takes the lines the visits left suppressed; then a burst of
    // blocked requests on every connection, then (in the next second, a fresh budget)
    // one more per worker, whose line reports how many of that worker's burst lines
    // were suppressed. Per worker, burst lines logged + suppressed = blocked requests.
    let one_per_worker = |conns: &mut Vec<Conn>, path: &str| {
        let mut done = Vec::new();
        for (conn, w) in conns.iter_mut().zip(&workers_of) {
            if !done.contains(w) {
                assert_eq!(conn.send(&get(path).origin(EVIL)).unwrap().status, 200);
                done.push(*w);
            }
        }
    };
    thread::sleep(Duration::from_millis(1100));
    one_per_worker(&mut conns, "/flush");
    const BURST: usize = 8;
    for conn in &mut conns {
        for _ in 0..BURST {
            assert_eq!(conn.send(&get("/burst").origin(EVIL)).unwrap().status, 200);
        }
    }
    thread::sleep(Duration::from_millis(1100));
    one_per_worker(&mut conns, "/burst-end");
    let mut blocked_on: BTreeMap<usize, usize> = BTreeMap::new();
    for w in &workers_of {
        *blocked_on.entry(*w).or_default() += BURST;
    }
    for n in blocked_on.values_mut() {
        *n += 1; // the `/burst-end` one
    }
    thread::sleep(Duration::from_millis(300));
    let log = envoy.log();
    let mut per_thread: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for line in log
        .lines()
        .filter(|l| l.contains("blocked cors request") && l.contains("path=\"/burst"))
    {
        // Envoy's default log format: `[time][thread id][level][logger] ...`.
        let thread = line.split("][").nth(1).unwrap_or("").to_string();
        let suppressed = line
            .rsplit_once(" similar lines suppressed)")
            .and_then(|(head, _)| head.rsplit_once('(').map(|(_, n)| n.parse::<u64>().unwrap()))
            .unwrap_or(0);
        let e = per_thread.entry(thread).or_default();
        e.0 += 1;
        e.1 += suppressed;
    }
    assert_eq!(
        per_thread.len(),
        WORKERS,
        "each worker logs within its own budget: {per_thread:?}"
    );
    let mut accounted: Vec<u64> = per_thread.values().map(|(lines, sup)| *lines as u64 + sup).collect();
    let mut blocked: Vec<u64> = blocked_on.values().map(|n| *n as u64).collect();
    accounted.sort();
    blocked.sort();
    assert_eq!(accounted, blocked, "lines + suppressed per worker = blocked per worker");
    for (thread, (lines, _)) in &per_thread {
        // At most 10 a second; the burst spans at most a few seconds on a busy machine.
        assert!(
            *lines < BURST * CONNECTIONS / WORKERS,
            "worker {thread} logged {lines} lines"
        );
    }
    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
}
