//! `make soak`: a long mixed run against two workers (not part of `make test`).
//! Page loads, CORS reads allowed and blocked, preflights allowed and refused, CSRF
//! and WebSocket refusals, HTTPS redirects, Envoy's own replies, and requests with
//! hostile header bytes (the kinds of values `tests/hostile.rs` generates: non-UTF-8,
//! commas, empty, 60 KiB, repeated names), all over kept-alive HTTP/1.1 connections.
//! Reports Envoy's RSS every 100k requests, Wasm VM restarts, and every unexpected
//! status; fails on any of them, or if memory grows after warm-up.
//!
//! Knobs: `SOAK_REQUESTS` (default 1,000,000), `SOAK_CONNECTIONS` (default 16),
//! `SOAK_REPORT` (default `target/soak-report.md`).

use crate::harness::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example.net";

const PLUGIN: &str = r#"{
  "cors": {"allowed_origins": ["https://app.example.com", "https://*.example.org"],
           "allowed_methods": ["GET", "POST", "PUT", "DELETE"],
           "allowed_headers": ["content-type", "x-request-id"],
           "exposed_headers": ["x-total"], "allow_credentials": true},
  "csrf": {},
  "cookies": {},
  "websocket": {},
  "rules": [
    {"name": "public", "match": {"path_prefix": "/public/"}, "cors": {"allowed_origins": ["*"]}},
    {"name": "legacy", "match": {"path_prefix": "/legacy/"}, "https_redirect": {}}
  ]
}"#;

/// A deterministic generator (xorshift64*), so a failing soak can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Page,
    CorsAllowed,
    CorsBlocked,
    PublicCors,
    PreflightAllowed,
    PreflightRefused,
    CsrfRefused,
    WebSocketRefused,
    Redirect,
    Direct,
    Dead,
    Hostile,
}

/// Request names the hostile generator uses (those of `tests/hostile.rs` that HTTP/1.1
/// can carry: no pseudo-headers, and none that change the message framing).
const NAMES: &[&str] = &[
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
    "vary",
    "content-type",
    "cookie",
    "sec-fetch-site",
    "sec-fetch-mode",
    "x-forwarded-proto",
    "upgrade",
    "accept",
];

/// A value as `tests/hostile.rs` makes them: meaningful, almost valid, or arbitrary.
fn hostile_value(rng: &mut Rng) -> Vec<u8> {
    const FIXED: &[&[u8]] = &[
        b"OPTIONS",
        b"POST",
        b"https://app.example.com",
        b"https://a.b.example.org:8443",
        b"http://localhost:3000",
        b"null",
        b"https",
        b"http",
        b"websocket",
        b"cross-site",
        b"text/html; charset=utf-8",
        b"content-type, , X-Request-Id,,authorization",
        b"GET, DELETE",
        b"",
        b"https://\xff\xfe.example",
        b"https://x\xe9.example.org",
    ];
    match rng.below(4) {
        0 | 1 => rng.pick(FIXED).to_vec(),
        2 => {
            // Arbitrary bytes but CR and LF (which would end the line: another request).
            let n = rng.below(64);
            (0..n)
                .map(|_| match (rng.next() & 0xff) as u8 {
                    b'\r' | b'\n' => b' ',
                    b => b,
                })
                .collect()
        }
        _ => {
            if rng.below(50) == 0 {
                vec![b'a'; 60 * 1024]
            } else {
                (0..rng.below(40)).map(|_| b' ' + rng.below(95) as u8).collect()
            }
        }
    }
}

fn request_of(kind: Kind, rng: &mut Rng, i: u64) -> Req {
    let api = format!("/api/items/{}", i % 1000);
    match kind {
        Kind::Page => get(&format!("/page/{}", i % 100))
            .header("accept", "text/html")
            .upstream_header("content-type", "text/html")
            .upstream_header("set-cookie", "sid=abc; Path=/"),
        Kind::CorsAllowed => get(&api).origin(APP).upstream_header("x-total", "3"),
        Kind::CorsBlocked => get(&api).origin(EVIL),
        Kind::PublicCors => get("/public/logo.svg").origin("https://anyone.example.net"),
        Kind::PreflightAllowed => {
            preflight(&api, "https://shop.example.org", "PUT").header("access-control-request-headers", "content-type")
        }
        Kind::PreflightRefused => preflight(&api, EVIL, "PUT"),
        Kind::CsrfRefused => request("POST", &api)
            .header("host", "api.example.com")
            .header("sec-fetch-site", "cross-site")
            .origin(EVIL)
            .header("content-length", "0"),
        Kind::WebSocketRefused => get("/ws")
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .origin(EVIL),
        Kind::Redirect => get("/legacy/x")
            .header("host", "example.com")
            .header("x-forwarded-proto", "http"),
        Kind::Direct => get("/direct/x").origin(APP),
        Kind::Dead => get("/dead/x").origin(APP),
        Kind::Hostile => {
            let mut req = get(if rng.below(2) == 0 {
                "/hostile"
            } else {
                "/public/hostile"
            });
            for _ in 0..rng.below(8) {
                let name = rng.pick(NAMES);
                req = req.header_bytes(name, &hostile_value(rng));
            }
            if rng.below(3) == 0 {
                // Hostile response bytes too: what the upstream sends back (no NUL:
                // the upstream codec refuses that, a 503 that is not ours).
                let mut v = hostile_value(rng);
                v.retain(|b| *b != 0);
                req = req.header_bytes("x-test-header", &[b"vary: ".as_slice(), &v].concat());
            }
            if rng.below(20) == 0 {
                for n in 0..200 {
                    req = req.header(&format!("x-many-{n}"), "v");
                }
            }
            req
        }
    }
}

/// The mix, by weight: mostly what browsers send, a quarter hostile.
const MIX: &[(Kind, u32)] = &[
    (Kind::Page, 20),
    (Kind::CorsAllowed, 15),
    (Kind::CorsBlocked, 5),
    (Kind::PublicCors, 5),
    (Kind::PreflightAllowed, 10),
    (Kind::PreflightRefused, 4),
    (Kind::CsrfRefused, 3),
    (Kind::WebSocketRefused, 2),
    (Kind::Redirect, 3),
    (Kind::Direct, 5),
    (Kind::Dead, 1),
    (Kind::Hostile, 27),
];

fn pick_kind(rng: &mut Rng) -> Kind {
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    let mut at = rng.below(total as usize) as u32;
    for (k, w) in MIX {
        if at < *w {
            return *k;
        }
        at -= w;
    }
    unreachable!()
}

/// Bytes a header we write must never contain (RFC 9110 §5.5: no CR, LF, NUL or other
/// controls but HTAB).
fn malformed(v: &[u8]) -> bool {
    v.iter().any(|b| (*b < 0x20 && *b != b'\t') || *b == 0x7f)
}

/// The fields we write (CORS, `Vary`, the security headers).
fn ours(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("access-control-")
        || n.starts_with("cross-origin-")
        || [
            "vary",
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
            "origin-agent-cluster",
            "x-dns-prefetch-control",
            "x-download-options",
            "x-permitted-cross-domain-policies",
            "x-xss-protection",
            "location",
        ]
        .contains(&n.as_str())
}

/// What docs/configuration.md says this kind gets; `Err(why)` otherwise.
fn check(kind: Kind, r: &Resp) -> Result<(), String> {
    let acao = r.header("access-control-allow-origin");
    let ok = match kind {
        Kind::Page => {
            r.status == 200
                && r.header("x-content-type-options").as_deref() == Some("nosniff")
                && r.has("content-security-policy")
                && r.all("set-cookie") == ["sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"]
        }
        Kind::CorsAllowed => r.status == 200 && acao.as_deref() == Some(APP),
        Kind::CorsBlocked => r.status == 200 && acao.is_none(),
        Kind::PublicCors => r.status == 200 && acao.as_deref() == Some("*"),
        Kind::PreflightAllowed => r.status == 204 && acao.as_deref() == Some("https://shop.example.org"),
        Kind::PreflightRefused | Kind::CsrfRefused | Kind::WebSocketRefused => r.status == 403 && acao.is_none(),
        Kind::Redirect => r.status == 308 && r.header("location").as_deref() == Some("https://example.com/legacy/x"),
        Kind::Direct => r.status == 200 && acao.as_deref() == Some(APP),
        Kind::Dead => r.status == 503 && acao.as_deref() == Some(APP),
        // Any answer but a server error: 200/204/403 from us, 400/431 from Envoy's codec
        // for bytes HTTP does not allow, 101 for a hostile but valid upgrade.
        Kind::Hostile => r.status < 500,
    };
    if !ok {
        return Err(format!("{kind:?}: status {} {:?}", r.status, r.headers_text()));
    }
    for (n, v) in &r.headers {
        if ours(n) && malformed(v) {
            return Err(format!("{kind:?}: malformed {n}: {:?}", String::from_utf8_lossy(v)));
        }
    }
    Ok(())
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| {
                    l.strip_prefix("VmRSS:")
                        .map(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
                })
                .flatten()
        })
        .unwrap_or(0)
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

struct Sample {
    requests: u64,
    secs: f64,
    rss_kib: u64,
    vms_created: u64,
    vm_failures: Vec<String>,
}

#[test]
#[ignore = "a long run: `make soak`"]
fn soak_mixed_traffic_two_workers() {
    let total = env_u64("SOAK_REQUESTS", 1_000_000);
    let connections = env_u64("SOAK_CONNECTIONS", 16);
    let mut envoy = Launch::new(DEFAULT_TEMPLATE, PLUGIN)
        .concurrency(2)
        .without_recording()
        .start();
    let port = envoy.port();
    let pid = envoy.pid();
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let unexpected: Arc<Mutex<Vec<String>>> = Arc::default();
    let per_kind: Arc<Mutex<BTreeMap<Kind, u64>>> = Arc::default();
    let statuses: Arc<Mutex<BTreeMap<(Kind, u16), u64>>> = Arc::default();
    let started = Instant::now();
    let sample = |envoy: &Envoy, requests: u64| Sample {
        requests,
        secs: started.elapsed().as_secs_f64(),
        rss_kib: rss_kib(pid),
        vms_created: envoy.stat("wasm.envoy.wasm.runtime.v8.created").unwrap_or(0),
        vm_failures: envoy.wasm_failures(),
    };
    let mut samples = vec![sample(&envoy, 0)];

    let workers: Vec<_> = (0..connections)
        .map(|c| {
            let (done, stop, unexpected, per_kind, statuses) = (
                done.clone(),
                stop.clone(),
                unexpected.clone(),
                per_kind.clone(),
                statuses.clone(),
            );
            thread::spawn(move || {
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (c + 1).wrapping_mul(0x1234_5678_9abc_def1));
                let mut conn = Conn::open(port).expect("connect");
                let mut kinds: BTreeMap<Kind, u64> = BTreeMap::new();
                let mut seen: BTreeMap<(Kind, u16), u64> = BTreeMap::new();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let n = done.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let kind = pick_kind(&mut rng);
                    let req = request_of(kind, &mut rng, i);
                    i += 1;
                    *kinds.entry(kind).or_default() += 1;
                    let reopen = match conn.send(&req) {
                        Ok(r) => {
                            *seen.entry((kind, r.status)).or_default() += 1;
                            if let Err(why) = check(kind, &r) {
                                unexpected.lock().unwrap().push(why);
                            }
                            // Envoy closes after a codec error, an upgrade, or a reply
                            // that left a body unread.
                            r.header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"))
                                || r.status == 101
                                || r.status == 400
                                || r.status == 431
                        }
                        Err(e) => {
                            if kind != Kind::Hostile {
                                unexpected.lock().unwrap().push(format!("{kind:?}: no response: {e}"));
                            }
                            true
                        }
                    };
                    if reopen {
                        conn = Conn::open(port).expect("reconnect");
                    }
                }
                let mut all = per_kind.lock().unwrap();
                for (k, n) in kinds {
                    *all.entry(k).or_default() += n;
                }
                let mut all = statuses.lock().unwrap();
                for (k, n) in seen {
                    *all.entry(k).or_default() += n;
                }
            })
        })
        .collect();

    let mut next = 100_000;
    while done.load(Ordering::Relaxed) < total {
        thread::sleep(Duration::from_millis(200));
        let n = done.load(Ordering::Relaxed).min(total);
        if n >= next {
            let s = sample(&envoy, n);
            println!(
                "soak: {n:>9} requests  {:>7.1}s  RSS {:>7} KiB  VMs created {}  failures {:?}",
                s.secs, s.rss_kib, s.vms_created, s.vm_failures
            );
            samples.push(s);
            next += 100_000;
        }
        if !envoy.running() {
            stop.store(true, Ordering::Relaxed);
            break;
        }
        if unexpected.lock().unwrap().len() > 1000 {
            stop.store(true, Ordering::Relaxed);
        }
    }
    for w in workers {
        w.join().unwrap();
    }
    let last = sample(&envoy, total.min(done.load(Ordering::Relaxed)));
    let running = envoy.running();

    // Growth after warm-up: from the 200k sample (or the first) to the end.
    let warm = samples.iter().find(|s| s.requests >= 200_000).unwrap_or(&samples[0]);
    let growth_per_100k = if last.requests > warm.requests {
        (last.rss_kib as f64 - warm.rss_kib as f64) / ((last.requests - warm.requests) as f64 / 100_000.0)
    } else {
        0.0
    };
    let unexpected = unexpected.lock().unwrap().clone();
    let mut report = String::new();
    let _ = writeln!(
        report,
        "## Soak: {} requests, {} connections, 2 workers, Envoy {}\n",
        last.requests,
        connections,
        std::env::var("ENVOY").unwrap_or_else(|_| envoy_bin().display().to_string())
    );
    let _ = writeln!(
        report,
        "{:.0} s, {:.0} requests/s on this machine (a loaded 2-core VM, client in the same box).\n",
        last.secs,
        last.requests as f64 / last.secs
    );
    let _ = writeln!(
        report,
        "| requests | seconds | Envoy RSS (KiB) | Wasm VMs created | VM failure stats |"
    );
    let _ = writeln!(report, "|---:|---:|---:|---:|---|");
    let ended_between_samples = samples.last().map(|s| s.requests) != Some(last.requests);
    for s in samples.iter().chain(ended_between_samples.then_some(&last)) {
        let _ = writeln!(
            report,
            "| {} | {:.0} | {} | {} | {} |",
            s.requests,
            s.secs,
            s.rss_kib,
            s.vms_created,
            if s.vm_failures.is_empty() {
                "none".into()
            } else {
                s.vm_failures.join(", ")
            }
        );
    }
    let _ = writeln!(
        report,
        "\nRSS growth after warm-up ({}k → {}k): {growth_per_100k:+.0} KiB per 100k requests.",
        warm.requests / 1000,
        last.requests / 1000
    );
    let _ = writeln!(
        report,
        "VM restarts: {} (VMs created at start {}, at the end {}).",
        last.vms_created - samples[0].vms_created,
        samples[0].vms_created,
        last.vms_created
    );
    let _ = writeln!(report, "Unexpected answers: {}.\n", unexpected.len());
    let _ = writeln!(report, "| kind | requests | statuses |");
    let _ = writeln!(report, "|---|---:|---|");
    let statuses = statuses.lock().unwrap();
    for (kind, n) in per_kind.lock().unwrap().iter() {
        let st: Vec<String> = statuses
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, s), c)| format!("{s}: {c}"))
            .collect();
        let _ = writeln!(report, "| {kind:?} | {n} | {} |", st.join(", "));
    }
    for u in unexpected.iter().take(20) {
        let _ = writeln!(report, "- unexpected: {}", u.chars().take(400).collect::<String>());
    }
    println!("{report}");
    let path =
        std::env::var("SOAK_REPORT").unwrap_or_else(|_| repo().join("target/soak-report.md").display().to_string());
    std::fs::write(&path, &report).unwrap();
    println!("(written to {path})");

    assert!(running, "Envoy died");
    assert!(unexpected.is_empty(), "{} unexpected answers", unexpected.len());
    assert_eq!(last.vms_created, samples[0].vms_created, "a Wasm VM was restarted");
    assert!(last.vm_failures.is_empty(), "{:?}", last.vm_failures);
    // Flat memory: allocator noise is a few hundred KiB; a leak of one small
    // allocation per request is ≥ 1 MiB per 100k.
    assert!(
        growth_per_100k < 1024.0,
        "RSS grows {growth_per_100k:.0} KiB per 100k requests"
    );
}
