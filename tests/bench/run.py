#!/usr/bin/env python3
"""`make bench`: how much edge-shield costs, measured honestly on this machine.

All driven by tests/bench/scenarios.json:
1. (primary) instructions per request of the edge Envoy under callgrind
   (tests/bench/callgrind_envoy.py): one Envoy per variant (no filter, empty Wasm filter,
   Envoy-native equivalents, edge-shield, ...) in front of an upstream Envoy, N requests
   counted on one keep-alive connection after a warm-up; then the prices of single host
   calls (variants of examples/noop_filter.rs), and where a cors GET's instructions go.
   These counts do not depend on what else the machine is doing;
2. the pure core natively (examples/bench_core.rs): ns/op and allocations per exchange,
   and its instructions under callgrind;
3. Envoy on loopback under wrk: one Envoy per variant, a second Envoy as a cheap
   direct_response upstream. Per cell, two closed-loop runs per round: with one
   connection for latency (p50/p99 without queueing), and with several connections
   for capacity (requests/s, and the edge Envoy's CPU time per request over all its
   threads, from /proc); then its RSS;
4. RSS per worker VM (Envoy natively with 1 and 3 workers);
5. with BENCH_PROFILES=1, the release profiles of PROFILES built and counted.

Every load is bounded in time, only 127.0.0.1 is contacted, and every Envoy started
here is killed on exit, failure or Ctrl-C (and by the kernel if this script dies).
Settings (environment): BENCH_QUICK=1 (part 1 only, fewer requests: about a minute),
BENCH_CG_WARMUP (3000) and BENCH_CG_REQUESTS (2000) requests per cell, BENCH_CG_RUNS
full repeats of part 1 (2: the report shows their agreement), BENCH_JOBS Envoys under
callgrind at a time (2), BENCH_ONLY=id,id (part 1: only these variants), BENCH_PROFILES,
BENCH_DURATION seconds per capacity run (1; latency runs take half, at least 1),
BENCH_RUNS rounds (6), BENCH_CONNECTIONS for capacity (8; latency uses 1), BENCH_WARMUP
seconds (1), BENCH_PIN (1: pin the edge Envoy to CPU 0, load and upstream to CPU 1),
BENCH_OUT (tests/bench/RESULTS.md), BENCH_RAW (a JSON file for the raw counts),
BENCH_NOTE (a line for the report), BENCH_DEADLINE (4800 s: the whole run's ceiling),
BENCH_NATIVE_DIR (another libedge_shield.so, e.g. with symbols), BENCH_DUMPS (a directory
to keep the callgrind dumps in), ENVOY (a binary or the pip wrapper; valgrind runs the
binary behind it), EDGE_SHIELD_WASM.
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
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import callgrind_envoy as cg  # noqa: E402
import wasm_size  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import wasm_module  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = json.loads((ROOT / "tests/bench/scenarios.json").read_text())
ENVOY = os.environ.get("ENVOY") or str(ROOT / ".venv/bin/envoy")
WASM = Path(os.environ.get("EDGE_SHIELD_WASM") or ROOT / "target/wasm32-wasip1/release/edge_shield.wasm")
# cargo's build of the empty filter; the run finishes it as `make build` finishes edge-shield
# (`finish_noop`): the floors use that, the `"exports": "sdk"` row cargo's own exports.
NOOP_CARGO = ROOT / "target/wasm32-wasip1/release/examples/noop_filter.wasm"
NOOP_WASM = {"floor": NOOP_CARGO, "sdk": NOOP_CARGO}
# Envoy dynamic modules (`make native`, and the empty module examples/noop_native.rs):
# Envoy finds `lib<name>.so` in ENVOY_DYNAMIC_MODULES_SEARCH_PATH.
# BENCH_NATIVE_DIR: another build of libedge_shield.so, e.g. one with symbols to profile.
NATIVE_DIR = ROOT / "target/native"
MODULE_DIRS = {"edge_shield": Path(os.environ.get("BENCH_NATIVE_DIR") or NATIVE_DIR), "noop_native": NATIVE_DIR / "examples"}
# BENCH_DUMPS: a directory to keep the callgrind dumps in (for callgrind_annotate).
DUMPS = os.environ.get("BENCH_DUMPS")
CORE_BIN = ROOT / "target/release/examples/bench_core"
DURATION = int(os.environ.get("BENCH_DURATION", "1"))
LATENCY_DURATION = max(1, DURATION // 2)
RUNS = int(os.environ.get("BENCH_RUNS", "6"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "1"))
PIN = os.environ.get("BENCH_PIN", "1") == "1" and (os.cpu_count() or 1) >= 2
DEFAULT_OUT = ROOT / "tests/bench/RESULTS.md"
OUT = Path(os.environ.get("BENCH_OUT") or DEFAULT_OUT)
QUICK = os.environ.get("BENCH_QUICK") == "1"
# Instruction counts: requests per cell before counting, counted, and full repeats.
CG_WARMUP = int(os.environ.get("BENCH_CG_WARMUP", "400" if QUICK else "3000"))
CG_REQUESTS = int(os.environ.get("BENCH_CG_REQUESTS", "200" if QUICK else "2000"))
CG_RUNS = int(os.environ.get("BENCH_CG_RUNS", "1" if QUICK else "2"))
JOBS = int(os.environ.get("BENCH_JOBS", "2"))
ENVOY_BIN = None  # the ELF binary behind $ENVOY, resolved in main()
# Cells whose callgrind dump is also split by where the instructions run.
RSS_VARIANTS = ["none", "wasm-empty", "edge-shield"]
SPLIT_CELLS = {("wasm-empty", "cors"), ("wasm-fetch", "cors"), ("edge-shield", "cors")}
# ... and by the dynamic module's hooks and callbacks.
NATIVE_SPLIT_CELLS = {("module-empty", "cors"), ("module-fetch", "cors"), ("edge-shield-native", "cors")}
# A hard ceiling on the whole run, whatever hangs (BENCH_DEADLINE seconds).
DEADLINE_SECONDS = int(os.environ.get("BENCH_DEADLINE", "4800"))

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
MODULE_FILTER = "type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter"

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


def module_filter(variant):
    """A dynamic module (docs/native.md): `module` (its name), and as its filter_config
    the scenarios' `config` as JSON or a `plugin` string (examples/noop_native.rs)."""
    if "config" in variant:
        text = json.dumps(SCENARIOS["configs"][variant["config"]])
    else:
        text = variant.get("plugin", "")
    config = {
        "@type": MODULE_FILTER,
        "dynamic_module_config": {"name": variant["module"]},
        "filter_name": "edge-shield",
        "filter_config": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": text},
    }
    return {"name": "edge-shield", "typed_config": config}


def variant_env(variant):
    """The environment an Envoy of this variant needs: where its dynamic module is."""
    if variant.get("variant") != "dynamic-module":
        return None
    return dict(os.environ, ENVOY_DYNAMIC_MODULES_SEARCH_PATH=str(MODULE_DIRS[variant["module"]]))


def upstream_for(prefix):
    """The upstream answer a path prefix gets (the longest matching prefix)."""
    return max((u for u in SCENARIOS["upstream"] if prefix.startswith(u["prefix"])), key=lambda u: len(u["prefix"]))


def edge_route(name, prefix, upstream_port):
    """A route to the upstream; with no upstream (`None`), a `direct_response` answering
    as the upstream would, so that only this Envoy runs (the instruction counts)."""
    if upstream_port is not None:
        return {"name": name, "match": {"prefix": prefix}, "route": {"cluster": "upstream", "timeout": "120s"}}
    u = upstream_for(prefix)
    return {
        "name": name,
        "match": {"prefix": prefix},
        "direct_response": {"status": u["status"], "body": {"inline_string": u["body"]}},
        # Route-level, so evaluated before the virtual host's (the native variants'
        # removals and additions apply to these as to an upstream's headers).
        "response_headers_to_add": header_values(u["headers"], "OVERWRITE_IF_EXISTS_OR_ADD"),
    }


def edge_config(variant, upstream_port):
    """The Envoy under test: the same routes for every variant, plus what the variant adds.
    `upstream_port` None: the routes answer themselves (see `edge_route`)."""
    routes = [edge_route("admin", "/admin/", upstream_port), edge_route("public", "/public/", upstream_port)]
    routes += [edge_route(u["route"], u["prefix"], upstream_port) for u in SCENARIOS["upstream"]]
    vhost = {"name": "edge", "domains": ["*"], "routes": routes}
    filters = []
    kind = variant["variant"]
    if kind == "edge-shield":
        filters.append(wasm_filter("edge-shield", WASM, json.dumps(SCENARIOS["configs"][variant["config"]])))
    elif kind == "wasm-noop":
        filters.append(wasm_filter("noop", NOOP_WASM[variant.get("exports", "floor")], variant.get("plugin", "")))
    elif kind == "dynamic-module":
        filters.append(module_filter(variant))
    elif kind == "wasm-file":
        # Another build of edge-shield (the release-profile comparison).
        filters.append(wasm_filter("edge-shield", variant["wasm"], json.dumps(SCENARIOS["configs"][variant["config"]])))
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
    if upstream_port is None:
        clusters = []
    else:
        clusters = [upstream_cluster(upstream_port)]
    edge = listener(
        "edge",
        {"name": "edge", "virtual_hosts": [vhost]},
        filters,
        # As behind TLS termination: :scheme is https, so HSTS applies; TLS itself is
        # left out, to measure header work only.
        scheme_header_transformation={"scheme_to_overwrite": "https"},
    )
    return bootstrap([edge], clusters)


def upstream_cluster(upstream_port):
    return {
        "name": "upstream",
        "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": "upstream",
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": sock(upstream_port)}}]}],
        },
    }


class Envoy:
    """An Envoy on free loopback ports, its admin and listener ports read back."""

    def __init__(self, name, config, workdir, cpus, prefix=(), concurrency=1, binary=None, env=None):
        self.name = name
        path = workdir / f"envoy-{name}.json"
        path.write_text(json.dumps(config, indent=1))
        admin_file = workdir / f"admin-{name}.txt"
        # A second Envoy of this name (the profile comparison starts its own upstream)
        # must not read the first one's port.
        admin_file.unlink(missing_ok=True)
        self.log_path = workdir / f"envoy-{name}.log"
        self.proc = spawn(
            list(prefix)
            + [binary or ENVOY, "-c", str(path), "--concurrency", str(concurrency), "--disable-hot-restart", "-l", "warn"]
            + ["--admin-address-path", str(admin_file)],
            cpus=cpus,
            stdin=subprocess.DEVNULL,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
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


# ------------------------------------------------------------------ instruction counts


def cg_specs():
    """Every Envoy to run under callgrind: (id, variant, requests). The main table's
    variants on every request of the table, then one noop-filter variant per host call
    of the price list on its request."""
    inst = SCENARIOS["instructions"]
    specs = [(v["id"], v, inst["requests"]) for v in inst["variants"] if variant_available(v)]
    prices = inst["prices"]
    for i, call in enumerate(prices["calls"]):
        specs.append((f"price-{i}", {"variant": "wasm-noop", "plugin": call["plugin"]}, [call.get("request", prices["request"])]))
    # The same for a dynamic module's callbacks (examples/noop_native.rs).
    mprices = inst.get("module_prices")
    if mprices and variant_available(dict(mprices["variant"], id="module prices")):
        for i, call in enumerate(mprices["calls"]):
            v = dict(mprices["variant"], plugin=call["plugin"])
            specs.append((f"mprice-{i}", v, [call.get("request", mprices["request"])]))
    return specs


def variant_available(v):
    """A variant whose artifact is not built (yet) is left out, with a note."""
    need = {"edge-shield": WASM, "wasm-noop": NOOP_CARGO}.get(v["variant"])
    if v["variant"] == "dynamic-module":
        need = MODULE_DIRS[v["module"]] / f"lib{v['module']}.so"
    if v.get("file"):
        need = ROOT / v["file"]
    if need is not None and not Path(need).exists():
        log(f"instruction counts: {v['id']} left out, {need} is missing")
        return False
    return True


def cg_envoy(spec, work, run, upstream_port):
    """One Envoy under callgrind: the instructions per request of each of its cells."""
    vid, variant, requests = spec
    name = f"cg{run}-{vid}"
    out_file = work / f"{name}.callgrind"
    config = edge_config(variant, upstream_port)
    # No stats flush while counting (the main thread's one periodic job of note).
    config["stats_flush_interval"] = "299s"
    e = Envoy(name, config, work, None, prefix=cg.valgrind_prefix(out_file), binary=ENVOY_BIN, env=variant_env(variant))
    try:
        e.wait_ready(timeout=600)
        meter = cg.Meter(e.pid, out_file)
        cells = {}
        for req in requests:
            client = cg.Client(e.port, *request_of(req))
            try:
                status, headers = client.one()
                ir, statuses, dump = meter.count(client, CG_WARMUP, CG_REQUESTS)
            finally:
                client.close()
            if statuses != {status}:
                raise SystemExit(f"{vid} {req}: statuses {statuses} during the count, {status} at first")
            cell = {"ir": ir, "status": status, "headers": headers}
            if DUMPS:
                Path(DUMPS).mkdir(parents=True, exist_ok=True)
                (Path(DUMPS) / f"{name}-{req}.callgrind").write_bytes(dump.read_bytes())
            if (vid, req) in SPLIT_CELLS:
                cell["split"] = cg.split(dump, CG_REQUESTS)
            if (vid, req) in NATIVE_SPLIT_CELLS:
                cell["native_split"] = cg.native_split(dump, CG_REQUESTS, f"lib{variant['module']}.so")
            cells[req] = cell
            log(f"  [{run}] {vid:<14} {req:<10} {status} {ir:9.0f} instructions/request")
        return vid, cells
    finally:
        stop(e.proc)


def instruction_counts(work, specs, runs):
    """{run: {id: {request: cell}}}; Envoys run BENCH_JOBS at a time (counts do not depend
    on load). The upstream is a second Envoy, natively (not counted): a direct_response
    route on the Envoy under test would do, but Envoy's CORS filter ignores such routes
    (no route entry), so the native CORS variant would not answer a preflight."""
    results = {}
    upstream = Envoy("cg-upstream", upstream_config(), work, None).wait_ready()
    try:
        for run in range(1, runs + 1):
            with ThreadPoolExecutor(JOBS) as pool:
                results[run] = dict(pool.map(lambda spec: cg_envoy(spec, work, run, upstream.port), specs))
    finally:
        stop(upstream.proc)
    return results


def rss_per_vm(work):
    """RSS an extra worker costs, per variant: Envoy (natively, no valgrind) with 1 and with
    3 workers, each worker's VM used (requests on several connections, spread over the
    workers by the kernel), RSS read after; the slope is per worker (one Wasm VM each)."""
    out = {}
    for vid in RSS_VARIANTS:
        v = next(x for x in SCENARIOS["instructions"]["variants"] if x["id"] == vid)
        rss = {}
        for workers in (1, 3):
            e = Envoy(f"rss-{vid}-{workers}", edge_config(v, None), work, None, concurrency=workers, env=variant_env(v)).wait_ready()
            try:
                for req in SCENARIOS["instructions"]["requests"]:
                    for _ in range(4 * workers):
                        client = cg.Client(e.port, *request_of(req))
                        client.run(50)
                        client.close()
                time.sleep(0.5)
                rss[workers] = rss_mb(e.pid)
            finally:
                stop(e.proc)
        out[vid] = {"rss1": rss[1], "rss3": rss[3], "per_worker": (rss[3] - rss[1]) / 2}
        log(f"  RSS {vid:<12} 1 worker {rss[1]:.1f} MB, 3 workers {rss[3]:.1f} MB")
    return out


# Release profiles compared by `BENCH_PROFILES=1 make bench`: cargo --config overrides of
# [profile.release] (Cargo.toml has the chosen one), and optionally binaryen's `wasm-opt`
# flags for a pass over cargo's output (`make build` runs the chosen one: WASM_OPT_FLAGS).
PROFILES = [
    ("opt-level 3, fat LTO, 1 CGU (cargo alone)", ['profile.release.opt-level=3']),
    ("opt-level 3, then `wasm-opt -O2`", ['profile.release.opt-level=3'], ["-O2"]),
    ("opt-level 3, then `wasm-opt -O3`", ['profile.release.opt-level=3'], ["-O3"]),
    ("opt-level 3, then `wasm-opt -Os`", ['profile.release.opt-level=3'], ["-Os"]),
    ("opt-level 3, then `wasm-opt -Oz`", ['profile.release.opt-level=3'], ["-Oz"]),
    ("opt-level \"s\"", ['profile.release.opt-level="s"']),
    ("opt-level \"z\"", ['profile.release.opt-level="z"']),
    ("opt-level \"z\", then `wasm-opt -Oz`", ['profile.release.opt-level="z"'], ["-Oz"]),
    ("opt-level 3, dependencies \"z\", then `wasm-opt -Oz`", ['profile.release.opt-level=3', 'profile.release.package."*".opt-level="z"'], ["-Oz"]),
    # LLVM's inliner made shy (its opt-level 3 threshold is 250): smaller, but where does it cost?
    ("opt-level 3, LLVM inline threshold 100, then `wasm-opt -O3`", ['profile.release.opt-level=3', 'target.wasm32-wasip1.rustflags=["-Cllvm-args=-inline-threshold=100"]'], ["-O3"]),
    ("opt-level 3, LLVM inline threshold 25, then `wasm-opt -Oz`", ['profile.release.opt-level=3', 'target.wasm32-wasip1.rustflags=["-Cllvm-args=-inline-threshold=25"]'], ["-Oz"]),
    ("opt-level 3, LLVM inline threshold 50, then `wasm-opt -O3`", ['profile.release.opt-level=3', 'target.wasm32-wasip1.rustflags=["-Cllvm-args=-inline-threshold=50"]'], ["-O3"]),
    # LLVM's loop unroller off (load-time loops are unrolled as eagerly as the request path's).
    ("opt-level 3, LLVM unroll threshold 0, then `wasm-opt -O3`", ['profile.release.opt-level=3', 'target.wasm32-wasip1.rustflags=["-Cllvm-args=-unroll-threshold=0"]'], ["-O3"]),
    ("opt-level 3, LLVM inline threshold 50 and unroll threshold 0, then `wasm-opt -O3`", ['profile.release.opt-level=3', 'target.wasm32-wasip1.rustflags=["-Cllvm-args=-inline-threshold=50", "-Cllvm-args=-unroll-threshold=0"]'], ["-O3"]),
]
# The features rustc enables for wasm32-wasip1 (its target_features section, which
# strip drops), for wasm-opt to accept the module and keep to them. The Makefile has the
# same list (WASM_OPT_FEATURES).
WASM_OPT_FEATURES = ["--enable-bulk-memory", "--enable-sign-ext", "--enable-nontrapping-float-to-int"]
WASM_OPT_FEATURES += ["--enable-mutable-globals", "--enable-multivalue", "--enable-reference-types"]
WASM_OPT_FEATURES += ["--enable-extended-const"]


def finish(work, built, out, opt_flags, prune=True):
    """cargo's module `built` as `make build` finishes one (Makefile, wasm-finish): only the
    exports of src/host/exports (binaryen's wasm-metadce; checked), then `wasm-opt opt_flags`
    (None: no wasm-opt)."""
    step = built
    if prune:
        graph = work / "wasm-exports.json"
        graph.write_text(wasm_module.graph(wasm_module.listed(ROOT / "src/host/exports")))
        step = work / (out.stem + ".dce.wasm")
        subprocess.run(["wasm-metadce", *WASM_OPT_FEATURES, "-f", str(graph), str(built), "-o", str(step)],
                       check=True, timeout=1200, stdout=subprocess.DEVNULL)
    if opt_flags is not None:
        subprocess.run(["wasm-opt", *opt_flags, *WASM_OPT_FEATURES, str(step), "-o", str(out)], check=True, timeout=1200)
    else:
        out.write_bytes(step.read_bytes())
    if prune and wasm_module.check(ROOT / "src/host/exports", out) != 0:
        raise SystemExit(f"{out}: its exports are not src/host/exports")


def finish_noop(work):
    """The empty filter for the floors, finished as edge-shield is (only its exports, then
    `wasm-opt -O3`), and the SDK's build through `wasm-opt -O3` alone: the same code with
    every hook the SDK defines exported."""
    if not NOOP_CARGO.exists():
        return
    NOOP_WASM["floor"] = work / "noop_filter.wasm"
    NOOP_WASM["sdk"] = work / "noop_filter.sdk.wasm"
    finish(work, NOOP_CARGO, NOOP_WASM["floor"], ["-O3"])
    finish(work, NOOP_CARGO, NOOP_WASM["sdk"], ["-O3"], prune=False)
    log(f"empty filter: {NOOP_WASM['floor'].stat().st_size} bytes (its exports: src/host/exports), "
        f"{NOOP_WASM['sdk'].stat().st_size} bytes (the SDK's)")


def profile_builds(work):
    """Each profile's .wasm (built into target/bench-profiles/N, one target directory per
    set of cargo overrides so that the wasm-opt variants reuse their cargo build; copied
    to `work`), its size, and its instruction counts for the SPEC config."""
    out = []
    have_wasm_opt = subprocess.run(["sh", "-c", "command -v wasm-opt"], capture_output=True).returncode == 0
    keep = {int(x) for x in os.environ.get("BENCH_PROFILES_ONLY", "").split(",") if x}
    cargo_sets = []
    for i, (about, overrides, *post) in enumerate(PROFILES):
        if keep and i not in keep:
            continue
        if post and not have_wasm_opt:
            log(f"  {about}: left out (no wasm-opt; Debian's binaryen has it)")
            continue
        if overrides not in cargo_sets:
            cargo_sets.append(overrides)
        target = ROOT / "target/bench-profiles" / str(cargo_sets.index(overrides))
        args = ["cargo", "build", "--quiet", "--release", "--lib", "--target", "wasm32-wasip1"]
        args += ["--target-dir", str(target)]
        # All stripped alike, so that sizes compare code, not the name section.
        for o in overrides + ['profile.release.strip="symbols"']:
            args += ["--config", o]
        log(f"  building: {about}")
        subprocess.run(args, check=True, cwd=ROOT, timeout=1200)
        wasm = work / f"profile-{i}.wasm"
        built = target / "wasm32-wasip1/release/edge_shield.wasm"
        # Every row keeps only the exports `make build` keeps, so that rows compare the profile alone.
        finish(work, built, wasm, post[0] if post else None)
        out.append({"about": about, "overrides": overrides, "wasm": wasm, "size": wasm.stat().st_size})
    specs = [
        (p["wasm"].stem, {"variant": "wasm-file", "wasm": str(p["wasm"]), "config": "spec"}, SCENARIOS["instructions"]["requests"])
        for p in out
    ]
    counts = instruction_counts(work, specs, 1)[1]
    for (vid, _, _), p in zip(specs, out):
        p["ir"] = {req: cell["ir"] for req, cell in counts[vid].items()}
        p["wasm"] = str(p["wasm"])
    return out


PROFILE_HEADING = "\n## Release profile: size and instructions per request\n"


def carried_profile_section():
    """The release-profile section of the previous report (it states its own date and
    commit), kept when this run did not build the profiles."""
    if not OUT.exists():
        return ""
    old = OUT.read_text()
    start = old.find(PROFILE_HEADING)
    if start < 0:
        return ""
    end = old.find("\n## ", start + len(PROFILE_HEADING))
    return old[start:] if end < 0 else old[start:end] + "\n"


def profile_report(ctx, profiles, counts):
    reqs = SCENARIOS["instructions"]["requests"]
    shipped = Counts(counts)
    rows = [
        [p["about"], f"{p['size'] / 1000:.0f} KB"] + [k(p["ir"][r]) for r in reqs]
        for p in profiles
    ]
    if "edge-shield" in shipped.runs[0]:
        rows.append(
            ["**shipped** (`make build`: Cargo.toml [profile.release], then WASM_OPT_FLAGS)", f"{WASM.stat().st_size / 1000:.0f} KB"]
            + [k(shipped.ir("edge-shield", r)) for r in reqs]
        )
    return f"""{PROFILE_HEADING}
Measured {ctx['date']} at {ctx['commit']} (`BENCH_PROFILES=1 make bench`; a run without
it keeps this section). Every profile built with `strip = "symbols"` (no `name`
section), counted on the SPEC config as in the main table (one run each).

{table(["profile", ".wasm size", *reqs], rows)}
"""


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


def k(x):
    return f"{x / 1000:.1f}k"


def mean(values):
    return sum(values) / len(values)


def edits(before, after):
    """The header edits that turn response `before` into `after` (names and values from the
    wire; `date` and the upstream's time ignored): {"add": n, "remove": n, "replace": n}."""

    def fields(headers):
        out = {}
        for n, v in headers:
            if n not in ("date", "x-envoy-upstream-service-time"):
                out.setdefault(n, []).append(v)
        return out

    b, a = fields(before), fields(after)
    out = {"add": 0, "remove": 0, "replace": 0}
    for name in set(b) | set(a):
        vb, va = b.get(name, []), a.get(name, [])
        if not vb:
            out["add"] += len(va)
        elif not va:
            out["remove"] += len(vb)
        elif vb != va:
            out["replace"] += max(len(va), 1)
    return out


class Counts:
    """The instruction counts of every run, averaged, with their run-to-run agreement."""

    def __init__(self, counts):
        self.runs = list(counts.values())
        self.inst = SCENARIOS["instructions"]

    def cell(self, vid, req):
        return self.runs[0].get(vid, {}).get(req)

    def ir(self, vid, req):
        values = [r[vid][req]["ir"] for r in self.runs if req in r.get(vid, {})]
        return mean(values) if values else None

    def agreement(self):
        """Per cell, (max − min) / mean over the runs; None with a single run."""
        if len(self.runs) < 2:
            return None
        spreads = []
        for vid, cells in self.runs[0].items():
            for req in cells:
                values = [r[vid][req]["ir"] for r in self.runs]
                spreads.append(((max(values) - min(values)) / mean(values), vid, req))
        return sorted(spreads)

    def prices(self, key="prices", prefix="price"):
        """[(about, instructions per call, edit kind, request, the variant's total)]:
        the Wasm host calls, or (`module_prices`, `mprice`) a dynamic module's callbacks."""
        pr = self.inst.get(key)
        out = []
        for i, call in enumerate(pr["calls"] if pr else []):
            req = call.get("request", pr["request"])
            base = self.ir(pr["base"], req)
            ir = self.ir(f"{prefix}-{i}", req)
            if ir is not None and base is not None:
                out.append((call["about"], (ir - base) / call.get("per", 1), call.get("edit"), req, ir))
        return out

    def floor(self, req, native=False):
        """Empty filter + one fetch of each map + one call per edit edge-shield's answer
        needs (counted from the wire against no filter), priced by the price list;
        (instructions, edits), or None. `native`: the same for the dynamic module."""
        fetch_id, ours_id, key, prefix = ("wasm-fetch", "edge-shield", "prices", "price")
        if native:
            fetch_id, ours_id, key, prefix = ("module-fetch", "edge-shield-native", "module_prices", "mprice")
        fetch, none, ours = self.ir(fetch_id, req), self.cell("none", req), self.cell(ours_id, req)
        if fetch is None or none is None or ours is None or ours["status"] != none["status"]:
            return None
        price = {kind: ir for _, ir, kind, *_ in self.prices(key, prefix) if kind}
        need = edits(none["headers"], ours["headers"])
        if any(n and kind not in price for kind, n in need.items()):
            return None
        return fetch + sum(n * price.get(kind, 0) for kind, n in need.items()), need


    def feature_calls(self):
        """What edge-shield's host calls beyond fetching maps and editing cost per request
        with the bench's config (the price list's `config_uses`), and the calls named."""
        pr = self.inst["prices"]
        total, named = 0.0, []
        for i, call in enumerate(pr["calls"]):
            uses = call.get("config_uses")
            if not uses:
                continue
            req = call.get("request", pr["request"])
            base, ir = self.ir(pr["base"], req), self.ir(f"price-{i}", req)
            if base is None or ir is None:
                return None
            total += uses * (ir - base) / call.get("per", 1)
            named.append(f"{uses} × {call['about']}")
        return total, named

    def preflight_floor(self):
        """An empty filter answering a preflight itself (the price list's `preflight_floor`)."""
        pr = self.inst["prices"]
        for i, call in enumerate(pr["calls"]):
            ir = self.ir(f"price-{i}", "preflight")
            if call.get("preflight_floor") and ir is not None:
                return ir
        return None

    def feature_floor(self, req):
        """The floor plus the calls the config's features make: for a proxied request the
        computed floor; for a preflight, answering one (the price list's `preflight_floor`)."""
        extra = self.feature_calls()
        if extra is None:
            return None
        if req == "preflight":
            pf = self.preflight_floor()
            return pf + extra[0] if pf is not None else None
        floor = self.floor(req)
        return floor[0] + extra[0] if floor else None


def instruction_report(ctx, counts):
    c = Counts(counts)
    reqs = c.inst["requests"]
    label = {"cors": "cors GET", "html": "html GET", "preflight": "preflight"}
    variants = [v for v in c.inst["variants"] if v["id"] in c.runs[0]]
    rows = []
    for v in variants:
        cells = [c.cell(v["id"], r) for r in reqs]
        rows.append([v["about"]] + [f"{k(c.ir(v['id'], r))} ({cell['status']})" if cell else "" for r, cell in zip(reqs, cells)])
    floors = {r: c.floor(r) for r in reqs}
    if any(floors.values()):
        rows.append(
            ["*floor: empty filter + one fetch of each map + one call per edit (computed)*"]
            + [f"*{k(floors[r][0])}*" if floors[r] else "" for r in reqs]
        )
    feature_floors = {r: c.feature_floor(r) for r in reqs}
    if any(feature_floors.values()):
        rows.append(
            ["*floor + the host calls edge-shield's features make (computed, see below)*"]
            + [f"*{k(feature_floors[r])}*" if feature_floors[r] else "" for r in reqs]
        )
    native_floors = {r: c.floor(r, native=True) for r in reqs}
    if any(native_floors.values()):
        rows.append(
            ["*native floor: empty module + one fetch of each map + one callback per edit (computed)*"]
            + [f"*{k(native_floors[r][0])}*" if native_floors[r] else "" for r in reqs]
        )
    main = table(["instructions per request"] + [label.get(r, r) for r in reqs], rows)

    ratios = []

    def ratio(ours, other, about, digits=2):
        if ours in c.runs[0] and other in c.runs[0]:
            ratios.append(
                [about]
                + [f"{c.ir(ours, r) / c.ir(other, r):.{digits}f}×" if c.ir(ours, r) and c.ir(other, r) else "" for r in reqs]
            )

    ratio("edge-shield", "native", "edge-shield ÷ Envoy's CORS filter + 12 headers")
    ratio("edge-shield", "wasm-fetch", "edge-shield ÷ empty filter + one fetch of each map")
    if "edge-shield" in c.runs[0] and any(floors.values()):
        ratios.append(
            ["edge-shield ÷ floor"] + [f"{c.ir('edge-shield', r) / floors[r][0]:.3f}×" if floors[r] else "" for r in reqs]
        )
    if "edge-shield" in c.runs[0] and any(feature_floors.values()):
        ratios.append(
            ["edge-shield ÷ floor + its features' calls"]
            + [f"{c.ir('edge-shield', r) / feature_floors[r]:.3f}×" if feature_floors[r] else "" for r in reqs]
        )
    ratio("edge-shield-native", "native", "edge-shield native ÷ Envoy's CORS filter + 12 headers")
    ratio("edge-shield-native", "edge-shield", "edge-shield native ÷ edge-shield (Wasm)")
    if "edge-shield-native" in c.runs[0] and any(native_floors.values()):
        ratios.append(
            ["edge-shield native ÷ native floor"]
            + [f"{c.ir('edge-shield-native', r) / native_floors[r][0]:.3f}×" if native_floors[r] else "" for r in reqs]
        )
    pf = c.preflight_floor()
    if pf and c.ir("native", "preflight"):
        ratios.append(
            ["*Proxy-Wasm's floor for a preflight (an empty filter: request map + a reply of the 6 CORS headers) ÷ Envoy's CORS filter*"]
            + [f"*{pf / c.ir('native', 'preflight'):.2f}×*" if r == "preflight" else "" for r in reqs]
        )
    ratio_table = table(["ratio"] + [label.get(r, r) for r in reqs], ratios) if ratios else ""
    fc = c.feature_calls()
    feature_note = (
        f"The features' calls (the `spec` config: a rule matches on the route name, route and "
        f"virtual-host metadata may name a policy, the decision goes to filter state, two "
        f"counters): {'; '.join(fc[1])} = {fc[0] / 1000:.1f}k per request, priced below. For a "
        f"preflight the floor is the price list's local reply of the 6 CORS headers plus these."
        if fc
        else ""
    )
    edit_lines = "\n".join(
        f"- {who}, {label.get(r, r)}: {', '.join(f'{n} {kind}' for kind, n in fl[r][1].items() if n)}"
        for who, fl in (("edge-shield", floors), ("edge-shield native", native_floors))
        for r in reqs
        if fl[r]
    )
    prices = table(
        ["host call (from examples/noop_filter.rs)", "request", "instructions per call", "the variant's total"],
        [[about, req, f"{ir / 1000:+.1f}k", k(total)] for about, ir, _, req, total in c.prices()],
    )
    module_prices = c.prices("module_prices", "mprice")
    if module_prices:
        prices += "\n\nThe same for an Envoy dynamic module: each a variant of the empty module\n"
        prices += "(examples/noop_native.rs, configured by its `filter_config`), minus the empty module.\n\n"
        prices += table(
            ["callback (from examples/noop_native.rs)", "request", "instructions per call", "the variant's total"],
            [[about, req, f"{ir / 1000:+.1f}k", k(total)] for about, ir, _, req, total in module_prices],
        )
    agree = c.agreement()
    if agree:
        worst = agree[-1]
        agreement = (
            f"{len(c.runs)} runs (each a fresh Envoy per variant); per cell (max − min) / mean: "
            f"median {med([a for a, *_ in agree]):.2%}, worst {worst[0]:.2%} ({worst[1]}, {worst[2]})"
        )
    else:
        agreement = "1 run (BENCH_CG_RUNS=2 or more to see the run-to-run agreement)"
    split = split_report(c)
    probes = "\n".join(
        f"- {v['about']}, `{r}`: {c.cell(v['id'], r)['status']} — {', '.join(n for n, _ in c.cell(v['id'], r)['headers'])}"
        for v in variants
        for r in reqs
        if c.cell(v["id"], r)
    )
    return f"""## Instructions per request (callgrind)

The primary table: instructions the edge Envoy executes per request, counted by
`valgrind --tool=callgrind` on the Envoy binary itself (`{ctx['envoy_bin']}`). One Envoy
per variant, one worker, proxying to the upstream (a second Envoy, run natively and not
counted; not a `direct_response` route on the Envoy under test: Envoy's CORS filter
ignores those, so its preflights would not be answered); per cell {CG_WARMUP} requests on one
keep-alive connection to warm up (V8 tiers the Wasm code up), then callgrind's counters
zeroed, {CG_REQUESTS} requests counted, and a dump: total ÷ {CG_REQUESTS}. These counts do
not move with the machine's load. Mean of {agreement}.
(HTTP status in brackets.)

{main}

{ratio_table}

Edits the floors are priced for (edge-shield's answer against Envoy's without a filter,
counted on the wire):

{edit_lines}

{feature_note}

### Prices of host calls

Each a variant of the empty filter (examples/noop_filter.rs, configured by its plugin
configuration): its instructions per request minus the empty filter's on the same
request, per call.

{prices}

{split}
{native_split_report(c)}
### What each variant answered

{probes}
"""


def native_split_report(c):
    """Where a cors GET's instructions go in the dynamic-module variants."""
    cells = [(vid, c.cell(vid, "cors")) for vid in ("module-empty", "module-fetch", "edge-shield-native")]
    cells = [(vid, cell) for vid, cell in cells if cell and "native_split" in cell]
    none = c.ir("none", "cors")
    if not cells or none is None:
        return ""

    def hooks(sp):
        return sum(i for _, _, i in sp["hooks"])

    def callbacks(sp):
        return sum(i for _, _, i in sp["callbacks"])

    def row(about, f):
        return [about] + [f(cell["native_split"]) for _, cell in cells]

    rows = [
        row("all of Envoy", lambda sp: k(sp["total"])),
        row("… of which Envoy without a filter (the `none` variant)", lambda sp: k(none)),
        row("… of which Envoy's dynamic-module filter outside the module", lambda sp: k(sp["total"] - hooks(sp) - none)),
        row("… of which in the module's hooks (inclusive)", lambda sp: k(hooks(sp))),
        row("… … Envoy's callbacks (inclusive)", lambda sp: k(callbacks(sp))),
        row("… … libc from the module (malloc, free, memcpy, ...)", lambda sp: k(sp["libc"])),
        row("… … the module's own code", lambda sp: k(sp["self"])),
        row("callbacks per request", lambda sp: f"{sum(n for _, n, _ in sp['callbacks']):.0f}"),
    ]
    ours = cells[-1][1]["native_split"]
    by_callback = [[f"`{name}`", f"{n:.0f}", k(i), k(i / n) if n else ""] for name, n, i in ours["callbacks"]]
    by_hook = [[f"`{name}`", f"{n:.0f}", k(i)] for name, n, i in ours["hooks"] if i >= 50]
    return f"""
### Where a cors GET's instructions go, natively

The dynamic-module variants' cors cells, split by call edge between the Envoy binary
and the module (a shared object of its own; its hooks and Envoy's callbacks are
exported symbols, named even in stripped builds).

{table(["instructions per request (cors GET)", *[vid for vid, _ in cells]], rows)}

{cells[-1][0]}'s callbacks:

{table(["callback", "calls per request", "instructions per request", "per call"], by_callback)}

{cells[-1][0]}'s hooks (inclusive):

{table(["hook", "calls per request", "instructions per request"], by_hook)}
"""


def split_report(c):
    cells = [(vid, c.cell(vid, "cors")) for vid in ("wasm-empty", "wasm-fetch", "edge-shield")]
    cells = [(vid, cell) for vid, cell in cells if cell and "split" in cell]
    if not cells:
        return ""
    none = c.ir("none", "cors")

    def row(about, f):
        return [about] + [f(cell["split"]) for _, cell in cells]

    def host(sp):
        return sum(i for _, i in sp["host"])

    rows = [
        row("all of Envoy", lambda sp: k(sp["total"])),
        row("… of which Envoy without a filter (the `none` variant)", lambda sp: k(none) if none else "?"),
        row("… of which the filter outside the VM (contexts, the calls into V8)", lambda sp: k(sp["total"] - sp["vm"] - none) if none else "?"),
        row("… of which inside the VM (all hooks, inclusive)", lambda sp: k(sp["vm"])),
        row("… … host calls from the Wasm code (inclusive)", lambda sp: k(host(sp))),
        row("… … V8's runtime called from the Wasm code (memory.copy, ...)", lambda sp: k(sp["runtime"])),
        row("… … the Wasm code itself (JIT self: the module, V8's wrappers)", lambda sp: k(sp["jit_self"])),
        row("host calls per request", lambda sp: f"{sum(n for n, _ in sp['host']):.0f}"),
    ]
    ours = cells[-1][1]["split"]
    host_rows = [
        [f"wrapper {i + 1}", f"{n:.0f}", k(incl), k(incl / n)] for i, (n, incl) in enumerate(ours["host"])
    ]
    return f"""### Where a cors GET's instructions go

From the callgrind dumps of the cors cells: each function's cost and call edges. The Envoy
binary is stripped, so the split is by call edge: calls from Envoy into code V8 generated
(the Wasm module, compiled) are the VM's hooks; calls from that code back into Envoy are
host calls (each through a V8 wrapper per import signature), inclusive of everything
the host function does; the rest of the VM's time is the Wasm code itself.

{table(["instructions per request (cors GET)", *[vid for vid, _ in cells]], rows)}

{cells[-1][0]}'s host calls by V8 wrapper (one wrapper per import signature, so each row
is one or more host functions of one signature):

{table(["wrapper", "calls per request", "instructions per request", "per call"], host_rows)}
"""


def report(ctx, counts, core, ir, hot, cells):
    note = f"\nNote for this run: {ctx['note']}\n" if ctx["note"] else ""
    sections = ", ".join(ctx["wasm_sections"])
    head = f"""# edge-shield benchmark results

Produced by `make bench` (tests/bench/run.py); scenarios in tests/bench/scenarios.json.
{note}
- Date: {ctx['date']}
- Commit: {ctx['commit']}
- Machine: {ctx['machine']}
- Envoy: {ctx['envoy']}, `--concurrency 1`
- edge_shield.wasm: {ctx['wasm_size']} bytes; sections: {sections}
"""
    text = head + "\n" + instruction_report(ctx, counts)
    if ctx.get("rss"):
        rows = [[vid, f"{r['rss1']:.1f}", f"{r['rss3']:.1f}", f"{r['per_worker']:.1f}"] for vid, r in ctx["rss"].items()]
        empty, ours = ctx["rss"].get("wasm-empty"), ctx["rss"].get("edge-shield")
        extra = ""
        if empty and ours:
            extra = (
                f"\nedge-shield's VM over the empty filter's: {ours['per_worker'] - empty['per_worker']:+.1f} MB per worker "
                f"(and {ours['rss1'] - empty['rss1']:+.1f} MB at one worker, which also holds the main thread's VM).\n"
            )
        text += f"""
## Memory: RSS per worker VM

Envoy run natively (not under valgrind) with 1 and with 3 workers, every worker's VM
used (requests of the table's kinds on several connections); RSS after. Each worker
has its own Wasm VM, so the slope is what a worker (and its VM) costs.

{table(["variant", "RSS, 1 worker (MB)", "RSS, 3 workers (MB)", "per extra worker (MB)"], rows)}
{extra}"""
    if cells:
        text += "\n" + load_report(ctx, core, ir, hot, cells)
    return text


def load_report(ctx, core, ir, hot, cells):
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
    hot_lines = ""
    if hot:
        case, fns = hot
        hot_lines = f"\nWhere the instructions go (callgrind, `{case}`, self cost, top functions):\n\n" + "\n".join(
            f"- {pct:.0f}% `{fn}`" for pct, fn in fns
        )
    return f"""## Secondary: Envoy on loopback under load (CPU time, latency)

- Load average before / after: {ctx['load_before']} / {ctx['load_after']}; during the Envoy
  runs {ctx['neighbours']}
- Load: wrk (1 thread, closed loop), {RUNS} rounds over all cells after a {WARMUP} s warm-up
  each; per round and cell {LATENCY_DURATION} s with 1 connection (latency) and {DURATION} s with
  {CONNECTIONS} connections (req/s, CPU); medians shown. Pinned: {ctx['pinning']}.
- Noise: the spread (max − min) of CPU µs/req between rounds of one cell, as a share of its
  median: {spread}; differences smaller than that are not findings (the instruction
  counts above are the figures to compare).

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

## How to read this

- The machine is shared (2 cores, other builds and tests running): req/s and latency
  move with the neighbours' load; compare rows of one run, not runs of different days.
  CPU µs/req is steadier (it counts only the edge Envoy's own CPU time), and the
  instruction counts do not depend on load at all.
- req/s is bounded by the whole loop (wrk, the edge Envoy and the upstream Envoy on
  2 cores), so it understates one worker's capacity; that is ≈ 1e6 / (CPU µs/req)
  requests/s per core.
- The empty Proxy-Wasm filter is what any Wasm filter pays (a context per stream, a call
  into V8 per stage): an edge-shield row's cost minus the empty filter's is edge-shield's
  own work (fetching the header maps, its logic, its counters, header edits).
- The native core runs x86_64 code; in Envoy the same code runs as Wasm in V8 and pays
  for host calls (fetching and editing header maps) and copying into the VM.
- The native variants are close, not identical, equivalents: Envoy cannot add CSP and
  X-Frame-Options only on HTML, and its CORS filter has its own rules.
"""


def envoy_load(work, ctx):
    """The secondary tables: wrk against each variant, CPU time and latency per request."""
    upstream = Envoy("upstream", upstream_config(), work, LOAD_CPUS).wait_ready()
    edges, cells = [], []
    for i, v in enumerate(SCENARIOS["envoy"]):
        name = f"{i}-{v['variant']}"
        edges.append((v, Envoy(name, edge_config(v, upstream.port), work, EDGE_CPUS, env=variant_env(v))))
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
    for _, e in edges:
        stop(e.proc)
    stop(upstream.proc)
    return cells


def main():
    global ENVOY_BIN
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("bench: deadline reached, stopping"))
    signal.alarm(DEADLINE_SECONDS)
    if not WASM.exists():
        raise SystemExit(f"{WASM} is missing: run `make build`")
    ENVOY_BIN = cg.real_envoy(ENVOY)
    ctx = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "commit": sh(["git", "describe", "--always", "--dirty", "--abbrev=12"])
        + " ("
        + sh(["git", "rev-parse", "--abbrev-ref", "HEAD"])
        + ")",
        "machine": machine(),
        "load_before": loadavg(),
        "envoy": (re.search(r"version: (\S+)", sh([ENVOY, "--version"])) or [None, "?"])[1],
        "envoy_bin": str(ENVOY_BIN),
        "wasm_size": WASM.stat().st_size,
        "wasm_sections": [n for n, *_ in wasm_size.sections(WASM.read_bytes())],
        "pinning": "edge Envoy on CPU 0, wrk and upstream on CPU 1" if PIN else "no",
        "note": os.environ.get("BENCH_NOTE", ""),
        "load_after": "",
        "neighbours": "",
    }
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    with tempfile.TemporaryDirectory(prefix="edge-shield-bench-") as tmp:
        work = Path(tmp)
        finish_noop(work)
        log(f"== instruction counts (callgrind, {ENVOY_BIN})")
        specs = [s for s in cg_specs() if not only or s[0] in only]
        raw = os.environ.get("BENCH_RAW")
        if os.environ.get("BENCH_FROM_RAW"):
            # Report on counts saved by an earlier run (BENCH_RAW), without counting again.
            counts = {int(r): c for r, c in json.loads(Path(os.environ["BENCH_FROM_RAW"]).read_text())["counts"].items()}
        else:
            counts = instruction_counts(work, specs, CG_RUNS)
            if raw:
                Path(raw).write_text(json.dumps({"ctx": ctx, "counts": counts}, indent=1, default=str))
        core = ir = hot = None
        cells = []
        profiles = None
        if os.environ.get("BENCH_PROFILES") == "1":
            log("== release profiles")
            profiles = profile_builds(work)
        if not QUICK:
            log("== pure core (native + callgrind)")
            core, (ir, hot) = core_bench()
            for r in core:
                instr = ir.get(r["id"], float("nan"))
                log(f"  {r['id']:<20} {r['ns_median']:8.0f} ns/op  {instr:8.0f} instr/op  {r['allocs']:.0f} allocs/op")
            log("== Envoy under load (wrk)")
            cells = envoy_load(work, ctx)
            log("== RSS per worker")
            ctx["rss"] = rss_per_vm(work)
        text = report(ctx, counts, core, ir, hot, cells)
        text += profile_report(ctx, profiles, counts) if profiles else carried_profile_section()
    OUT.write_text(text)
    print(text)
    log(f"written to {OUT}")
    if not QUICK and OUT == DEFAULT_OUT:
        update_readme(text, ctx)


README = ROOT / "README.md"
README_BEGIN = "<!-- make bench: begin -->"
README_END = "<!-- make bench: end -->"


def update_readme(text, ctx):
    """The README's Performance section shows the primary tables of the same run as
    RESULTS.md: the two tables after the instruction-count heading, between markers."""
    readme = README.read_text()
    if README_BEGIN not in readme or README_END not in readme:
        log("README.md has no bench markers: not updated")
        return
    section = text.split("## Instructions per request (callgrind)", 1)[-1]
    tables, current = [], []
    for line in section.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append("\n".join(current))
            current = []
            if len(tables) == 2:
                break
    block = (
        f"{README_BEGIN}\n"
        f"Envoy {ctx['envoy'].split('/')[1] if '/' in ctx['envoy'] else ctx['envoy']}, one worker, "
        f"instructions per request under callgrind; `make bench` of {ctx['date']} "
        f"(commit {ctx['commit']}), all tables in [tests/bench/RESULTS.md](tests/bench/RESULTS.md).\n\n"
        + "\n\n".join(tables)
        + f"\n{README_END}"
    )
    head, rest = readme.split(README_BEGIN, 1)
    README.write_text(head + block + rest.split(README_END, 1)[1])
    log("README.md Performance section updated")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        stop_all()
