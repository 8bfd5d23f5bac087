#!/usr/bin/python3
"""Timeline of one lab migration as a PNG: arrivals per millisecond at the
VM (by arrival time), the VM's pause shaded, the first frame on the
destination and the cut-over marked.

usage: plot.py TIMELINE.csv REPORT.json OUT.png [TITLE] [--by-send-time]
--by-send-time: datagrams received, placed by their send time (the
sender's clock, the report's): for a receiver on another clock (a guest).
(needs matplotlib: Debian's python3-matplotlib)
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    by_send = "--by-send-time" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--by-send-time"]
    timeline, report, out = args[0], json.load(open(args[1])), args[2]
    title = args[3] if len(args) > 3 else "plan %s" % report.get("plan")
    col = 3 if by_send else 0
    arrivals = [int(l.split(",")[col]) for l in open(timeline) if l.strip()]
    if not arrivals:
        sys.exit("no arrivals in " + timeline)
    t0 = report.get("stop_ns", arrivals[0]) - 500_000_000
    t1 = report.get("resume_ns", arrivals[-1]) + 500_000_000
    bins = {}
    for a in arrivals:
        if t0 <= a <= t1:
            ms = (a - t0) // 1_000_000
            bins[ms] = bins.get(ms, 0) + 1
    n = (t1 - t0) // 1_000_000 + 1
    xs = list(range(n))
    ys = [bins.get(x, 0) for x in xs]
    fig, ax = plt.subplots(figsize=(12, 3.5))
    ax.bar(xs, ys, width=1.0, color="#333333",
           label="received by the VM, at send time" if by_send else "arrivals at the VM")
    ms = lambda ns: (ns - t0) / 1e6  # noqa: E731
    if "stop_ns" in report and "resume_ns" in report:
        ax.axvspan(ms(report["stop_ns"]), ms(report["resume_ns"]), color="#f4c7c3",
                   label="VM paused (%.0f ms)" % report.get("pause_ms", 0))
    if "first_frame_ns" in report:
        ax.axvline(ms(report["first_frame_ns"]), color="#1a73e8", linestyle="--",
                   label="first frame on the destination")
    if "cutover_ns" in report:
        ax.axvline(ms(report["cutover_ns"]), color="#188038", label="cut-over acknowledged")
    ax.set_xlabel("ms")
    ax.set_ylabel("datagrams / ms")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    main()
