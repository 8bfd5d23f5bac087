"""One case on both switches: flows in, ports configured, packets out,
outputs collected and compared; traces and minimization for reports.
Used by difftest.py."""

import re
import time

import dt_env
import dt_packet as P
import dt_vocab as V

SIDES = dt_env.SIDES


class Tester:
    def __init__(self, env, wires, args):
        self.env, self.wires, self.args = env, wires, args
        self.noise = 0          # frames on the wires without our tag
        self.trials = 0         # cases executed (including confirmations)
        self.sabotage = None    # self-check: (side, flows) -> the flows that side gets
        self.last_got = None
        self.ports = {}         # the ports' VLAN configuration now in place
        self.sent = 0           # packets sent (to each switch)
        self.answered = 0       # ... of which at least one switch put out a copy
        self.frames = 0         # output frames compared (both switches)
        self.had_groups = True  # groups may be installed (a first case clears them)

    # ---- ports
    def configure_ports(self, case):
        """Gives both bridges' ports the case's VLAN configuration (tag,
        trunks, vlan_mode; a port not named is a trunk of every VLAN)."""
        want = case.get('ports', {})
        if want == self.ports:
            return
        args = []
        for i in range(1, self.args.ports + 1):
            name = 'p%d' % i
            cfg = want.get(name, {})
            if cfg == self.ports.get(name, {}):
                continue
            args += ['--', 'clear', 'Port', name, 'tag', 'trunks', 'vlan_mode']
            if cfg:
                args += ['--', 'set', 'Port', name] + [
                    '%s=%s' % (k, ','.join(map(str, v)) if isinstance(v, list) else v)
                    for k, v in sorted(cfg.items())]
        if args:
            for side in SIDES:
                self.env.vsctl(side, *args[1:])
        self.ports = want

    # ---- groups
    def install_groups(self, case):
        """Replaces both switches' groups with the case's (before its flows:
        deleting a group deletes the flows that use it). Returns problems;
        groups both refuse are dropped from the case."""
        problems = []
        proto = case.get('protocol')
        proto = proto if proto and proto != 'OpenFlow10' else 'OpenFlow13'
        groups = list(case.get('groups', []))
        if not groups and not self.had_groups:
            return problems
        self.had_groups = bool(groups)
        refused = {side: {} for side in SIDES}
        for side in SIDES:
            self.env.ofctl(side, 'del-groups', 'br0', protocol=proto)
            if not groups:
                continue
            p = dt_env.run(['ovs-ofctl', '--timeout=20', '-O', proto, 'add-groups', 'br0', '-'],
                           env=self.env.env(side), check=False,
                           input=''.join(g + '\n' for g in groups))
            if p.returncode == 0:
                continue
            self.env.ofctl(side, 'del-groups', 'br0', protocol=proto)
            for g in groups:
                p = self.env.ofctl(side, 'add-group', 'br0', g, check=False, protocol=proto)
                if p.returncode != 0:
                    refused[side][g] = p.stderr.strip().splitlines()[-1] if p.stderr else '?'
        for g in groups:
            if g in refused['ferry'] and g not in refused['ovs']:
                problems.append('Ferry refuses a group that Open vSwitch accepts: %s\n'
                                '      ferry: %s' % (g, refused['ferry'][g]))
            elif g in refused['ovs'] and g not in refused['ferry']:
                problems.append('Ferry accepts a group that Open vSwitch refuses: %s\n'
                                '      ovs: %s' % (g, refused['ovs'][g]))
        both = [g for g in groups if g in refused['ferry'] and g in refused['ovs']]
        if both:
            case['groups'] = [g for g in groups if g not in both]
        return problems

    def dump_groups(self, side, proto):
        proto = proto if proto and proto != 'OpenFlow10' else 'OpenFlow13'
        out = self.env.ofctl(side, 'dump-groups', 'br0', protocol=proto).stdout
        return sorted(l.strip() for l in out.splitlines()
                      if l.strip() and not l.startswith(('OFPST_GROUP', 'NXST')))

    # ---- flows
    def install(self, case):
        """Installs case's flows on both switches. Returns the list of
        problems (flows one side refused) and drops flows both refuse or OVS
        refuses (the generator's mistakes) from the case."""
        problems = self.install_groups(case)
        proto = case.get('protocol')
        flows = list(case['flows'])
        for attempt in range(2):
            errs = {}
            for side in SIDES:
                mine = self.sabotage(side, flows) if self.sabotage else flows
                text = 'delete\n' + ''.join(f + '\n' for f in mine)
                p = dt_env.run(['ovs-ofctl', '--timeout=20'] + (['-O', proto] if proto else []) +
                               ['add-flows', 'br0', '-'], env=self.env.env(side), check=False,
                               input=text)
                errs[side] = p.returncode != 0
            if not any(errs.values()):
                break
            # Find the flows each side refuses, one at a time.
            refused = {side: {} for side in SIDES}
            for side in SIDES:
                self.env.ofctl(side, 'del-flows', 'br0', protocol=proto)
                for f in flows:
                    p = self.env.ofctl(side, 'add-flow', 'br0', f, check=False, protocol=proto)
                    if p.returncode != 0:
                        refused[side][f] = p.stderr.strip().splitlines()[-1] if p.stderr else '?'
            for f in flows:
                if f in refused['ferry'] and f not in refused['ovs']:
                    problems.append('Ferry refuses a flow that Open vSwitch accepts: %s\n'
                                    '      ferry: %s' % (f, refused['ferry'][f]))
                elif f in refused['ovs'] and f not in refused['ferry']:
                    problems.append('Ferry accepts a flow that Open vSwitch refuses: %s\n'
                                    '      ovs: %s' % (f, refused['ovs'][f]))
            flows = [f for f in flows if f not in refused['ferry'] and f not in refused['ovs']]
        case['flows'] = flows
        return problems

    def dump_flows(self, side, proto, stats=False):
        out = self.env.ofctl(side, 'dump-flows', 'br0', *([] if stats else ['--no-stats']),
                             protocol=proto).stdout
        lines = []
        for line in out.splitlines():
            line = line.strip()
            if not line or line.startswith(('NXST_FLOW', 'OFPST_FLOW')):
                continue
            lines.append(line)
        return sorted(lines)

    def compare_dumps(self, case):
        proto = case.get('protocol')
        problems = []
        if case.get('groups'):
            g = {side: self.dump_groups(side, proto) for side in SIDES}
            if g['ferry'] != g['ovs']:
                problems.append('dump-groups differs:\n' + ''.join(
                    '      ferry: %s\n' % x for x in g['ferry'] if x not in g['ovs']) + ''.join(
                    '      ovs:   %s\n' % x for x in g['ovs'] if x not in g['ferry']))
        d = {side: self.dump_flows(side, proto) for side in SIDES}
        if d['ferry'] == d['ovs']:
            return problems
        only_f = [x for x in d['ferry'] if x not in d['ovs']]
        only_o = [x for x in d['ovs'] if x not in d['ferry']]
        return problems + ['dump-flows differs:\n' + ''.join(
            '      ferry only: %s\n' % x for x in only_f) + ''.join(
            '      ovs only:   %s\n' % x for x in only_o)]

    def rule_counts(self, side, proto):
        """n_packets of every rule, by 'table=T,MATCH actions=ACTIONS'."""
        out = {}
        for line in self.dump_flows(side, proto, stats=True):
            head, _, acts = line.partition(' actions=')
            items = head.split(', ')
            stat = dict(x.split('=', 1) for x in items[:-1] if '=' in x)
            out['table=%s,%s actions=%s' % (stat.get('table', '0'), items[-1], acts)] = \
                int(stat.get('n_packets', '0'))
        return out

    def compare_stats(self, case):
        """Which rules counted the packets (n_packets per flow): tells apart
        what the wire cannot, e.g. which rule dropped a packet."""
        proto = case.get('protocol')
        deadline = time.time() + 2.0
        while True:
            c = {side: self.rule_counts(side, proto) for side in SIDES}
            if c['ferry'] == c['ovs'] or time.time() > deadline:
                break
            time.sleep(0.2)  # ovs-vswitchd's statistics lag by up to max-revalidator
        if c['ferry'] == c['ovs']:
            return []
        rows = sorted(set(c['ferry']) | set(c['ovs']))
        return ['n_packets differ:\n' + ''.join(
            '      %-60s ferry %s, ovs %s\n' % (r, c['ferry'].get(r, '-'), c['ovs'].get(r, '-'))
            for r in rows if c['ferry'].get(r) != c['ovs'].get(r))]

    # ---- packets
    def send_and_collect(self, case):
        """Sends the case's packets on both sides; returns, per side, the
        frames that came back, by the tag (index, case number) they carry.
        Frames with any other tag (or none) are counted and ignored."""
        got = {side: {} for side in SIDES}
        expected = {P.find_tag(bytes.fromhex(pk['hex'])) for pk in case['packets']}

        def sink(side, port, frame):
            t = P.find_tag(frame)
            if t not in expected:
                self.noise += 1
                return
            got[side].setdefault(t, []).append((str(port), frame.hex()))

        self.wires.drain()
        gap = self.args.normal_gap_ms if case.get('normal') else self.args.gap_ms
        for pk in case['packets']:
            frame = bytes.fromhex(pk['hex'])
            for side in SIDES:
                self.wires.send(side, pk['in_port'], frame)
            if gap:
                # Collecting while waiting keeps the sockets' buffers empty.
                self.wires.collect(gap, gap, sink)
        self.wires.collect(self.args.quiet_ms, self.args.max_ms, sink)
        return got

    def run_case(self, case, stats=None):
        """Runs one case; returns (problems, per-packet disagreements)."""
        self.trials += 1
        self.configure_ports(case)
        problems = self.install(case)
        for side in SIDES:
            self.env.appctl(side, 'fdb/flush', 'br0')
        # ovs-vswitchd learns MACs only on upcalls: a datapath flow cached
        # before the flush would forward without learning until its
        # revalidator caught up. Every case starts from an empty datapath.
        for side in SIDES:
            if not self.env.is_ferry(side):
                self.env.appctl(side, 'dpctl/del-flows')
        problems += self.compare_dumps(case)
        got = self.last_got = self.send_and_collect(case)
        diffs = []
        for i, pk in enumerate(case['packets']):
            tag = P.find_tag(bytes.fromhex(pk['hex']))
            f = sorted(got['ferry'].get(tag, []))
            o = sorted(got['ovs'].get(tag, []))
            self.sent += 1
            self.answered += bool(f or o)
            self.frames += len(f) + len(o)
            if f != o:
                diffs.append((i, f, o))
        if stats if stats is not None else self.args.stats:
            problems += self.compare_stats(case)
        return problems, diffs

    # ---- traces (diagnosis)
    def traces(self, pk):
        """Both switches' ofproto/trace of a packet, shortened to the rules
        it met and the datapath actions. ovs-vswitchd traces the packet's
        bytes; Ferry the flow ovs-vswitchd extracted from them (less the
        fields Ferry does not know)."""
        port = 'LOCAL' if pk['in_port'] == V.LOCAL else str(pk['in_port'])
        o = self.env.appctl('ovs', 'ofproto/trace', 'br0', 'in_port=' + port, pk['hex'],
                            check=False).stdout
        flow = next((l[6:] for l in o.splitlines() if l.startswith('Flow: ')), None)
        out = {'ovs': o}
        f = ''
        if flow:
            fields = flow.split(',')
            # Ferry's parser wants the protocol's own names for the L4 ports.
            l4 = {'udp': 'udp', 'udp6': 'udp', 'tcp': 'tcp', 'tcp6': 'tcp', 'sctp': 'sctp',
                  'sctp6': 'sctp'}.get(fields[0])
            if l4:
                fields = [l4 + x[2:] if x.startswith(('tp_src=', 'tp_dst=')) else x
                          for x in fields]
            for _ in range(8):
                p = self.env.appctl('ferry', 'ofproto/trace', 'br0', ','.join(fields), check=False)
                f = p.stdout or p.stderr
                m = re.search(r'(?:unknown field|cannot match on|not met for setting) ([a-z_0-9]+)', f)
                if p.returncode == 0 or not m:
                    break
                fields = [x for x in fields if x.split('=')[0] != m.group(1)]
        out['ferry'] = f

        def short(text):
            keep = [l.strip() for l in text.splitlines()
                    if l.strip()[:1].isdigit() and '. ' in l or l.startswith('Datapath actions')
                    or '->' in l]
            return ' | '.join(keep) or text.strip().splitlines()[-1:] and text.strip().splitlines()[-1]
        return {side: short(t) for side, t in out.items()}

    # ---- reduction
    def minimize(self, case, diffs):
        """A smaller case that still disagrees on the first differing packet:
        only that packet (and, with NORMAL, the ones before it, which teach
        the MAC table), then as few flows as still show it."""
        first = diffs[0][0]
        keep = case['packets'][:first + 1] if case.get('normal') else [case['packets'][first]]
        cur = dict(case, packets=keep, flows=list(case['flows']))
        budget = self.args.minimize_budget

        def still(c):
            nonlocal budget
            budget -= 1
            probs, d = self.run_case(dict(c, flows=list(c['flows'])), stats=False)
            return bool(d)
        if not still(cur):
            return None
        i = 0
        while i < len(cur['flows']) and budget > 0:
            trial = dict(cur, flows=cur['flows'][:i] + cur['flows'][i + 1:])
            if still(trial):
                cur = trial
            else:
                i += 1
        if cur.get('normal') and len(cur['packets']) > 1:
            i = 0
            while i < len(cur['packets']) - 1 and budget > 0:
                trial = dict(cur, packets=cur['packets'][:i] + cur['packets'][i + 1:])
                if still(trial):
                    cur = trial
                else:
                    i += 1
        return cur
