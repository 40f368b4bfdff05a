#!/usr/bin/env python3
"""`make bench`: how much edge-shield costs, measured honestly on this machine.

Three parts, all driven by tests/bench/scenarios.json:
1. the pure core natively (examples/bench_core.rs): ns/op and allocations per exchange;
2. the same under `valgrind --tool=callgrind`: instructions per exchange, which do not
   depend on what else the machine is doing;
3. Envoy on loopback: one Envoy per variant (no filter, Envoy-native equivalents,
   edge-shield with a plugin config), a second Envoy as a cheap direct_response
   upstream, and wrk as the load. Per cell, two closed-loop runs per round: with one
   connection for latency (p50/p99 without queueing), and with several connections
   for capacity (requests/s, and the edge Envoy's CPU time per request over all its
   threads, from /proc, which is steadier when Envoy is busy than when it sleeps
   between requests); then its RSS.

Every load is bounded in time, only 127.0.0.1 is contacted, and every Envoy started
here is killed on exit, failure or Ctrl-C (and by the kernel if this script dies).
Settings (environment): BENCH_DURATION seconds per capacity run (1; latency runs take
half, at least 1), BENCH_RUNS rounds (6), BENCH_CONNECTIONS for capacity (8; latency uses 1),
BENCH_WARMUP seconds (1), BENCH_PIN (1: pin the edge Envoy to
CPU 0, load and upstream to CPU 1), BENCH_OUT (tests/bench/RESULTS.md), BENCH_NOTE
(a line for the report), ENVOY, EDGE_SHIELD_WASM.
"""

import ctypes
import datetime
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = json.loads((ROOT / "tests/bench/scenarios.json").read_text())
ENVOY = os.environ.get("ENVOY") or str(ROOT / ".venv/bin/envoy")
WASM = Path(os.environ.get("EDGE_SHIELD_WASM") or ROOT / "target/wasm32-wasip1/release/edge_shield.wasm")
NOOP_WASM = ROOT / "target/wasm32-wasip1/release/examples/noop_filter.wasm"
CORE_BIN = ROOT / "target/release/examples/bench_core"
DURATION = int(os.environ.get("BENCH_DURATION", "1"))
LATENCY_DURATION = max(1, DURATION // 2)
RUNS = int(os.environ.get("BENCH_RUNS", "6"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "1"))
PIN = os.environ.get("BENCH_PIN", "1") == "1" and (os.cpu_count() or 1) >= 2
OUT = Path(os.environ.get("BENCH_OUT") or ROOT / "tests/bench/RESULTS.md")
# A hard ceiling on the whole run, whatever hangs.
DEADLINE_SECONDS = 900

EDGE_CPUS = {0}
LOAD_CPUS = {1}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ processes

_children = []


def _child_setup(cpus):
    def setup():
        # Die with this script even if it is SIGKILLed (no stray Envoy left behind).
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if cpus:
            os.sched_setaffinity(0, cpus)

    return setup


def spawn(args, cpus=None, **kw):
    p = subprocess.Popen(args, preexec_fn=_child_setup(cpus if PIN else None), **kw)
    _children.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def stop_all():
    for p in _children:
        stop(p)


def cpu_ns(pid):
    """CPU time (user+system) of every thread of a process, in ns (schedstat, else /proc/stat)."""
    try:
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        return total
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def http_get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return r.read().decode()


# ------------------------------------------------------------------ Envoy configs

HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
ROUTER = {
    "name": "envoy.filters.http.router",
    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
}
CORS_FILTER = {
    "name": "envoy.filters.http.cors",
    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"},
}
CORS_POLICY = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"
WASM_FILTER = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"

# helmet 8.3.0's 12 default headers (docs/configuration.md, Defaults).
HELMET = {
    "content-security-policy": "default-src 'self';base-uri 'self';font-src 'self' https: data:;"
    "form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';"
    "script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "origin-agent-cluster": "?1",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-frame-options": "SAMEORIGIN",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
}
# The SPEC example config's changes to helmet's set.
HELMET_SPEC = dict(
    HELMET,
    **{
        "x-frame-options": "DENY",
        "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
    },
)
# edge-shield's default `remove` list.
FINGERPRINTS = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"]

# The SPEC example CORS policy, in Envoy's terms (StringMatcher regexes match the whole origin).
NATIVE_CORS_SPEC = {
    "@type": CORS_POLICY,
    "allow_origin_string_match": [
        {"exact": "https://app.example.com"},
        {"safe_regex": {"regex": r"https://([a-z0-9-]+\.)+example\.com"}},
        {"safe_regex": {"regex": r"http://localhost:[0-9]+"}},
        {"safe_regex": {"regex": r"https://pr-[0-9]+\.preview\.example\.dev"}},
    ],
    "allow_methods": "GET,HEAD,POST,PUT,PATCH,DELETE",
    "allow_headers": "content-type,authorization,x-request-id",
    "expose_headers": "ratelimit-limit,ratelimit-remaining,ratelimit-reset",
    "allow_credentials": True,
    "max_age": "600",
}


def sock(port=0):
    return {"socket_address": {"address": "127.0.0.1", "port_value": port}}


def listener(name, route_config, http_filters, **hcm_extra):
    hcm = {
        "@type": HCM,
        "stat_prefix": name,
        # Let `server` from the upstream through, so removing it is the filter's job.
        "server_header_transformation": "PASS_THROUGH",
        "route_config": route_config,
        "http_filters": http_filters + [ROUTER],
        **hcm_extra,
    }
    return {
        "name": name,
        "address": sock(),
        "filter_chains": [
            {"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": hcm}]}
        ],
    }


def bootstrap(listeners, clusters=()):
    return {"admin": {"address": sock()}, "static_resources": {"listeners": listeners, "clusters": list(clusters)}}


def header_values(headers, action):
    return [{"header": {"key": k, "value": v}, "append_action": action} for k, v in headers]


def upstream_config():
    """The upstream: direct_response per path prefix, answering like a small app would."""
    routes = [
        {
            "match": {"prefix": u["prefix"]},
            "direct_response": {"status": u["status"], "body": {"inline_string": u["body"]}},
            "response_headers_to_add": header_values(u["headers"], "OVERWRITE_IF_EXISTS_OR_ADD"),
        }
        for u in SCENARIOS["upstream"]
    ]
    vhost = {"name": "app", "domains": ["*"], "routes": routes}
    return bootstrap([listener("upstream", {"name": "upstream", "virtual_hosts": [vhost]}, [])])


def wasm_filter(name, path, plugin_json):
    config = {
        "name": name,
        "failure_policy": "FAIL_RELOAD",
        "vm_config": {"vm_id": name, "runtime": "envoy.wasm.runtime.v8", "code": {"local": {"filename": str(path)}}},
        "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": plugin_json},
    }
    return {"name": name, "typed_config": {"@type": WASM_FILTER, "config": config}}


def edge_config(variant, upstream_port):
    """The Envoy under test: the same routes for every variant, plus what the variant adds."""
    route = {"cluster": "upstream", "timeout": "5s"}
    routes = [
        {"name": "admin", "match": {"prefix": "/admin/"}, "route": route},
        {"name": "public", "match": {"prefix": "/public/"}, "route": route},
    ] + [{"name": u["route"], "match": {"prefix": u["prefix"]}, "route": route} for u in SCENARIOS["upstream"]]
    vhost = {"name": "edge", "domains": ["*"], "routes": routes}
    filters = []
    kind = variant["variant"]
    if kind == "edge-shield":
        filters.append(wasm_filter("edge-shield", WASM, json.dumps(SCENARIOS["configs"][variant["config"]])))
    elif kind == "wasm-noop":
        filters.append(wasm_filter("noop", NOOP_WASM, variant.get("plugin", "")))
    elif kind == "native-headers":
        # ADD_IF_ABSENT is the filter's default (docs/configuration.md, Merging with the upstream's headers): an upstream's own value wins.
        vhost["response_headers_to_add"] = header_values(HELMET.items(), "ADD_IF_ABSENT")
        vhost["response_headers_to_remove"] = FINGERPRINTS
    elif kind == "native-cors-headers":
        filters.append(CORS_FILTER)
        vhost["typed_per_filter_config"] = {"envoy.filters.http.cors": NATIVE_CORS_SPEC}
        # The SPEC's rules: /public/ allows any origin without credentials; `admin` has no CORS.
        routes[1]["typed_per_filter_config"] = {
            "envoy.filters.http.cors": {
                "@type": CORS_POLICY,
                "allow_origin_string_match": [{"safe_regex": {"regex": ".*"}}],
                "allow_credentials": False,
            }
        }
        routes[0]["typed_per_filter_config"] = {
            "envoy.filters.http.cors": {"@type": CORS_POLICY, "filter_enabled": {"default_value": {"numerator": 0}}}
        }
        vhost["response_headers_to_add"] = header_values(HELMET_SPEC.items(), "ADD_IF_ABSENT")
        vhost["response_headers_to_remove"] = FINGERPRINTS
    elif kind != "none":
        raise SystemExit(f"scenarios.json: unknown Envoy variant {kind!r}")
    cluster = {
        "name": "upstream",
        "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": "upstream",
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": sock(upstream_port)}}]}],
        },
    }
    edge = listener(
        "edge",
        {"name": "edge", "virtual_hosts": [vhost]},
        filters,
        # As behind TLS termination: :scheme is https, so HSTS applies; TLS itself is
        # left out, to measure header work only.
        scheme_header_transformation={"scheme_to_overwrite": "https"},
    )
    return bootstrap([edge], [cluster])


class Envoy:
    """An Envoy on free loopback ports, its admin and listener ports read back."""

    def __init__(self, name, config, workdir, cpus):
        self.name = name
        path = workdir / f"envoy-{name}.json"
        path.write_text(json.dumps(config, indent=1))
        admin_file = workdir / f"admin-{name}.txt"
        self.log_path = workdir / f"envoy-{name}.log"
        self.proc = spawn(
            [ENVOY, "-c", str(path), "--concurrency", "1", "--disable-hot-restart", "-l", "warn"]
            + ["--admin-address-path", str(admin_file)],
            cpus=cpus,
            stdin=subprocess.DEVNULL,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        self.pid = self.proc.pid
        self.admin_file = admin_file
        self.admin = None
        self.port = None

    def wait_ready(self, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise SystemExit(f"Envoy {self.name} exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if self.admin is None and self.admin_file.exists():
                    self.admin = int(self.admin_file.read_text().strip().rsplit(":", 1)[1])
                if self.admin and http_get(self.admin, "/ready").strip() == "LIVE":
                    statuses = json.loads(http_get(self.admin, "/listeners?format=json"))["listener_statuses"]
                    self.port = statuses[0]["local_address"]["socket_address"]["port_value"]
                    return self
            except (OSError, ValueError, KeyError, IndexError):
                pass
            time.sleep(0.1)
        raise SystemExit(f"Envoy {self.name} not ready in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stats(self, regex):
        text = http_get(self.admin, f"/stats?filter={regex}")
        return dict(line.rsplit(": ", 1) for line in text.splitlines() if ": " in line)


# ------------------------------------------------------------------ load

WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "errors": %d, "non2xx3xx": %d, '
    .. '"p50": %d, "p99": %d, "mean": %.1f}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def request_of(name):
    req = SCENARIOS["requests"][name]
    headers = req["headers"] + SCENARIOS["browser_headers"]
    return req["method"], req["path"], headers


def wrk_script(name, workdir):
    method, path, headers = request_of(name)
    lines = [f"wrk.method = {json.dumps(method)}", f"wrk.path = {json.dumps(path)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers]
    script = workdir / f"req-{name}.lua"
    script.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return script


def wrk(port, script, seconds, connections):
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "2s", "-s", str(script)]
    p = spawn(args + [f"http://127.0.0.1:{port}"], cpus=LOAD_CPUS, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        stop(p)
        raise SystemExit("wrk did not finish in time")
    text = out.decode(errors="replace")
    m = re.search(r"^BENCH (\{.*\})$", text, re.M)
    if p.returncode != 0 or not m:
        raise SystemExit(f"wrk failed:\n{text}")
    return json.loads(m.group(1))


def probe(port, name):
    """One request by hand: the status and response header names, to show what each variant does."""
    method, path, headers = request_of(name)
    conn = HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, headers=dict(headers))
        resp = conn.getresponse()
        resp.read()
        return resp.status, [k.lower() for k, _ in resp.getheaders()]
    finally:
        conn.close()


def measure(envoy, script):
    """One round of a cell: latency with one connection, then capacity and CPU with several."""
    lat = wrk(envoy.port, script, LATENCY_DURATION, 1)
    before = cpu_ns(envoy.pid)
    cap = wrk(envoy.port, script, DURATION, CONNECTIONS)
    used = cpu_ns(envoy.pid) - before
    return {
        "p50": lat["p50"],
        "p99": lat["p99"],
        "rps": cap["requests"] / (cap["duration_us"] / 1e6),
        "cpu_us": used / 1000 / max(cap["requests"], 1),
        "errors": sum(r["errors"] + r["non2xx3xx"] for r in (lat, cap)),
        "requests": lat["requests"] + cap["requests"],
    }


# ------------------------------------------------------------------ the pure core


def core_bench():
    if not CORE_BIN.exists():
        raise SystemExit(f"{CORE_BIN} is missing: `cargo build --release --example bench_core` (make bench does)")
    out = subprocess.run([str(CORE_BIN), "--json"], check=True, capture_output=True, text=True, timeout=300)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return rows, callgrind([r["id"] for r in rows])


def callgrind_total(case, iters, out_file="/dev/null"):
    p = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", str(CORE_BIN)]
        + ["--only", case, "--iters", str(iters)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        raise RuntimeError(p.stderr[-2000:])
    return int(m.group(1))


def callgrind(cases):
    """Instructions per exchange: the difference of two run lengths cancels start-up and setup."""
    if subprocess.run(["sh", "-c", "command -v valgrind"], capture_output=True).returncode != 0:
        log("valgrind not found: skipping instruction counts")
        return {}, None
    ir, lo, hi = {}, 200, 1200
    for case in cases:
        log(f"callgrind {case}")
        ir[case] = (callgrind_total(case, hi) - callgrind_total(case, lo)) / (hi - lo)
    # Where the instructions go, for the CORS scenario (or the first one).
    case = "spec:cors" if "spec:cors" in cases else cases[0]
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as f:
        callgrind_total(case, 2000, f.name)
        ann = subprocess.run(["callgrind_annotate", f.name], capture_output=True, text=True, timeout=60).stdout
    hot = []
    for line in ann.splitlines():
        m = re.match(r"\s*[\d,]+ \(\s*([\d.]+)%\)\s+(.*?) \[", line)
        if m and len(hot) < 8:
            # Drop the source file ("???:", "./malloc/malloc.c:") in front of the function.
            hot.append((float(m.group(1)), re.sub(r"^[^:]*?:(?!:)", "", m.group(2), count=1)[:90]))
    return ir, (case, hot)


# ------------------------------------------------------------------ report


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine():
    model = next(
        (l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in l), "?"
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def usage(pids):
    """(wall, machine busy, ours, steal) in ns: what the machine did, and how much of it was this run."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    tick = 1e9 / os.sysconf("SC_CLK_TCK")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the finished wrk runs
    ours = sum(cpu_ns(p) for p in pids) + (children.ru_utime + children.ru_stime) * 1e9
    return time.monotonic_ns(), (user + nice + system + irq + softirq) * tick, ours, steal * tick


def neighbours(before, after):
    wall, busy, ours, steal = (b - a for a, b in zip(before, after))
    others = max(busy - ours, 0) / wall
    return f"other processes used {others:.1f} of the {os.cpu_count()} cores, the hypervisor stole {steal / wall:.1f}"


def med(values):
    return statistics.median(values)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


ENVOY_COLUMNS = ["variant", "request", "status", "p50 µs", "p99 µs", "req/s", "CPU µs/req (range)"]
ENVOY_COLUMNS += ["Δ p50 µs", "Δ CPU µs", "RSS MB", "wasm VMs"]
CORE_COLUMNS = ["scenario (config:request)", "ns/op", "min ns/op", "instructions/op", "allocs/op", "bytes/op", "effect"]


def report(ctx, core, ir, hot, cells):
    baseline = {c["request"]: c for c in cells if c["variant"] == "none"}

    def col(c, key):
        return med([r[key] for r in c["runs"]])

    def delta(c, key):
        base = baseline.get(c["request"])
        return "" if base is None or base is c else f"{col(c, key) - col(base, key):+.0f}"

    envoy_rows = []
    for c in cells:
        cpu = [r["cpu_us"] for r in c["runs"]]
        envoy_rows.append(
            [
                c["label"],
                c["request"],
                f"{c['status']}",
                f"{col(c, 'p50'):.0f}",
                f"{col(c, 'p99'):.0f}",
                f"{col(c, 'rps'):.0f}",
                f"{med(cpu):.1f} ({min(cpu):.0f}–{max(cpu):.0f})",
                delta(c, "p50"),
                delta(c, "cpu_us"),
                f"{c['rss']:.0f}",
                str(c.get("vms", "")),
            ]
        )
    # How much the same cell moved between rounds: the noise floor of this run.
    cpus = [[r["cpu_us"] for r in c["runs"]] for c in cells]
    spreads = [(max(cpu) - min(cpu)) / med(cpu) for cpu in cpus]
    spread = f"median {med(spreads):.0%}, worst {max(spreads):.0%}" if spreads else "n/a"
    core_rows = [
        [
            r["id"],
            f"{r['ns_median']:.0f}",
            f"{r['ns_min']:.0f}",
            f"{ir[r['id']]:.0f}" if r["id"] in ir else "n/a",
            f"{r['allocs']:.1f}",
            f"{r['bytes']:.0f}",
            r["effect"],
        ]
        for r in core
    ]
    probes = "\n".join(f"- {c['label']}, `{c['request']}`: {c['status']} — {', '.join(c['headers'])}" for c in cells)
    hot_lines = ""
    if hot:
        case, fns = hot
        hot_lines = f"\nWhere the instructions go (callgrind, `{case}`, self cost, top functions):\n\n" + "\n".join(
            f"- {pct:.0f}% `{fn}`" for pct, fn in fns
        )
    note = f"\nNote for this run: {ctx['note']}\n" if ctx["note"] else ""
    return f"""# edge-shield benchmark results

Produced by `make bench` (tests/bench/run.py); scenarios in tests/bench/scenarios.json.
{note}
- Date: {ctx['date']}
- Commit: {ctx['commit']}
- Machine: {ctx['machine']}
- Load average before / after: {ctx['load_before']} / {ctx['load_after']}; during the Envoy
  runs {ctx['neighbours']}
- Envoy: {ctx['envoy']}, `--concurrency 1`
- edge_shield.wasm: {ctx['wasm_size']} bytes
- Load: wrk (1 thread, closed loop), {RUNS} rounds over all cells after a {WARMUP} s warm-up
  each; per round and cell {LATENCY_DURATION} s with 1 connection (latency) and {DURATION} s with
  {CONNECTIONS} connections (req/s, CPU); medians shown. Pinned: {ctx['pinning']}.
- Noise: the spread (max − min) of CPU µs/req between rounds of one cell, as a share of its
  median: {spread}; differences smaller than that are not findings.

## Envoy on loopback

Upstream: a second Envoy answering with `direct_response` (its CPU is not counted).
p50/p99: one connection, so no queueing. req/s: {CONNECTIONS} connections, the edge Envoy's
single worker busy. CPU µs/req: the edge Envoy's user+system time over all its threads
divided by the requests of the {CONNECTIONS}-connection runs (median, range over rounds).
Δ: minus the same request through Envoy without any filter. RSS: the edge Envoy's after
the runs.

{table(ENVOY_COLUMNS, envoy_rows)}

## The pure core, native

`examples/bench_core.rs`: one exchange = parse the request header map as Envoy hands it
over, select the route policy, request phase, blocked-log line (if any), parse the
response map, response phase — what the filter does inside the VM, minus host calls.
ns/op: median of 7 batches (and the fastest batch); instructions: callgrind, exact and
repeatable; allocations: a counting global allocator (a realloc counts as one).

{table(CORE_COLUMNS, core_rows)}
{hot_lines}

## What each variant answered (one probe request per cell)

{probes}

## How to read this

- The machine is shared (2 cores, other builds and tests running): req/s and latency
  move with the neighbours' load; compare rows of one run, not runs of different days.
  CPU µs/req is steadier (it counts only the edge Envoy's own CPU time), and the
  instruction counts do not depend on load at all.
- req/s is bounded by the whole loop (wrk, the edge Envoy and the upstream Envoy on
  2 cores), so it understates one worker's capacity; that is ≈ 1e6 / (CPU µs/req)
  requests/s per core.
- The empty Proxy-Wasm filter is what any Wasm filter pays (a context per stream, a call
  into V8 per stage): an edge-shield row's Δ minus the empty filter's is edge-shield's
  own work (fetching the header maps, its logic, its counters, header edits).
- The native core runs x86_64 code; in Envoy the same code runs as Wasm in V8 and pays
  for host calls (fetching and editing header maps) and copying into the VM. The Δ
  CPU of an edge-shield row is the whole price; the core numbers are its floor.
- The native variants are close, not identical, equivalents: Envoy cannot add CSP and
  X-Frame-Options only on HTML, and its CORS filter has its own rules.
"""


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("bench: deadline reached, stopping"))
    signal.alarm(DEADLINE_SECONDS)
    if not WASM.exists():
        raise SystemExit(f"{WASM} is missing: run `make build`")
    ctx = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "commit": sh(["git", "describe", "--always", "--dirty", "--abbrev=12"])
        + " ("
        + sh(["git", "rev-parse", "--abbrev-ref", "HEAD"])
        + ")",
        "machine": machine(),
        "load_before": loadavg(),
        "envoy": (re.search(r"version: (\S+)", sh([ENVOY, "--version"])) or [None, "?"])[1],
        "wasm_size": WASM.stat().st_size,
        "pinning": "edge Envoy on CPU 0, wrk and upstream on CPU 1" if PIN else "no",
        "note": os.environ.get("BENCH_NOTE", ""),
    }
    log("== pure core (native + callgrind)")
    core, (ir, hot) = core_bench()
    for r in core:
        instr = ir.get(r["id"], float("nan"))
        log(f"  {r['id']:<20} {r['ns_median']:8.0f} ns/op  {instr:8.0f} instr/op  {r['allocs']:.0f} allocs/op")

    log("== Envoy")
    with tempfile.TemporaryDirectory(prefix="edge-shield-bench-") as tmp:
        work = Path(tmp)
        upstream = Envoy("upstream", upstream_config(), work, LOAD_CPUS).wait_ready()
        edges, cells = [], []
        for i, v in enumerate(SCENARIOS["envoy"]):
            name = f"{i}-{v['variant']}"
            edges.append((v, Envoy(name, edge_config(v, upstream.port), work, EDGE_CPUS)))
        for v, e in edges:
            e.wait_ready()
            for req in v["requests"]:
                status, headers = probe(e.port, req)
                cells.append(
                    {
                        "variant": v["variant"],
                        "label": v["about"],
                        "request": req,
                        "envoy": e,
                        "script": wrk_script(req, work),
                        "status": status,
                        "headers": headers,
                        "runs": [],
                    }
                )
        for c in cells:
            wrk(c["envoy"].port, c["script"], WARMUP, CONNECTIONS)
        pids = [upstream.pid] + [e.pid for _, e in edges]
        t0 = usage(pids)
        # Rounds over all cells, so that a change in the neighbours' load hits every cell alike.
        for round_ in range(RUNS):
            for c in cells:
                m = measure(c["envoy"], c["script"])
                c["runs"].append(m)
                log(
                    f"  [{round_ + 1}/{RUNS}] {c['label'][:44]:<44} {c['request']:<10} {m['rps']:7.0f} req/s "
                    f"p50 {m['p50']:5d} µs  {m['cpu_us']:6.1f} CPU µs/req  errors {m['errors']}"
                )
        for c in cells:
            e = c["envoy"]
            c["rss"] = rss_mb(e.pid)
            if c["variant"] in ("edge-shield", "wasm-noop"):
                stats = e.stats(r"wasm")
                c["vms"] = stats.get("wasm.wasm_vm_count", "?")
                # The filter's own counter proves it ran on every request of the load.
                ours = [k for k in stats if k.startswith("wasmcustom.edge_shield.") and k.endswith(".requests")]
                seen = sum(int(stats[k]) for k in ours)
                sent = sum(r["requests"] for x in cells if x["envoy"] is e for r in x["runs"])
                if c["variant"] == "edge-shield" and seen < sent:
                    log(f"warning: {c['label']}: the filter counted {seen} requests, wrk sent at least {sent}")
            if any(r["errors"] for r in c["runs"]):
                log(f"warning: {c['label']} {c['request']}: errors during the load")
        ctx["load_after"] = loadavg()
        ctx["neighbours"] = neighbours(t0, usage(pids))
        text = report(ctx, core, ir, hot, cells)
    OUT.write_text(text)
    print(text)
    log(f"written to {OUT}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        stop_all()
