#!/usr/bin/env python3
"""Loss accounting of one migration run in the lab.

usage: analyze.py TIMELINE.csv SENT_COUNT REPORT.json [--guest-clock] [--no-window]

TIMELINE.csv is ferry-pktgen udp-recv --timeline (arrival_ns,stream,seq,
sent_ns); REPORT.json is ferry-migrate's --json report (stop_ns and
resume_ns: the VM's pause; gate_ms: the part of it the netns driver kept
the VM stopped for the switch-over gate). Prints one JSON object: sent,
received, lost, lost_outside_pause, lost_outside_downtime, duplicated,
reordered, blackout_ms (longest gap between arrivals), pause_ms, gate_ms.
A lost datagram's send time is interpolated from its received neighbours
(extrapolated at the stream's mean pace beyond the first or last one);
it counts as lost in the pause when it was sent between the VM's stop and
its resume, or was still in flight when the VM stopped (sent less than the
path's delay before the stop: the 99th percentile of the one-way delays
of the datagrams received before it, reported as in_flight_ms).
lost_outside_downtime counts the same way against the pause without the
gate (stop .. resume - gate_ms): what the VM's own stop explains, the gate
left out, so that a gate held for the senders' switch-over shows as loss.
Datagrams lost outside that window are placed in "outside_at": runs of
them (first and last send time, ms after the end of the window) with the
orchestrator step acknowledged last before the run began (the report's
step_done_ns).
--guest-clock: the arrival times come from another clock than the send
times (a guest's): the in-flight delay is then taken above the smallest
one-way delay seen (the clocks' offset cancels out).
--no-window: the send times are on a clock the report's window is not
(a guest's sender): only the counts and the blackout, no lost_outside_*.
If the report has QEMU's own figures (qemu_downtime_ms, qemu_total_ms),
they are passed on, and lost_outside_qemu_downtime counts the loss against
QEMU's own downtime placed at the VM's stop (stop .. stop + downtime).
"""
import json
import sys


def main():
    timeline, sent, report = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
    guest_clock = "--guest-clock" in sys.argv[4:]
    window = "--no-window" not in sys.argv[4:]
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
    gate_ns = int(report.get("gate_ms", 0.0) * 1e6)
    lost = [s for s in range(sent) if s not in seen]
    # The mean interval between sends, to place losses beyond the first or
    # last datagram received (a stream that never came back).
    step = (sent_at[known[-1]] - sent_at[known[0]]) / (known[-1] - known[0]) if len(known) > 1 else 0
    delays = sorted(a - t for a, _, t in rows if t < stop)
    in_flight = delays[int(len(delays) * 0.99)] if delays else 0
    if guest_clock and delays:
        in_flight -= delays[0]
    qemu_end = stop + int(report.get("qemu_downtime_ms", -1) * 1e6)
    outside = 0
    outside_downtime = 0
    outside_qemu = 0
    runs = []  # [first_t, last_t, count] of lost-outside datagrams, by send time
    import bisect
    for s in lost:
        i = bisect.bisect_left(known, s)
        lo = known[i - 1] if i > 0 else None
        hi = known[i] if i < len(known) else None
        if lo is not None and hi is not None:
            t = sent_at[lo] + (sent_at[hi] - sent_at[lo]) * (s - lo) / (hi - lo)
        elif lo is not None:  # after the last one received: at the stream's pace
            t = sent_at[lo] + step * (s - lo)
        elif hi is not None:
            t = sent_at[hi] - step * (hi - s)
        else:
            t = -1
        if not (stop - in_flight <= t <= resume):
            outside += 1
        if not (stop - in_flight <= t <= qemu_end):
            outside_qemu += 1
        if not (stop - in_flight <= t <= resume - gate_ns):
            outside_downtime += 1
            if runs and t - runs[-1][1] < 5e6:
                runs[-1][1] = t
                runs[-1][2] += 1
            else:
                runs.append([t, t, 1])
    steps = sorted(report.get("step_done_ns", []), key=lambda d: d["ns"])
    outside_at = []
    for first, last, n in runs:
        before = [d["step"] for d in steps if d["ns"] <= first]
        end = resume - gate_ns
        outside_at.append({"from_ms": round((first - end) / 1e6, 2),
                           "to_ms": round((last - end) / 1e6, 2), "lost": n,
                           "after_step": before[-1] if before else None})
    arrivals = sorted(r[0] for r in rows)
    gap = max((b - a for a, b in zip(arrivals, arrivals[1:])), default=0)
    windows = {"lost_outside_pause": outside, "lost_outside_downtime": outside_downtime}
    if "qemu_downtime_ms" in report:
        windows["lost_outside_qemu_downtime"] = outside_qemu
    print(json.dumps({
        "plan": report.get("plan"),
        "status": report.get("status"),
        "sent": sent,
        "received": len(seen),
        "lost": len(lost),
        **(windows if window else {}),
        "duplicated": dup,
        "reordered": reordered,
        "blackout_ms": round(gap / 1e6, 2),
        "pause_ms": round(report.get("pause_ms", 0.0), 2),
        "gate_ms": round(report.get("gate_ms", 0.0), 2),
        **{k: report[k] for k in ("qemu_downtime_ms", "qemu_total_ms") if k in report},
        "in_flight_ms": round(in_flight / 1e6, 2),
        "staging_ms": round(report.get("phases_ms", {}).get("staging", 0.0), 2),
        "cleanup_ms": round(report.get("phases_ms", {}).get("cleanup", 0.0), 2),
        "cutover_trigger": report.get("cutover_trigger"),
        **({"outside_at": outside_at} if outside_at and window else {}),
    }))


if __name__ == "__main__":
    main()
