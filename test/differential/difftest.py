#!/usr/bin/env python3
"""Differential tester: Ferry against Open vSwitch's own ovs-vswitchd.

Random flow tables and random packets go to both switches with the same
ovs-ofctl commands; what each switch puts on its wires (which ports, exact
bytes) must be the same. Also compared: whether each flow is accepted and
what dump-flows reads back, and (--stats) which rules counted the packets.

  difftest.py [--cases N] [--seed S] [--smoke] [--record] ...

Saved cases (the regression file) are replayed first. The last line is
"difftest: N cases, A agree, D disagree"; the exit status is non-zero on
any new disagreement (or a regression marked fixed that disagrees again).
Needs root (network namespaces, raw sockets, DPDK) and a built Ferry.
See Documentation/differential-testing.md.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dt_env  # noqa: E402
import dt_gen  # noqa: E402
import dt_packet as P  # noqa: E402
import dt_tester  # noqa: E402
import dt_vocab as V  # noqa: E402
import dt_wire  # noqa: E402

TOP = os.path.dirname(os.path.dirname(HERE))
SIDES = dt_env.SIDES


def log(*a):
    print(*a, flush=True)


# ------------------------------------------------------------- reporting
def fmt_outputs(outs):
    if not outs:
        return '(nothing)'
    return '\n'.join('        port %s: %s' % (p, h) for p, h in outs)


def report(case, problems, diffs, label, traces=None):
    lines = ['%s case %d seed %s protocol %s' % (label, case['case'], case.get('seed'),
                                                   case.get('protocol'))]
    if case.get('note'):
        lines.append('  note: ' + case['note'])
    if case.get('ports'):
        lines.append('  ports: ' + ' '.join('%s(%s)' % (p, ','.join(
            '%s=%s' % (k, v) for k, v in sorted(c.items()))) for p, c in sorted(case['ports'].items())))
    if case.get('groups'):
        lines.append('  groups:')
        lines += ['    ' + g for g in case['groups']]
    lines.append('  flows:')
    lines += ['    ' + f for f in case['flows']] or ['    (none)']
    for p in problems:
        lines.append('  ' + p.rstrip())
    for i, f, o in diffs:
        pk = case['packets'][i]
        lines.append('  packet %d: %s' % (i, pk.get('desc', '')))
        lines.append('    in_port %s hex %s' % ('LOCAL' if pk['in_port'] == V.LOCAL else pk['in_port'],
                                                pk['hex']))
        lines.append('    ferry:\n' + fmt_outputs(f))
        lines.append('    ovs:\n' + fmt_outputs(o))
        if traces and i in traces:
            lines.append('    ferry trace: ' + traces[i]['ferry'])
            lines.append('    ovs trace:   ' + traces[i]['ovs'])
    return '\n'.join(lines)


def plain_case(case):
    keys = ('case', 'seed', 'protocol', 'normal', 'ports', 'groups', 'flows', 'packets', 'note',
            'status')
    return {k: case[k] for k in keys if k in case}


# ------------------------------------------------------------------ probing
def probe_vocabulary(env, log):
    """Offers each vocabulary entry to both switches. Returns the enabled
    fields, actions and number of tables."""
    import random
    rng = random.Random(1)
    ctx = dt_gen.ActionContext(0, 2, None, 1)

    def accepted(side, flow, proto):
        return env.ofctl(side, 'add-flow', 'br0', flow, check=False,
                         protocol=proto).returncode == 0

    def probe(name, flow):
        # Some actions exist only in OpenFlow 1.1 and later.
        for proto in (None, 'OpenFlow15'):
            if accepted('ovs', flow, proto):
                return accepted('ferry', flow, proto)
        log('difftest: vocabulary: Open vSwitch refuses %s (%s): left out' % (name, flow))
        return False

    def probe_groups():
        ok = {}
        for side in SIDES:
            ok[side] = env.ofctl(side, 'add-group', 'br0', V.GROUP_PROBE, check=False,
                                 protocol='OpenFlow13').returncode == 0
            env.ofctl(side, 'del-groups', 'br0', check=False, protocol='OpenFlow13')
        if not ok['ovs']:
            log('difftest: vocabulary: Open vSwitch refuses groups (%s): left out' % V.GROUP_PROBE)
        return ok['ovs'] and ok['ferry']

    feats = {n: probe('feature ' + n, fl) for n, fl in V.FEATURES.items()}
    n_tables = V.N_TABLES if feats['tables'] else 1
    ctx.n_tables = n_tables if n_tables > 1 else 2
    fields = [f for f in V.MATCH_FIELDS if probe(f.name, f.probe(rng))]
    has_groups = probe_groups()
    actions = [a for a in V.ACTIONS
               if (has_groups if a.name == 'group' else probe(a.name, a.probe(rng, ctx)))]
    for side in SIDES:
        env.ofctl(side, 'del-flows', 'br0')
    off = [f.name for f in V.MATCH_FIELDS if f not in fields] + \
          [a.name for a in V.ACTIONS if a not in actions] + [n for n, ok in feats.items() if not ok]
    log('difftest: vocabulary: %d match fields, %d actions, %d table%s; not in Ferry yet: %s' %
        (len(fields), len(actions), n_tables, 's' if n_tables > 1 else '', ' '.join(off) or '-'))
    return fields, actions, n_tables, feats.get('conjunction', False)


# --------------------------------------------------------------------- main
def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--cases', type=int, default=200, help='random cases to run (default 200)')
    ap.add_argument('--seed', type=int, default=None, help='first seed (default: from the clock)')
    ap.add_argument('--smoke', action='store_true',
                    help='the CI smoke: fixed seed 14, 100 cases, up to 8 flows each')
    ap.add_argument('--regressions', default=os.path.join(HERE, 'regressions.json'),
                    help='saved cases, replayed first (default: %(default)s)')
    ap.add_argument('--no-regressions', action='store_true', help='skip the saved cases')
    ap.add_argument('--record', action='store_true',
                    help='append new disagreements to the regression file (status "open")')
    ap.add_argument('--found', default=None,
                    help='also write new disagreements (JSON) here (default: <build>/difftest-found.json)')
    ap.add_argument('--replay', default=None, help='run only the cases in this JSON file')
    ap.add_argument('--strict', action='store_true',
                    help='open (known) regressions that still disagree fail the run too')
    ap.add_argument('--avoid', default='known',
                    help='known differences (dt_vocab.KNOWN) the generator steers clear of:\n'
                         '"known" (default: all of them), "none", or a comma-separated list')
    ap.add_argument('--groups', type=float, default=0.25, metavar='P',
                    help='share of OpenFlow 1.1+ cases that get groups (default 0.25)')
    ap.add_argument('--max-flows', type=int, default=10)
    ap.add_argument('--max-packets', type=int, default=24)
    ap.add_argument('--ports', type=int, default=V.N_PORTS, help=argparse.SUPPRESS)
    ap.add_argument('--quiet-ms', type=int, default=120,
                    help='a case ends when the wires were quiet this long (default 120)')
    ap.add_argument('--max-ms', type=int, default=3000)
    ap.add_argument('--gap-ms', type=float, default=0, help='between packets (default 0)')
    ap.add_argument('--normal-gap-ms', type=float, default=25,
                    help='between packets of a case with NORMAL (MAC learning; default 25)')
    ap.add_argument('--stats', action='store_true',
                    help='also compare n_packets per flow (slower: Open vSwitch updates them late)')
    ap.add_argument('--no-minimize', dest='minimize', action='store_false')
    ap.add_argument('--minimize-budget', type=int, default=40)
    ap.add_argument('--no-confirm', dest='confirm', action='store_false',
                    help='do not run a disagreeing case a second time')
    ap.add_argument('--keep', action='store_true', help='keep the run directory')
    ap.add_argument('--twin', action='store_true',
                    help='run ovs-vswitchd on both sides (checks the tester: everything must agree,\n'
                         'with every vocabulary entry; implies --avoid none)')
    ap.add_argument('--build', default=os.environ.get('FERRY_BUILD', os.path.join(TOP, 'build')))
    ap.add_argument('-v', '--verbose', action='store_true')
    a = ap.parse_args(argv)
    if a.smoke:
        a.seed = 14 if a.seed is None else a.seed
        if '--cases' not in ' '.join(argv):
            a.cases = 100
        a.max_flows = min(a.max_flows, 8)
    if a.seed is None:
        a.seed = int(time.time()) % 1000000
    if a.twin:
        a.avoid = 'none'
    if a.avoid == 'known':
        a.avoid = sorted(V.KNOWN)
    elif a.avoid == 'none':
        a.avoid = []
    else:
        a.avoid = [x for x in a.avoid.split(',') if x]
        unknown = [x for x in a.avoid if x not in V.KNOWN]
        if unknown:
            ap.error('--avoid: no known difference named %s (see dt_vocab.KNOWN)' % ','.join(unknown))
    if a.found is None:
        a.found = os.path.join(a.build, 'difftest-found.json')
    return a


def load_cases(path):
    if not path or not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        log('difftest: needs root (network namespaces, raw sockets, DPDK)')
        return 2
    if not os.access(os.path.join(args.build, 'datapath/vswitchd/ferry-vswitchd'), os.X_OK):
        log('difftest: no ferry-vswitchd in %s (build first: scripts/setup.sh)' % args.build)
        return 2

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    env = dt_env.Env(args.build, args.ports, keep=args.keep, log=log, twin=args.twin)
    if args.twin:
        log("difftest: twin mode: the side called 'ferry' runs ovs-vswitchd too")
    wires = None
    t_start = time.time()
    try:
        try:
            env.start()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            log('difftest: set-up failed: %s' % e)
            env.keep = True
            return 2
        wires = dt_wire.Wires(env, args.ports)
        fields, actions, n_tables, conjunction = probe_vocabulary(env, log)
        gen = dt_gen.Generator(fields, actions, n_tables, args.max_flows, args.max_packets,
                               args.avoid, p_groups=args.groups, conjunction=conjunction)
        log('difftest: avoiding known differences (open issues): %s' % (' '.join(args.avoid) or '-'))
        tester = dt_tester.Tester(env, wires, args)
        return run_all(args, tester, gen, t_start)
    except KeyboardInterrupt:
        log('difftest: interrupted')
        return 130
    finally:
        if wires:
            wires.close()
        env.cleanup()


def self_check(tester):
    """The tester must see a difference when there is one: one case where
    Ferry is given another output port, one where it is given another MAC
    to write, and the same case unchanged, which must agree with frames on
    the wire."""
    pkt = {'shape': 'udp', 'in_port': 1, 'dl_src': 0x020000000001, 'dl_dst': 0x020000000002,
           'nw_src': 0x0a000001, 'nw_dst': 0x0a000002, 'tp_src': 1, 'tp_dst': 2,
           'tag': P.make_tag(0, 9999)}
    case = {'case': 9999, 'seed': None, 'protocol': None, 'normal': False,
            'packets': [{'in_port': 1, 'hex': P.build(pkt).hex(), 'desc': P.describe(pkt)}]}
    ok = True
    for flow, wrong in (('priority=10,udp,actions=output:2', 'priority=10,udp,actions=output:3'),
                        ('priority=10,udp,actions=mod_dl_dst:02:00:00:00:00:09,output:2',
                         'priority=10,udp,actions=mod_dl_dst:02:00:00:00:00:0a,output:2')):
        tester.sabotage = lambda side, flows: [wrong] if side == 'ferry' else flows
        _, diffs = tester.run_case(dict(case, flows=[flow]), stats=False)
        tester.sabotage = None
        if not diffs:
            log('difftest: self-check FAILED: Ferry given "%s" instead of "%s" went unnoticed' %
                (wrong, flow))
            ok = False
        problems, diffs = tester.run_case(dict(case, flows=[flow]))
        if diffs or problems or not tester.last_got['ovs'] or not tester.last_got['ferry']:
            log('difftest: self-check FAILED: "%s" on both: %s' %
                (flow, 'disagree' if diffs or problems else 'no frame on the wire'))
            ok = False
        if tester.args.stats:
            # The rule counted the packet on both sides (statistics are read).
            counts = [sum(tester.rule_counts(side, None).values()) for side in SIDES]
            if counts != [1, 1]:
                log('difftest: self-check FAILED: n_packets %s, not 1 on each side' % counts)
                ok = False
    log('difftest: self-check %s' % ('passed: a wrong port and a wrong byte are seen, equal '
                                     'outputs agree' if ok else 'FAILED'))
    return ok


class Aborted(Exception):
    pass


def run_all(args, tester, gen, t_start):
    found = []
    try:
        return run_cases(args, tester, gen, t_start, found)
    except Aborted as e:
        log('difftest: ' + str(e))
        if found:
            with open(args.found, 'w') as f:
                json.dump(found, f, indent=1)
            log('difftest: the case is in %s' % args.found)
        log('difftest: run aborted, 1 disagree')
        return 1


def run_cases(args, tester, gen, t_start, found):
    saved = [] if args.no_regressions else load_cases(args.regressions)
    if args.replay:
        saved, random_cases = load_cases(args.replay), 0
    else:
        random_cases = args.cases
    n = agree = disagree = known = fixed_now = unstable = 0
    failed = False
    t_cases = time.time()

    def run_one(case, label_saved):
        nonlocal n, agree, disagree, known, fixed_now, failed, unstable
        n += 1
        problems, diffs = tester.run_case(case)
        if not problems and not diffs:
            agree += 1
            if label_saved and case.get('status') == 'open':
                fixed_now += 1
                log('difftest: saved case %d (%s) now agrees: mark it "fixed" in %s' %
                    (case['case'], case.get('note', ''), args.regressions))
            if args.verbose:
                log('difftest: case %d agrees (%d flows, %d packets)' %
                    (case['case'], len(case['flows']), len(case['packets'])))
            return
        disagree += 1
        failed_before = failed
        label = 'REGRESSED (saved, fixed)' if label_saved else 'DISAGREE'
        if label_saved and case.get('status') == 'open':
            known += 1
            label = 'KNOWN (saved, open)'
            failed = failed or args.strict
        else:
            failed = True
        confirmed = ''
        if args.confirm:
            # Run again; a difference that two more runs do not show again
            # is timing (Ferry learns MAC addresses on its control thread,
            # ovs-vswitchd in the upcall): reported, not failed unless --strict.
            again = 0
            for _ in range(2):
                p2, d2 = tester.run_case(dict(case, flows=list(case['flows'])), stats=False)
                again += bool(p2 or d2)
                if again:
                    break
            if again:
                confirmed = ' (again on a second run)'
            else:
                confirmed = ' (not on 2 more runs: UNSTABLE)'
                if not (label_saved and case.get('status') == 'open'):
                    unstable += 1
                    if not args.strict:
                        failed = failed_before
        log(report(case, problems, diffs, label + confirmed))
        if label_saved:
            return
        entry = plain_case(case)
        entry['status'] = 'open'
        entry['note'] = '; '.join(p.splitlines()[0] for p in problems) or \
            'packet %d differs' % diffs[0][0]
        if 'UNSTABLE' in confirmed:
            entry['note'] += ' (unstable: did not show again)'
        if diffs and args.minimize and 'UNSTABLE' not in confirmed:
            m = tester.minimize(dict(case, flows=list(case['flows'])), diffs)
            if m:
                _, md = tester.run_case(dict(m, flows=list(m['flows'])), stats=False)
                tr = {i: tester.traces(m['packets'][i]) for i, _, _ in md[:3]}
                log(report(m, [], md, '  minimized:', tr))
                entry = plain_case(m)
                entry['status'] = 'open'
                entry['note'] = 'minimized from case %d seed %s' % (case['case'], case['seed'])
        found.append(entry)

    def guarded(case, label_saved):
        """run_one, with a case that cannot run (a switch refusing a command,
        stopping to answer, or gone) reported as a disagreement."""
        nonlocal n, disagree, failed
        try:
            run_one(case, label_saved)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            disagree += 1
            failed = True
            log(report(case, ['the case could not run: %s' % e], [], 'ERROR'))
            dead = [side for side in SIDES
                    if tester.env.appctl(side, 'version', check=False).returncode != 0]
            found.append(dict(plain_case(case), status='open',
                              note='could not run: %s' % str(e).splitlines()[0]))
            if dead:
                tester.env.keep = True
                raise Aborted('%s stopped answering during case %d (run directory kept: %s)' %
                              (' and '.join(dead), case['case'], tester.env.dir))

    if not self_check(tester):
        log('difftest: 0 cases, 0 agree, 1 disagree')
        return 1
    for case in saved:
        guarded(dict(case, flows=list(case['flows'])), True)
    if saved:
        log('difftest: %d saved cases replayed, %d agree, %d known open' % (n, agree, known))
    for i in range(random_cases):
        seed = args.seed * 1000003 + i
        case = gen.case(10000 + i, seed)
        guarded(case, False)
        if (i + 1) % 25 == 0:
            log('difftest: %d/%d random cases, %d disagree so far (%.1f s)' %
                (i + 1, random_cases, disagree - known, time.time() - t_start))
    if found:
        with open(args.found, 'w') as f:
            json.dump(found, f, indent=1)
        log('difftest: new disagreements written to %s' % args.found)
        if args.record:
            saved_all = load_cases(args.regressions)
            next_no = max([c['case'] for c in saved_all] + [0]) + 1
            for e in found:
                e['case'] = next_no
                next_no += 1
                saved_all.append(e)
            with open(args.regressions, 'w') as f:
                json.dump(saved_all, f, indent=1)
                f.write('\n')
            log('difftest: recorded in %s' % args.regressions)
    per = (time.time() - t_cases) / max(tester.trials, 1)
    log('difftest: seed %d, %.1f s in all, %.2f s per case run, %d foreign frames ignored' %
        (args.seed, time.time() - t_start, per, tester.noise))
    log('difftest: %d packets sent to each switch, %d%% of them forwarded somewhere, %d frames '
        'compared' % (tester.sent, 100 * tester.answered // max(tester.sent, 1), tester.frames))
    if known:
        log('difftest: %d known (open) regressions still disagree' % known)
    if unstable:
        log('difftest: %d disagreement%s did not show again in two more runs (timing; see above)' %
            (unstable, 's' if unstable > 1 else ''))
    log('difftest: %d cases, %d agree, %d disagree (%d known open, %d unstable, %d new or regressed)'
        % (n, agree, disagree, known, unstable, disagree - known - unstable))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
