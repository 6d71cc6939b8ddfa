#!/usr/bin/python3
"""The map of docs/ARCHITECTURE.md, checked.

1. Arrows between rooms: every `#include "dir/..."` of a room names a room
   it may depend on.  Between the relayd rooms the only arrow is
   runner -> smtp; submit includes neither smtp/ nor runner/, smtp neither
   runner/ nor submit/; no OpenSSL or SASL header on the submit side; in
   cmd/ only deliver_main.c (outpost-deliver) reaches the runner.
2. No circles inside a room: neither between files through their includes,
   nor between .c files through their calls (read from the compiled
   objects with nm: who defines a function, who calls it).
"""

import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
import util                     # noqa: E402

# room -> rooms it may include (besides itself)
ALLOWED = {
    "util": set(),
    "conf": {"util"},
    "spool": {"util"},
    "lint": {"util"},
    "lint/cli": {"lint", "conf", "util"},
    "relayd/submit": {"spool", "conf", "lint", "util"},
    "relayd/smtp": {"conf", "util"},
    "relayd/runner": {"relayd/smtp", "spool", "conf", "util"},
    "cmd": {"relayd/submit", "relayd/runner", "lint/cli", "lint", "spool",
            "conf", "util"},
}
# The outpost side of cmd/: everything but the outpost-deliver main.
CMD_DELIVER_ONLY = {"relayd/runner", "relayd/smtp"}
CMD_DELIVER_MAINS = {"deliver_main.c"}
# Headers that would pull TLS/SASL into the submit side.
SUBMIT_SYSTEM_FORBIDDEN = re.compile(r"^(openssl|sasl)/")

# Call circles known and reported, still to be removed by their owners.
# A circle inside one of these file sets is printed, not failed; any other
# circle fails.  Remove an entry as soon as its circle is gone.
KNOWN_CALL_CIRCLES = []

NM_LINE = re.compile(r"^(.*?\.o):\s*(.*)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]', re.M)


def rooms():
    src = util.source_dir()
    return {r: os.path.join(src, r) for r in ALLOWED}


def sources(path):
    return sorted(glob.glob(os.path.join(path, "*.c")) +
                  glob.glob(os.path.join(path, "*.h")))


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def room_of(header):
    """'relayd/smtp/smtp.h' -> 'relayd/smtp'; None for a bare name."""
    d = os.path.dirname(header)
    return d if d else None


def arrow_problems():
    bad = []
    for room, path in rooms().items():
        for f in sources(path):
            name = os.path.basename(f)
            for kind, inc in includes(f):
                where = "%s/%s includes %s" % (room, name, inc)
                if kind == "<":
                    if room == "relayd/submit" and \
                            SUBMIT_SYSTEM_FORBIDDEN.match(inc):
                        bad.append(where + " (TLS/SASL on the submit side)")
                    continue
                target = room_of(inc)
                if target is None or target == room:
                    continue
                if target not in ALLOWED.get(room, set()):
                    bad.append(where + " (arrow %s -> %s not allowed)"
                               % (room, target))
                elif room == "cmd" and target in CMD_DELIVER_ONLY and \
                        name not in CMD_DELIVER_MAINS:
                    bad.append(where + " (only outpost-deliver's main may)")
    return bad


def circles(graph):
    """Strongly connected components with more than one node (Tarjan,
    iterative so a deep graph cannot hit the recursion limit)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = set()
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.add(w)
                        if w == node:
                            break
                    if len(comp) > 1:
                        out.append(comp)
                continue
            if nxt not in graph:
                continue
            if nxt not in index:
                index[nxt] = low[nxt] = counter[0]
                counter[0] += 1
                stack.append(nxt)
                on.add(nxt)
                work.append((nxt, iter(sorted(graph[nxt]))))
            elif nxt in on:
                low[node] = min(low[node], index[nxt])
    return out


def include_graph(room, path):
    graph = {}
    for f in sources(path):
        key = "%s/%s" % (room, os.path.basename(f))
        graph[key] = {inc if room_of(inc) else "%s/%s" % (room, inc)
                      for kind, inc in includes(f) if kind == '"'}
        graph[key] = {g for g in graph[key] if room_of(g) == room}
    return graph


def objects():
    """source path relative to the tree -> object file, from the build."""
    build = util.build_dir()
    found = {}
    for room in ALLOWED:
        pattern = os.path.join(build, room, "CMakeFiles", "*.dir", "*.c.o")
        for obj in glob.glob(pattern):
            found["%s/%s" % (room, os.path.basename(obj)[:-2])] = obj
    return found


def nm(flags, objs):
    """(object, symbol) pairs from one nm run over every object."""
    out = subprocess.run(["nm", "-A"] + flags + sorted(objs), check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = NM_LINE.match(line)
        if m:
            yield m.group(1), m.group(2).split()


def call_graph(objs):
    src_of = {obj: src for src, obj in objs.items()}
    defs, uses = {}, {src: set() for src in objs}
    for obj, parts in nm(["-g", "--defined-only"], objs.values()):
        if len(parts) == 3 and parts[1] in "TDBR" and obj in src_of:
            defs[parts[2]] = src_of[obj]
    for obj, parts in nm(["-u"], objs.values()):
        if parts and obj in src_of:
            uses[src_of[obj]].add(parts[-1])
    graph = {}
    for src, used in uses.items():
        room = os.path.dirname(src)
        graph[src] = {defs[s] for s in used
                      if s in defs and defs[s] != src and
                      os.path.dirname(defs[s]) == room}
    return graph


def test_room_arrows():
    bad = arrow_problems()
    assert not bad, "forbidden arrows:\n  " + "\n  ".join(bad)


def test_rooms_exist():
    # A renamed room must not turn the arrow test into a no-op.
    for room, path in rooms().items():
        assert sources(path), "room %s has no sources at %s" % (room, path)


def test_no_include_circles():
    found = []
    for room, path in rooms().items():
        found += circles(include_graph(room, path))
    assert not found, "include circles: %s" % [sorted(c) for c in found]


def test_no_call_circles():
    if shutil.which("nm") is None:
        util.skip("nm (binutils) is not installed")
    objs = objects()
    if not any(o.startswith("relayd/runner/") for o in objs):
        util.skip("no object files under %s" % util.build_dir())
    graph = call_graph(objs)
    edges = sum(len(v) for v in graph.values())
    assert edges > 20, "only %d calls between files: nm not understood" % edges
    found = circles(graph)
    for comp in found:
        if any(comp <= k for k in KNOWN_CALL_CIRCLES):
            print("KNOWN call circle, still to remove: %s" % sorted(comp))
    new = [sorted(c) for c in found
           if not any(c <= k for k in KNOWN_CALL_CIRCLES)]
    assert not new, "call circles (files calling each other): %s" % new


def test_circle_finder_finds_circles():
    # The finder itself: a 3-cycle with a tail, and a clean chain.
    got = circles({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()})
    assert got == [{"a", "b", "c"}], got
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


if __name__ == "__main__":
    util.run_tests([test_circle_finder_finds_circles, test_rooms_exist,
                    test_room_arrows, test_no_include_circles,
                    test_no_call_circles])
