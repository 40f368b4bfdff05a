#!/usr/bin/env python3
"""The exports a Proxy-Wasm module keeps (docs/performance.md, "Only the hooks we implement").

  wasm_exports.py graph src/host/exports            wasm-metadce's graph for the list, on stdout
  wasm_exports.py check src/host/exports MODULE     exit 1 unless MODULE exports exactly the list

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


def _leb(b, i):
    value = shift = 0
    while True:
        byte = b[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def exports(module):
    """The names in a module's export section."""
    if module[:4] != b"\0asm":
        raise ValueError("not a wasm module")
    i = 8
    while i < len(module):
        section = module[i]
        size, i = _leb(module, i + 1)
        if section == 7:
            count, j = _leb(module, i)
            names = []
            for _ in range(count):
                length, j = _leb(module, j)
                names.append(module[j : j + length].decode())
                _, j = _leb(module, j + length + 1)  # the kind byte, then the index
            return names
        i += size
    return []


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
