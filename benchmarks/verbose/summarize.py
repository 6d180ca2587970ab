#!/usr/bin/env python3
"""Summarizes a oneDNN verbose log (ONEDNN_VERBOSE=1) of one or more forward passes.

    python3 summarize.py LOG [TITLE]
    python3 summarize.py --compare BEFORE.log AFTER.log   (one row per primitive, fastest runs)

Prints markdown: the ISA oneDNN reported, then per pass the primitives by kind and
implementation (count, milliseconds), the activation layouts they read and wrote, and the
reorders. A pass starts wherever the first non-reorder primitive of the log (its kind and
problem) runs again; reorders of weights (no channel-blocked activation on either side) are
compile time and listed apart. Times: the first pass (cold buffers), the median of the later
passes, and the sum of each primitive's fastest run over all passes (the figure least moved by
other processes on a shared host). Only passes of the first pass's batch size count.
"""
import re
import statistics
import sys
from collections import OrderedDict, defaultdict

ACTIVATION = re.compile(r"^(aBcd(8|16)b|abcd|acdb)$")
BLOCKED = re.compile(r"^aBcd(8|16)b$")


def parse(path):
    isa, lines = None, []
    for raw in open(path, errors="replace"):
        f = raw.rstrip("\n").split(",")
        if len(f) > 3 and f[0] in ("onednn_verbose", "dnnl_verbose"):
            if f[1] == "info" and len(f) > 3 and f[3].startswith("isa:"):
                isa = f[3][4:]
            elif f[1] == "exec" and len(f) >= 11:
                kind, impl, mds, problem, ms = f[3], f[4], f[6], f[9], float(f[-1])
                formats = re.findall(r"(\w+)_f32::blocked:(\w+):", mds)
                lines.append(dict(kind=kind, impl=impl, formats=formats, problem=problem, ms=ms))
    return isa, lines


def is_weight_reorder(line):
    return line["kind"] == "reorder" and not any(BLOCKED.match(fmt) for _, fmt in line["formats"])


def passes(lines):
    work = [l for l in lines if not is_weight_reorder(l)]
    first = next((l for l in work if l["kind"] != "reorder"), None)
    if first is None:
        return []
    # Passes of another batch size (a batched run beside single ones) start with the same
    # primitive at another "mb"; they are split off and left out.
    key = (first["kind"], batchless(first["problem"]))
    out = []
    for l in work:
        if l["kind"] != "reorder" and (l["kind"], batchless(l["problem"])) == key:
            out.append([])
        if out:
            out[-1].append(l)
    return [p for p in out if p[0]["problem"] == first["problem"]]


def batchless(problem):
    return re.sub(r"^mb\d+_?", "", problem)


def table(groups, minima, runs):
    """groups: key -> list over passes of (count, ms); minima: key -> sum of its primitives' fastest runs."""
    head = "| kind | implementation | per pass | ms, first pass | ms, median of later passes | ms, sum of each primitive's fastest |"
    rows = [head, "|---|---|---:|---:|---:|---:|"]
    for key, per in groups.items():
        first = per[0]
        later = [ms for _, ms in per[1:]]
        med = f"{statistics.median(later):.2f}" if later else "-"
        rows.append(f"| {key[0]} | {key[1]} | {first[0]} | {first[1]:.2f} | {med} | {minima[key]:.2f} |")
    total_first = sum(per[0][1] for per in groups.values())
    later_totals = [sum(per[i][1] for per in groups.values()) for i in range(1, runs)]
    med = f"{statistics.median(later_totals):.2f}" if later_totals else "-"
    rows.append(f"| all | | {sum(per[0][0] for per in groups.values())} | {total_first:.2f} | {med} | {sum(minima.values()):.2f} |")
    return "\n".join(rows)


def fastest(runs):
    """Per kind and implementation: the sum over the primitives of a pass of each one's fastest run.
    Every pass runs the same primitives in the same order, so position i is one primitive."""
    out = defaultdict(float)
    same = [p for p in runs if len(p) == len(runs[0])]
    for i, l in enumerate(runs[0]):
        out[(l["kind"], l["impl"])] += min(p[i]["ms"] for p in same)
    return out


def compare(before_path, after_path):
    """One row per primitive of a pass: its problem, and each log's kernel, layout and fastest run."""
    sides = []
    for path in (before_path, after_path):
        isa, lines = parse(path)
        runs = passes(lines)
        same = [p for p in runs if len(p) == len(runs[0])]
        sides.append([(l, min(p[i]["ms"] for p in same)) for i, l in enumerate(runs[0])])
    if len(sides[0]) != len(sides[1]):
        sys.exit("the two logs' passes have different primitives")
    print("| # | kind | problem | before: kernel, dst | ms | after: kernel, dst | ms |")
    print("|---:|---|---|---|---:|---|---:|")
    total = [0.0, 0.0]
    for i, ((b, bms), (a, ams)) in enumerate(zip(*sides)):
        dst = lambda l: next((f for arg, f in l["formats"] if arg == "dst"), "")
        print(f"| {i + 1} | {b['kind']} | {b['problem']} | {b['impl']}, {dst(b)} | {bms:.3f} | {a['impl']}, {dst(a)} | {ams:.3f} |")
        total[0] += bms
        total[1] += ams
    print(f"| | all | | | {total[0]:.2f} | | {total[1]:.2f} |")


def main():
    if sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
        return
    path = sys.argv[1]
    title = sys.argv[2] if len(sys.argv) > 2 else path
    isa, lines = parse(path)
    runs = passes(lines)
    print(f"### {title}\n")
    print(f"oneDNN ISA: {isa}; passes: {len(runs)}\n")
    if not runs:
        return
    keys = OrderedDict()
    for p in runs:
        for l in p:
            keys.setdefault((l["kind"], l["impl"]), None)
    groups = OrderedDict((k, []) for k in keys)
    for p in runs:
        acc = defaultdict(lambda: [0, 0.0])
        for l in p:
            acc[(l["kind"], l["impl"])][0] += 1
            acc[(l["kind"], l["impl"])][1] += l["ms"]
        for k in groups:
            groups[k].append(tuple(acc.get(k, (0, 0.0))))
    print(table(groups, fastest(runs), len(runs)))
    layouts = defaultdict(int)
    for l in runs[0]:
        for arg, fmt in l["formats"]:
            if arg in ("src", "dst") and ACTIVATION.match(fmt):
                layouts[(l["kind"], arg, fmt)] += 1
    print("\nActivation layouts in the first pass: " + ", ".join(
        f"{k} {a} {f} x{n}" for (k, a, f), n in sorted(layouts.items())))
    reorders = defaultdict(int)
    for l in runs[0]:
        if l["kind"] == "reorder":
            reorders[" -> ".join(f for _, f in l["formats"])] += 1
    weights = [l for l in lines if is_weight_reorder(l)]
    print(f"\nReorders per pass: {sum(reorders.values())} ("
          + (", ".join(f"{n} {k}" for k, n in reorders.items()) or "none")
          + f"); weight reorders in the log (compile time): {len(weights)}, {sum(l['ms'] for l in weights):.1f} ms\n")


if __name__ == "__main__":
    main()
