#!/usr/bin/env python3
"""A wasm module's sections and exports, and the exports a Proxy-Wasm module keeps
(docs/performance.md, "Only the hooks we implement").

  wasm_module.py graph src/host/exports            wasm-metadce's graph for the list, on stdout
  wasm_module.py check src/host/exports MODULE     exit 1 unless MODULE exports exactly the list

`make build` and `make dist` write the graph, prune with binaryen's wasm-metadce, then check
the result: wasm-metadce says nothing when the list names an export the module lacks, so a
misspelt or unimplemented hook would otherwise vanish silently.
"""

import json
import sys


def listed(path):
    """The list: one export a line, `#` starts a comment."""
    with open(path, encoding="utf-8") as f:
        return [line.split("#", 1)[0].strip() for line in f if line.split("#", 1)[0].strip()]


def graph(names):
    """wasm-metadce's reachability graph: the host, a root, reaches each listed export."""
    nodes = [{"name": "host", "root": True, "reaches": names}]
    nodes += [{"name": n, "export": n} for n in names]
    return json.dumps(nodes, indent=0) + "\n"


SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
    7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount",
}


def uleb(buf, pos):
    """The unsigned LEB128 number at `pos`, and the position after it."""
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, pos


def sections(data):
    """[(name, size in bytes incl. its header, body offset, body size)], custom sections by
    their own name."""
    if data[:4] != b"\0asm":
        raise ValueError("not a wasm module")
    out, pos = [], 8
    while pos < len(data):
        start = pos
        sid = data[pos]
        size, body = uleb(data, pos + 1)
        name = SECTION_NAMES.get(sid, f"id{sid}")
        if sid == 0:
            n, p = uleb(data, body)
            name = "custom:" + data[p : p + n].decode(errors="replace")
        out.append((name, body + size - start, body, size))
        pos = body + size
    return out


def exports(module):
    """The names in a module's export section."""
    names = []
    for name, _, body, _ in sections(module):
        if name == "export":
            count, j = uleb(module, body)
            for _ in range(count):
                length, j = uleb(module, j)
                names.append(module[j : j + length].decode())
                _, j = uleb(module, j + length + 1)  # the kind byte, then the index
    return names


def check(list_path, module_path):
    with open(module_path, "rb") as f:
        have = set(exports(f.read()))
    want = set(listed(list_path))
    if have == want:
        return 0
    missing, extra = sorted(want - have), sorted(have - want)
    print(f"{module_path}: exports differ from {list_path}: missing {missing}, unexpected {extra}"
          " (a listed hook the module does not define, or pruning that did not run)", file=sys.stderr)
    return 1


def main(argv):
    if len(argv) == 3 and argv[1] == "graph":
        sys.stdout.write(graph(listed(argv[2])))
        return 0
    if len(argv) == 4 and argv[1] == "check":
        return check(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
