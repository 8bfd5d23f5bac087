#!/usr/bin/python3
"""Table, ratio lines and plot of scripts/bench/pktgen.sh's pktgen.tsv.

usage: pktgen_report.py PKTGEN.tsv [--plot FILE.png] [--title TEXT]

Rows are (profile, system, round, kind): kind "throughput" (Mpps Pktgen's
port 1 received at line rate), "zero-loss@L" (the RFC 2544 search's rate for
loss criterion L percent), "latency" (the latency trial at the zero-loss
rate) or "failed". With several rounds, each figure is the median of the
rounds that worked and the table adds min..max.

Lines after the table, in the order the profiles ran:
  pktgen_ratio_vs_ovs PROFILE X.XX            Ferry / OVS-DPDK throughput
  pktgen_zero_loss_mpps SYSTEM PROFILE X.XX   loss criterion 0 %
  pktgen_zero_loss_mpps SYSTEM PROFILE@L X.XX other criteria (L percent)
"n/a" where a run failed; "<X.XX" where no trial of the search passed (the
zero-loss rate is below the lowest rate tried).
"""
import argparse
import csv
import sys

from report import median  # compare.sh's report, beside this file

LABELS = {"ferry": "Ferry", "ovs": "OVS-DPDK 3.1"}


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv")
    ap.add_argument("--plot")
    ap.add_argument("--title", default="")
    a = ap.parse_args()
    with open(a.tsv) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    profiles, systems, kinds = [], [], []
    values = {}  # (profile, system, kind) -> [mpps...]
    lat = {}  # (profile, system) -> [(avg, min, max)]
    below = {}  # (profile, system, kind) -> ["<X", ...]: no trial passed
    for r in rows:
        p, s, k = r["profile"], r["system"], r["kind"]
        for lst, v in ((profiles, p), (systems, s)):
            if v not in lst:
                lst.append(v)
        if k == "failed":
            continue
        if k not in kinds:
            kinds.append(k)
        m = num(r["mpps"])
        if m is not None:
            values.setdefault((p, s, k), []).append(m)
        elif r["mpps"].startswith("<"):
            below.setdefault((p, s, k), []).append(r["mpps"])
        if k == "latency" and num(r["lat_avg_us"]) is not None:
            lat.setdefault((p, s), []).append(
                tuple(num(r[c]) for c in ("lat_avg_us", "lat_min_us", "lat_max_us")))

    def fig(p, s, k):
        v = values.get((p, s, k))
        return median(v) if v else None

    def cell(p, s, k):
        v = values.get((p, s, k))
        if not v and (p, s, k) in below:
            return " ".join(below[(p, s, k)])
        if not v:
            # Not run (a profile without a search) or failed.
            return "n/a" if any(r["profile"] == p and r["system"] == s and r["kind"] in
                                (k, "failed") for r in rows) else ""
        if len(v) == 1:
            return "%.3f" % v[0]
        return "%.3f (%.3f..%.3f)" % (median(v), min(v), max(v))

    cols = [k for k in kinds if k != "latency"]
    head = ["profile", "system"] + [("Mpps " + k) for k in cols] + ["latency avg (min..max) us"]
    table = []
    for p in profiles:
        for s in systems:
            line = [p, LABELS.get(s, s)] + [cell(p, s, k) for k in cols]
            lv = lat.get((p, s))
            if lv:
                avg = median([x[0] for x in lv])
                line.append("%.1f (%.1f..%.1f)" % (avg, min(x[1] for x in lv),
                                                   max(x[2] for x in lv)))
            else:
                line.append("")
            table.append(line)
    widths = [max(len(str(x[i])) for x in table + [head]) for i in range(len(head))]
    for line in [head] + table:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())
    print()
    for p in profiles:
        f, o = fig(p, "ferry", "throughput"), fig(p, "ovs", "throughput")
        if "ferry" in systems and "ovs" in systems:
            r = "%.2f" % (f / o) if f is not None and o else "n/a"
            print("pktgen_ratio_vs_ovs %s %s" % (p, r))
    for p in profiles:
        searched = [k for k in kinds if k.startswith("zero-loss@")
                    and any(r["profile"] == p and r["kind"] == k for r in rows)]
        for s in systems:
            for k in searched:
                loss = k.split("@", 1)[1]
                name = p if num(loss) == 0 else "%s@%s" % (p, loss)
                v = fig(p, s, k)
                if v is not None:
                    shown = "%.2f" % v
                elif (p, s, k) in below:
                    shown = "<%.2f" % min(num(b[1:]) or 0 for b in below[(p, s, k)])
                else:
                    shown = "n/a"
                print("pktgen_zero_loss_mpps %s %s %s" % (s, name, shown))
    if a.plot:
        plot(a, profiles, systems, cols, fig)
    return 0


def plot(a, profiles, systems, cols, fig):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    groups = [(p, k) for p in profiles for k in cols if any(fig(p, s, k) for s in systems)]
    if not groups:
        return
    fig_, ax = plt.subplots(figsize=(max(6, 1.4 * len(groups)), 4))
    w = 0.8 / max(1, len(systems))
    for i, s in enumerate(systems):
        ys = [fig(p, s, k) or 0 for p, k in groups]
        xs = [j + i * w for j in range(len(groups))]
        bars = ax.bar(xs, ys, w, label=LABELS.get(s, s))
        for b, y in zip(bars, ys):
            ax.annotate("%.2f" % y, (b.get_x() + b.get_width() / 2, y), ha="center",
                        va="bottom", fontsize=7)
    ax.set_xticks([j + w * (len(systems) - 1) / 2 for j in range(len(groups))])
    ax.set_xticklabels(["%s\n%s" % (p, k) for p, k in groups], fontsize=8)
    ax.set_ylabel("Mpps received by Pktgen")
    ax.set_title(a.title, fontsize=8)
    ax.legend()
    fig_.tight_layout()
    fig_.savefig(a.plot, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
