#!/usr/bin/env python3
"""One row per convolution: xai4j's step beside ONNX Runtime's node (LayerProfile's two outputs).

    python3 layers.py XAI4J.LOG ONNX_RUNTIME_PROFILE.json PASSES

XAI4J.LOG is oneDNN's verbose log of PASSES batch-1 passes of one plan. A step split over threads
logs one primitive per part (the parts differ in their output channels or rows); the step's time
is its slowest part, since the parts run at once (the median of that over the passes). Every
step is taken to have PARTS parts (below): a plan whose first line says "N of N steps split"
(ResNet-50's and ResNet-18's at batch 1); a plan that runs some steps whole is misread. ONNX Runtime's profile holds every run of the
session; each node's time is its median over the last PASSES runs. Rows pair the n-th convolution
of each side: both run a model's convolutions in its graph order, but may swap two that do not
depend on each other (a block's projection shortcut and its last convolution), so read the two
descriptions of a row before its ratio. Times in ms.
"""
import json
import re
import statistics
import sys

PARTS = 2  # threads a split step runs on: the 2 cores of the machine kind the README measures

def xai4j_steps(path, passes):
    lines = []
    for raw in open(path, errors="replace"):
        f = raw.rstrip("\n").split(",")
        if len(f) > 10 and f[0] in ("onednn_verbose", "dnnl_verbose") and f[1] == "exec":
            lines.append((f[3], f[4], f[9], float(f[-1])))
    if not lines or len(lines) % passes:
        sys.exit(f"{path}: {len(lines)} primitives do not make {passes} passes of the same plan")
    n = len(lines) // passes
    per_pass = []
    for p in range(passes):
        # The parts of a step log as each finishes, two threads at once, and a chain of steps
        # logs one thread's parts before the other's: so a step is found by what it computes, not
        # by its place in the log. Parts of one step share kind, kernel and problem but for their
        # share of the channels or rows (and, by rows, the padding at the image's top or bottom
        # edge); the k-th step of such a shape is its occurrences
        # PARTS * k to PARTS * (k + 1) - 1 in the pass.
        seen, steps = {}, {}
        for j, (k, impl, problem, ms) in enumerate(lines[p * n:(p + 1) * n]):
            key = (k, impl, re.sub(r"(ic|oc|ih|oh|ph)\d+", r"\1", problem))
            i = seen.get(key, 0)
            seen[key] = i + 1
            step = steps.setdefault((key, i // PARTS), dict(kind=k, impl=impl, problem=problem, first=j, parts=[]))
            step["parts"].append(ms)
        per_pass.append(steps)
    if any(set(s) != set(per_pass[0]) for s in per_pass):
        sys.exit(f"{path}: the passes do not run the same steps")
    steps = sorted(per_pass[0].items(), key=lambda kv: kv[1]["first"])
    return [dict(kind=s["kind"], impl=s["impl"], problem=s["problem"],
                 parts=[statistics.median(sorted(pp[key]["parts"])[i] for pp in per_pass) for i in range(len(s["parts"]))],
                 ms=statistics.median(max(pp[key]["parts"]) for pp in per_pass))
            for key, s in steps]


def ort_convs(path, passes):
    times, order, kinds = {}, [], {}
    for e in json.load(open(path)):
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            name = e["name"][: -len("_kernel_time")]
            if name not in times:
                times[name] = []
                order.append(name)
            times[name].append(e["dur"] / 1000)
            kinds[name] = e["args"].get("op_name", "")
    return [(n, kinds[n], statistics.median(times[n][-passes:])) for n in order]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    passes = int(sys.argv[3])
    steps = xai4j_steps(sys.argv[1], passes)
    ort = ort_convs(sys.argv[2], passes)
    convs = [s for s in steps if s["kind"] == "convolution"]
    ort_c = [o for o in ort if o[1].endswith("Conv")]
    print("| # | xai4j step | kernel | parts | xai4j | ONNX Runtime node | ONNX Runtime | ratio |")
    print("|---|---|---|---|---:|---|---:|---:|")
    for i in range(max(len(convs), len(ort_c))):
        s = convs[i] if i < len(convs) else None
        o = ort_c[i] if i < len(ort_c) else None
        xm = s["ms"] if s else None
        cells = [str(i + 1),
                 re.sub(r"^mb\d+_", "", s["problem"]) if s else "", s["impl"] if s else "",
                 " ".join(f"{p:.3f}" for p in s["parts"]) if s else "", f"{xm:.3f}" if s else "",
                 o[0] if o else "", f"{o[2]:.3f}" if o else "",
                 f"{xm / o[2]:.2f}" if s and o and o[2] > 0 else ""]
        print("| " + " | ".join(cells) + " |")
    x_all = sum(s["ms"] for s in steps)
    x_conv = sum(s["ms"] for s in convs)
    print(f"\nxai4j: {len(steps)} steps, {x_all:.2f} ms (convolutions {x_conv:.2f}); "
          f"ONNX Runtime: {len(ort)} nodes, {sum(o[2] for o in ort):.2f} ms (convolutions {sum(o[2] for o in ort_c):.2f})")


if __name__ == "__main__":
    main()
