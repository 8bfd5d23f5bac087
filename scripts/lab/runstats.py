#!/usr/bin/env python3
"""p50 / p95 / max of each figure over the runs of scripts/lab/migrate.sh.

    runstats.py --vm netns|qemu|ovn [--table | --plot PNG TITLE] < RUNS

(ovn: scripts/lab/ovn_migrate.sh, "plan" is OVN's rarp activation.)
RUNS: one JSON object per line, {"plan": FIGURES, "baseline": FIGURES}
(FIGURES: scripts/lab/analyze.py's output). Prints one JSON object
{"plan": {FIGURE: {"p50", "p95", "max", "min", "n"}}, "baseline": {...}}
(nearest-rank percentiles), or with --table a table of them, or with
--plot a PNG of every run's value of each figure (matplotlib).
"""
import json
import math
import sys

FIGURES = {
    "netns": ["lost", "lost_outside_pause", "lost_outside_downtime", "duplicated", "reordered",
              "blackout_ms", "pause_ms", "gate_ms", "staging_ms", "cleanup_ms"],
    "ovn": ["lost", "lost_outside_pause", "duplicated", "reordered", "blackout_ms", "pause_ms"],
    "qemu": ["lost", "lost_outside_downtime", "lost_outside_qemu_downtime", "duplicated",
             "reordered", "blackout_ms", "pause_ms", "qemu_downtime_ms", "qemu_total_ms",
             "staging_ms", "cleanup_ms"],
}


def rank(values, p):
    v = sorted(values)
    return v[max(0, math.ceil(p * len(v)) - 1)]


def stats(runs, side, keys):
    out = {}
    for k in keys:
        vals = [r[side][k] for r in runs if isinstance(r[side].get(k), (int, float))]
        if vals:
            out[k] = {"p50": rank(vals, 0.5), "p95": rank(vals, 0.95), "max": max(vals),
                      "min": min(vals), "n": len(vals)}
    return out


def main(argv):
    vm = argv[argv.index("--vm") + 1] if "--vm" in argv else "netns"
    keys = FIGURES[vm]
    runs = [json.loads(l) for l in sys.stdin if l.strip()]
    st = {side: stats(runs, side, keys) for side in ("plan", "baseline")}
    if "--table" in argv:
        plan = runs[0]["plan"]["plan"] if runs else "plan"
        flow = "vm2 -> vm1" if vm == "ovn" else "A1 -> A0"
        print("%-28s%26s%26s" % ("%s (%d runs)" % (flow, len(runs)), plan, "baseline"))
        for k in keys:
            cells = []
            for side in ("plan", "baseline"):
                s = st[side].get(k)
                cells.append("%g / %g / %g" % (s["p50"], s["p95"], s["max"]) if s else "-")
            print("%-28s%26s%26s" % (k, " " + cells[0], " " + cells[1]))
        return 0
    if "--plot" in argv:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        i = argv.index("--plot")
        png, title = argv[i + 1], argv[i + 2] if len(argv) > i + 2 else ""
        shown = [k for k in keys if k in st["plan"] or k in st["baseline"]]
        fig, axes = plt.subplots(1, len(shown), figsize=(2.2 * len(shown), 3.5))
        for ax, k in zip(axes, shown):
            for x, side in enumerate(("plan", "baseline")):
                vals = [r[side][k] for r in runs if isinstance(r[side].get(k), (int, float))]
                ax.scatter([x] * len(vals), vals, s=12, alpha=0.7)
            ax.set_xticks([0, 1], [runs[0]["plan"]["plan"], "baseline"], fontsize=7)
            ax.set_title(k, fontsize=8)
            ax.tick_params(labelsize=7)
        fig.suptitle(title, fontsize=9)
        fig.tight_layout()
        fig.savefig(png, dpi=110)
        return 0
    print(json.dumps(st))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
