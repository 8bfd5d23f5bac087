#!/usr/bin/python3
"""Table, ratio lines and plot of scripts/bench/compare.sh's results.tsv.

With several rounds per case (compare.sh --repeat), every figure is the
median of the rounds that worked, and the table adds the Mpps range
(min..max) of those rounds.

usage: report.py RESULTS.tsv [--plot FILE.png] [--title TEXT]

The ratio lines (one per case and peer, in the order the cases ran):
  ratio_vs_ovs CASE flows=N rules=R X.XX best=SYS
      Ferry Mpps / the better of OVS-DPDK's two configurations (SYS is
      ovs, its defaults, or ovs-tuned: emc-insert-inv-prob=0, smc-enable=true)
  ratio_vs_testpmd CASE flows=N rules=R X.XX   Ferry Mpps / testpmd Mpps
  megaflows CASE ferry=F ovs=O ovs-tuned=T     megaflows after the window
R is the number of OpenFlow rules of the case; "n/a" when either side of
a ratio failed.
"""
import argparse
import csv
import sys

LABELS = {"ferry": "Ferry", "ovs": "OVS-DPDK 3.1", "ovs-tuned": "OVS-DPDK tuned",
          "testpmd": "testpmd macswap"}
OVS_SYSTEMS = ("ovs", "ovs-tuned")
# Cases whose figure is not like for like, and why (marked in the table).
CASE_NOTES = {"simple": "port-only rule: Ferry's simple-match path answers without parsing "
                        "or looking up; OVS-DPDK does its full lookup (not a like-for-like "
                        "figure; ip-N is)"}
# Per reading: its format, and (header, width) when the table shows it.
READINGS = [
    ("mpps", "%.2f", "Mpps", 7),
    ("cycles_per_packet", "%.1f", "cyc/pkt", 8),
    ("emc_pct", "%.1f", "EMC%", 6),
    ("smc_pct", "%.1f", "SMC%", 6),
    ("megaflow_pct", "%.1f", "mflow%", 7),
    ("subtable_lookups", "%.2f", "sub/hit", 7),
    ("upcalls", "%d", "upcalls", 8),
    ("megaflows", "%d", "mflows", 7),
    ("rules_hit", "%d", "hit", 5),
    ("pmd_cpu", "%d", "cpu%", 5),
    ("add_secs", "%.3f", "install_s", 9),
]
NUMERIC = [key for key, _, _, _ in READINGS]
FORMATS = {key: f for key, f, _, _ in READINGS}
COLUMNS = [("case", "case", 12), ("flows", "flows", 8), ("rules", "rules", 5),
           ("system", "system", 16)] + [(h, key, w) for key, _, h, w in READINGS]


def number(row, key):
    try:
        return float(row.get(key) or "")
    except ValueError:
        return None


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def aggregate(rows):
    """One row per (case, system): the median of each reading over the
    rounds that worked, with the number of rounds and the Mpps range."""
    groups = {}
    for r in rows:
        groups.setdefault((r["case"], r["system"]), []).append(r)
    out = []
    for (_, _), rs in groups.items():
        ok = [r for r in rs if r["status"] == "ok"]
        a = {k: rs[0][k] for k in ("case", "flows", "rules", "system")}
        a["rounds"] = "%d/%d" % (len(ok), len(rs))
        failed = [r for r in rs if r["status"] != "ok"]
        a["note"] = failed[0].get("note", "") if failed else ""
        a["status"] = "ok" if ok else "failed"
        for key in NUMERIC:
            vals = [number(r, key) for r in ok if number(r, key) is not None]
            a[key] = FORMATS[key] % median(vals) if vals else ""
        mpps = [number(r, "mpps") for r in ok if number(r, "mpps") is not None]
        a["range"] = "%.2f..%.2f" % (min(mpps), max(mpps)) if len(mpps) > 1 else ""
        notes = sorted({r.get("note", "") for r in ok if r.get("note")})
        a["ok_note"] = "; ".join(notes)
        out.append(a)
    return out


def print_table(rows):
    multi = any(r["rounds"] not in ("1/1", "0/1") for r in rows)
    cols = COLUMNS + ([("rounds", "rounds", 6), ("Mpps min..max", "range", 13)] if multi else [])
    marked = set()
    print("  ".join(h.rjust(w) if i > 3 else h.ljust(w) for i, (h, _, w) in enumerate(cols)))
    for r in rows:
        if r["status"] != "ok":
            head = [r["case"].ljust(12), r["flows"].ljust(8), r["rules"].ljust(5),
                    LABELS.get(r["system"], r["system"]).ljust(16)]
            print("  ".join(head) + "  FAILED: " + r.get("note", ""))
            continue
        cells = []
        for i, (_, key, w) in enumerate(cols):
            v = r.get(key) or "-"
            if key == "system":
                v = LABELS.get(v, v)
            if key == "case" and r["case"].split("-")[0] in CASE_NOTES:
                v += "*"
                marked.add(r["case"].split("-")[0])
            cells.append(v.rjust(w) if i > 3 else v.ljust(w))
        line = "  ".join(cells)
        if r["note"]:
            line += "  (failed rounds: " + r["note"] + ")"
        if r.get("ok_note"):
            line += "  (" + r["ok_note"] + ")"
        print(line)
    for kind in sorted(marked):
        print("* %s-N: %s" % (kind, CASE_NOTES[kind]))


def ratio_lines(rows):
    cases = []
    for r in rows:
        if r["case"] not in cases:
            cases.append(r["case"])
    lines = []
    for c in cases:
        by_sys = {r["system"]: r for r in rows if r["case"] == c}
        ferry = by_sys.get("ferry")
        if not ferry:
            continue
        head = "%s flows=%s rules=%s" % (c, ferry["flows"], ferry["rules"])
        mine = number(ferry, "mpps") if ferry["status"] == "ok" else None
        ovs = [(number(by_sys[s], "mpps"), s) for s in OVS_SYSTEMS
               if s in by_sys and by_sys[s]["status"] == "ok" and number(by_sys[s], "mpps")]
        if any(s in by_sys for s in OVS_SYSTEMS):
            if mine is not None and ovs:
                theirs, best = max(ovs)
                lines.append("ratio_vs_ovs %s %.2f best=%s" % (head, mine / theirs, best))
            else:
                lines.append("ratio_vs_ovs %s n/a" % head)
        if "testpmd" in by_sys:
            other = by_sys["testpmd"]
            theirs = number(other, "mpps") if other["status"] == "ok" else None
            value = "%.2f" % (mine / theirs) if mine is not None and theirs else "n/a"
            lines.append("ratio_vs_testpmd %s %s" % (head, value))
        counts = ["%s=%s" % (s, by_sys[s].get("megaflows") or "n/a")
                  for s in ("ferry",) + OVS_SYSTEMS if s in by_sys]
        lines.append("megaflows %s %s" % (c, " ".join(counts)))
    return lines


def plot(rows, path, title):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        print("report.py: no plot (%s); install python3-matplotlib" % e, file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(8, 5))
    styles = {"ferry": ("tab:blue", "o"), "ovs": ("tab:orange", "s"),
              "ovs-tuned": ("tab:red", "D"), "testpmd": ("tab:green", "^")}
    for kind, dash, suffix in (("ip", "-", "in_port+ip rule"), ("rules", "--", "1000 rules"),
                               ("l3", ":", "100k routes")):
        for system, (color, marker) in styles.items():
            pts = sorted((int(r["flows"]), number(r, "mpps")) for r in rows
                         if r["system"] == system and r["case"].startswith(kind + "-")
                         and r["status"] == "ok" and number(r, "mpps") is not None)
            if not pts or (kind != "ip" and system == "testpmd"):
                continue  # testpmd has no rules: its ceiling is the ip line
            ax.plot([p[0] for p in pts], [p[1] for p in pts], dash, color=color,
                    marker=marker, label="%s, %s" % (LABELS[system], suffix))
    # Failed runs: a cross on the axis in the system's colour, and a note.
    notes = []
    nudge = {"ferry": 0.85, "ovs": 0.95, "ovs-tuned": 1.05, "testpmd": 1.15}  # side by side
    for system, (color, _) in styles.items():
        bad = sorted({int(r["flows"]) for r in rows
                      if r["system"] == system and r["status"] != "ok"})
        if bad:
            ax.plot([n * nudge[system] for n in bad], [0] * len(bad), "x", color=color,
                    markersize=10, clip_on=False)
            notes.append("%s failed at %s flows" % (LABELS[system],
                                                     ", ".join("{:,}".format(n) for n in bad)))
    if notes:
        fig.text(0.01, 0.01, "x: " + "; ".join(notes) + " (see the table)", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("flows in the input (distinct 5-tuples)")
    ax.set_ylabel("Mpps (64-byte frames)")
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title("Ferry vs OVS-DPDK vs testpmd, replayed pcap -> net_null\n" + title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=120)
    print("plot: %s" % path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--plot")
    ap.add_argument("--title", default="")
    a = ap.parse_args()
    rows = aggregate(read(a.results))
    print()
    print_table(rows)
    if a.plot:
        plot(rows, a.plot, a.title)
    print()
    for line in ratio_lines(rows):
        print(line)


if __name__ == "__main__":
    main()
