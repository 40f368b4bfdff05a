#!/usr/bin/env python3
"""Where the bytes of a .wasm go: its sections, and (when it still has a `name` section)
its largest functions by crate. No dependencies; `make bench` uses it to show the size
table and to check that the shipped filter carries no `name` section.

    python3 tests/bench/wasm_size.py FILE.wasm [--functions N]
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from wasm_module import sections, uleb as _uleb  # noqa: E402


def _imported_functions(data, body):
    count, pos = _uleb(data, body)
    funcs = 0
    for _ in range(count):
        for _ in range(2):  # module, field
            n, pos = _uleb(data, pos)
            pos += n
        kind = data[pos]
        pos += 1
        if kind == 0:
            _, pos = _uleb(data, pos)
            funcs += 1
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags, pos = _uleb(data, pos)
            _, pos = _uleb(data, pos)
            if flags & 1:
                _, pos = _uleb(data, pos)
        elif kind == 2:  # memory: limits
            flags, pos = _uleb(data, pos)
            _, pos = _uleb(data, pos)
            if flags & 1:
                _, pos = _uleb(data, pos)
        elif kind == 3:  # global: valtype, mut
            pos += 2
    return funcs


def function_sizes(data):
    """{function name: body size}, or {} without a name section."""
    secs = {s[0]: s for s in sections(data)}
    if "custom:name" not in secs or "code" not in secs:
        return {}
    imported = _imported_functions(data, secs["import"][2]) if "import" in secs else 0
    names = {}
    _, _, body, size = secs["custom:name"]
    n, pos = _uleb(data, body)
    pos += n
    end = body + size
    while pos < end:
        sub = data[pos]
        length, pos = _uleb(data, pos + 1)
        if sub == 1:
            count, p = _uleb(data, pos)
            for _ in range(count):
                idx, p = _uleb(data, p)
                ln, p = _uleb(data, p)
                names[idx] = data[p : p + ln].decode(errors="replace")
                p += ln
        pos += length
    sizes = {}
    _, _, body, _ = secs["code"]
    count, pos = _uleb(data, body)
    for i in range(count):
        size, p = _uleb(data, pos)
        name = names.get(imported + i, f"func{imported + i}")
        sizes[name] = sizes.get(name, 0) + size
        pos = p + size
    return sizes


def crate_of(name):
    """The crate a (legacy- or v0-mangled, or demangled) Rust symbol belongs to, roughly."""
    m = re.match(r"_ZN(?:\d+)(\w+?)(?:\.\.|\d|$)", name)
    if name.startswith("_ZN"):
        n = re.match(r"_ZN(\d+)", name)
        if n:
            ln = int(n.group(1))
            seg = name[n.end() : n.end() + ln]
            if seg.startswith("_$LT$") or seg.startswith("$LT$"):
                inner = re.search(r"\$LT\$(\w+?)\.\.", seg)
                return inner.group(1) if inner else "<impl>"
            return seg
    if m:
        return m.group(1)
    head = re.match(r"<?([A-Za-z_][A-Za-z0-9_]*)::", name)
    return head.group(1) if head else "(other)"


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    path = Path(argv[0])
    data = path.read_bytes()
    print(f"{path}: {len(data)} bytes")
    for name, size, _, _ in sections(data):
        print(f"  {name:<28} {size:>9}")
    top = int(argv[argv.index("--functions") + 1]) if "--functions" in argv else 0
    sizes = function_sizes(data)
    if top and sizes:
        crates = defaultdict(int)
        for name, size in sizes.items():
            crates[crate_of(name)] += size
        print("code by crate:")
        for crate, size in sorted(crates.items(), key=lambda kv: -kv[1])[:top]:
            print(f"  {crate:<28} {size:>9}")
        print("largest functions:")
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:top]:
            print(f"  {size:>9}  {name[:110]}")


if __name__ == "__main__":
    main(sys.argv[1:])
