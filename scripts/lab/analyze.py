#!/usr/bin/env python3
"""Loss accounting of one migration run in the lab.

usage: analyze.py TIMELINE.csv SENT_COUNT REPORT.json [--rate PPS]

TIMELINE.csv is ferry-pktgen udp-recv --timeline (arrival_ns,stream,seq,
sent_ns); REPORT.json is ferry-migrate's --json report (stop_ns and
resume_ns: the VM's pause). Prints one JSON object: sent, received, lost,
lost_outside_pause, duplicated, reordered, blackout_ms (longest gap between
arrivals), pause_ms. A lost datagram's send time is interpolated from its
received neighbours; it counts as lost in the pause when it was sent
between the VM's stop and its resume, or was still in flight when the VM
stopped (sent less than the path's delay before the stop: the 99th
percentile of the one-way delays of the datagrams received before it,
reported as in_flight_ms). Datagrams lost outside the pause are placed
in "outside_at": runs of them (first and last send time, ms after the VM's
resume) with the orchestrator step acknowledged last before the run began
(the report's step_done_ns).
"""
import json
import sys


def main():
    timeline, sent, report = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
    rows = []
    for line in open(timeline):
        parts = line.strip().split(",")
        if len(parts) >= 4:
            rows.append((int(parts[0]), int(parts[2]), int(parts[3])))
    seqs = [r[1] for r in rows]
    seen = set()
    dup = 0
    for s in seqs:
        if s in seen:
            dup += 1
        seen.add(s)
    reordered = sum(1 for a, b in zip(seqs, seqs[1:]) if b < a)
    sent_at = {s: t for _, s, t in rows}
    known = sorted(sent_at)
    stop, resume = report.get("stop_ns", 0), report.get("resume_ns", 0)
    lost = [s for s in range(sent) if s not in seen]
    delays = sorted(a - t for a, _, t in rows if t < stop)
    in_flight = delays[int(len(delays) * 0.99)] if delays else 0
    outside = 0
    runs = []  # [first_t, last_t, count] of lost-outside datagrams, by send time
    import bisect
    for s in lost:
        i = bisect.bisect_left(known, s)
        lo = known[i - 1] if i > 0 else None
        hi = known[i] if i < len(known) else None
        if lo is not None and hi is not None:
            t = sent_at[lo] + (sent_at[hi] - sent_at[lo]) * (s - lo) / (hi - lo)
        elif lo is not None:
            t = sent_at[lo]
        elif hi is not None:
            t = sent_at[hi]
        else:
            t = -1
        if not (stop - in_flight <= t <= resume):
            outside += 1
            if runs and t - runs[-1][1] < 5e6:
                runs[-1][1] = t
                runs[-1][2] += 1
            else:
                runs.append([t, t, 1])
    steps = sorted(report.get("step_done_ns", []), key=lambda d: d["ns"])
    outside_at = []
    for first, last, n in runs:
        before = [d["step"] for d in steps if d["ns"] <= first]
        outside_at.append({"from_ms": round((first - resume) / 1e6, 2),
                           "to_ms": round((last - resume) / 1e6, 2), "lost": n,
                           "after_step": before[-1] if before else None})
    arrivals = sorted(r[0] for r in rows)
    gap = max((b - a for a, b in zip(arrivals, arrivals[1:])), default=0)
    print(json.dumps({
        "plan": report.get("plan"),
        "status": report.get("status"),
        "sent": sent,
        "received": len(seen),
        "lost": len(lost),
        "lost_outside_pause": outside,
        "duplicated": dup,
        "reordered": reordered,
        "blackout_ms": round(gap / 1e6, 2),
        "pause_ms": round(report.get("pause_ms", 0.0), 2),
        "in_flight_ms": round(in_flight / 1e6, 2),
        "staging_ms": round(report.get("phases_ms", {}).get("staging", 0.0), 2),
        "cleanup_ms": round(report.get("phases_ms", {}).get("cleanup", 0.0), 2),
        "cutover_trigger": report.get("cutover_trigger"),
        **({"outside_at": outside_at} if outside_at else {}),
    }))


if __name__ == "__main__":
    main()
