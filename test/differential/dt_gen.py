"""Random cases: a flow table and packets, from a seeded PRNG.

A case is plain data (JSON in the regression file):
  {"case": N, "seed": S, "protocol": "OpenFlow13", "normal": bool,
   "ports": {"p1": {"tag": 10}, ...}          (optional: the ports' VLANs)
   "flows": ["table=0,priority=..,...,actions=..", ...],
   "packets": [{"in_port": 1, "hex": "...", "desc": "..."}, ...]}

Packets are made to hit rules (built from a rule's match, then sometimes
nudged one bit outside it), plus random ones; priorities are distinct
within a table (OpenFlow leaves equal-priority overlaps undefined) but
their matches overlap freely.
"""

import random

import dt_packet as P
import dt_vocab as V

# Flow shapes (the protocol keyword a flow starts with) and their weights.
FLOW_SHAPES = [(None, 22), ('eth', 4), ('arp', 9), ('rarp', 1), ('ip', 7), ('tcp', 12),
               ('udp', 12), ('icmp', 6), ('sctp', 2), ('ipv6', 4), ('tcp6', 4), ('udp6', 5),
               ('icmp6', 5), ('sctp6', 1)]
PACKET_SHAPES = [s for s, _ in FLOW_SHAPES if s is not None]
PRIORITIES = [0, 1, 2, 5, 10, 50, 99, 100, 101, 200, 1000, 32768, 40000, 65535]
PROTOCOLS = ['OpenFlow10', 'OpenFlow13', 'OpenFlow15']
EXTRAS = ['trunc:0', 'trunc:10', 'trunc:21', 'trunc:30', 'pad:6', 'pad:30', 'totlen:+8',
          'totlen:-4', 'ihl:4', 'ihl:6', 'ver:5']


VLAN_ACTIONS = {'strip_vlan', 'pop_vlan', 'mod_vlan_vid', 'mod_vlan_pcp', 'set_vlan_vid',
                'set_vlan_pcp', 'push_vlan'}
# While a KNOWN difference is avoided, no action of the second set follows
# one of the first in an action list.
NOT_AFTER = {
    'normal-priority-tag': ({'mod_vlan_vid', 'mod_vlan_pcp', 'set_vlan_vid', 'set_vlan_pcp',
                             'push_vlan'}, {'normal'}),
    # (also no goto_table/resubmit: a later table's NORMAL sees the rewrite)
    'normal-learn-self': ({'mod_dl_src', 'mod_dl_dst', 'set_eth_src', 'set_eth_dst', 'move_eth',
                           'stack'},
                          {'normal', 'goto_table', 'resubmit'}),
    'inner-tag': ({'strip_vlan', 'pop_vlan'}, VLAN_ACTIONS | {'normal'}),
}


class ActionContext:
    def __init__(self, table, n_tables, shape, in_port, protocol=None, has_vlan=False,
                 no_vlan=False, avoid=(), n_groups=0):
        self.table, self.n_tables, self.shape, self.in_port = table, n_tables, shape, in_port
        self.n_groups = n_groups  # the case's groups: 1..n_groups
        self.protocol, self.avoid = protocol, avoid
        self.has_vlan, self.no_vlan = has_vlan, no_vlan  # the match says a tag is / is not there
        self.vlan_pushed = False  # an earlier action of the list may have pushed a tag


def wchoice(rng, items):
    total = sum(w for _, w in items)
    x = rng.random() * total
    for item, w in items:
        x -= w
        if x < 0:
            return item
    return items[-1][0]


class Generator:
    """Draws cases from the enabled part of the vocabulary."""

    def __init__(self, fields, actions, n_tables=1, max_flows=10, max_packets=24, avoid=(),
                 p_ports=0.4, p_groups=0.0, conjunction=False):
        self.fields, self.actions = fields, actions
        self.p_groups = p_groups  # share of OpenFlow 1.1+ cases with groups
        self.n_groups = 0  # the current case's
        self.n_tables, self.max_flows, self.max_packets = n_tables, max_flows, max_packets
        self.avoid = set(avoid)  # names of dt_vocab.KNOWN differences not to trigger
        V.EXCLUDED_MACS.clear()
        if 'normal-reserved-mac' in self.avoid:
            V.EXCLUDED_MACS.update(V.RESERVED_BEYOND_8021D)
        self.protocol = None
        self.p_ports = p_ports  # share of NORMAL cases with a port VLAN configuration
        self.conjunction = conjunction  # some cases get a conjunctive match

    # ------------------------------------------------------------ flows
    def flow(self, rng, table, prio, shape=''):
        shape = wchoice(rng, FLOW_SHAPES) if shape == '' else shape
        match = []  # (field, value, mask)
        if shape == 'eth':
            match.append((V.DL_TYPE_FIELD, V.DL_TYPE_FIELD.values(rng), None))
        usable = [f for f in self.fields if shape in f.shapes]
        n = min(len(usable), wchoice(rng, [(0, 1), (1, 4), (2, 4), (3, 3), (4, 2), (5, 1)]))
        used = set()
        while len(match) < n + (shape == 'eth'):
            f = wchoice(rng, [(f, f.weight) for f in usable])
            if f.name in used or (f.key and f.key in used) or used & set(f.conflicts):
                usable.remove(f)
                if not usable:
                    break
                continue
            used.update({f.name, f.key} - {None})
            match.append((f, f.values(rng), f.masks(rng)))
        in_port = next((v for f, v, m in match if f.name == 'in_port'), None)
        has_vlan = no_vlan = False
        for f, v, m in match:
            if f.name == 'dl_vlan':
                has_vlan, no_vlan = v != 0xffff, v == 0xffff
            elif f.name == 'dl_vlan_pcp':
                has_vlan = True
            elif f.name == 'vlan_tci' and (m is None or m & 0x1000):
                has_vlan, no_vlan = bool(v & 0x1000), not v & 0x1000
        ctx = ActionContext(table, self.n_tables, shape, in_port, self.protocol, has_vlan, no_vlan,
                            self.avoid, self.n_groups)
        actions = self.action_list(rng, ctx)
        text = ['table=%d' % table, 'priority=%d' % prio]
        if shape and shape != 'eth':
            text.append(shape)
        text += [f.text(v, m) for f, v, m in match]
        return {'table': table, 'shape': shape, 'match': match, 'actions': actions,
                'text': ','.join(text) + ',actions=' + (','.join(actions) or 'drop')}

    def action_list(self, rng, ctx):
        if rng.random() < 0.08:
            return []  # drop
        usable = [a for a in self.actions if ctx.shape in a.shapes and a.kind != 'goto'
                  and (ctx.has_vlan or not a.needs_vlan)
                  and (a.name != 'group' or getattr(ctx, 'n_groups', 0))]
        gotos = [a for a in self.actions if a.kind == 'goto' and ctx.table + 1 < ctx.n_tables]
        # (filtered by `barred` below, once the list is drawn)
        n = wchoice(rng, [(1, 4), (2, 4), (3, 3), (4, 2), (6, 1)])
        out = []
        barred = set()  # actions that would show a KNOWN difference after those so far
        has_output = False
        for _ in range(n):
            a = wchoice(rng, [(a, a.weight) for a in usable])
            if a.name in barred:
                continue
            t = a.gen(rng, ctx)
            if t:
                out.append(t)
                has_output = has_output or a.kind == 'output'
                ctx.vlan_pushed = ctx.vlan_pushed or a.name in (
                    'push_vlan', 'mod_vlan_vid', 'mod_vlan_pcp', 'set_vlan_vid', 'set_vlan_pcp')
                for k, (after, bar) in NOT_AFTER.items():
                    if k in self.avoid and a.name in after:
                        barred |= bar
        outputs = [a for a in usable if a.kind == 'output' and a.name not in barred]
        if outputs and not has_output and rng.random() < 0.8:
            # Most rules send the packet somewhere: more frames to compare.
            t = wchoice(rng, [(a, a.weight) for a in outputs]).gen(rng, ctx)
            if t:
                out.append(t)
        gotos = [a for a in gotos if a.name not in barred]
        if gotos and rng.random() < 0.6:
            a = wchoice(rng, [(a, a.weight) for a in gotos])
            t = a.gen(rng, ctx)
            if t:
                # goto_table is an instruction: it goes last; resubmit anywhere.
                if a.name == 'resubmit' and out and rng.random() < 0.5:
                    out.insert(rng.randrange(len(out)), t)
                else:
                    out.append(t)
        # Instructions in OpenFlow's order, after the apply actions.
        out.sort(key=V.instruction_rank)
        return out

    # ---------------------------------------------------------- packets
    def random_packet(self, rng, shape=None):
        shape = shape or rng.choice(PACKET_SHAPES)
        pkt = {'shape': shape, 'in_port': V.in_port_value(rng),
               'dl_src': V.mac_value(rng), 'dl_dst': V.mac_value(rng), 'vlans': []}
        r = rng.random()
        if r < 0.25:
            pkt['vlans'] = [(rng.choice([0x8100, 0x8100, 0x8100, 0x88a8]),
                             (rng.randint(0, 7) << 13) | V.pick(rng, V.VIDS, bits=12))]
        elif r < 0.3:
            pkt['vlans'] = [(rng.choice([0x8100, 0x88a8]), V.pick(rng, V.VIDS, bits=12)),
                            (0x8100, V.pick(rng, V.VIDS, bits=12))]
        if shape == 'eth':
            V.apply_dl_type(pkt, rng.choice(V.ETH_TYPES), None, rng)
        if shape in P.IPV4_SHAPES or shape in P.ARP_SHAPES:
            pkt['nw_src'] = V.pick(rng, V.IP4S, bits=32)
            pkt['nw_dst'] = V.pick(rng, V.IP4S, bits=32)
        if shape in P.IPV6_SHAPES:
            pkt['ipv6_src'] = V.pick(rng, V.IP6S, bits=128)
            pkt['ipv6_dst'] = V.pick(rng, V.IP6S, bits=128)
            if rng.random() < 0.2:
                pkt['ipv6_label'] = rng.getrandbits(20)
        if shape in ('ip', 'ipv6'):
            pkt['nw_proto'] = rng.choice([47, 50, 89, 0, 255, 2])
        if shape in P.IPV4_SHAPES + P.IPV6_SHAPES:
            pkt['nw_tos'] = rng.choice([0, 0, 4, 0x10, 0xb8, 0x03, rng.getrandbits(8)])
            pkt['nw_ttl'] = rng.choice([64, 64, 1, 0, 255])
            if rng.random() < 0.06:
                pkt['nw_frag'] = rng.choice(['first', 'later'])
        if shape in P.L4_PORT_SHAPES:
            pkt['tp_src'] = V.pick(rng, V.L4PORTS, bits=16)
            pkt['tp_dst'] = V.pick(rng, V.L4PORTS, bits=16)
        if shape in ('tcp', 'tcp6'):
            pkt['tcp_flags'] = rng.choice([0x002, 0x012, 0x010, 0x018, 0x011, 0x004,
                                           rng.getrandbits(12)])
        if shape == 'icmp':
            pkt['tp_src'], pkt['tp_dst'] = rng.choice([(8, 0), (0, 0), (3, 3), (11, 0), (3, 1)])
        if shape == 'icmp6':
            pkt['tp_src'], pkt['tp_dst'] = rng.choice([(128, 0), (129, 0), (1, 4), (143, 0)])
        if shape in P.ARP_SHAPES:
            pkt['nw_proto'] = rng.choice([1, 2, 1, 2, 3])
            pkt['arp_sha'] = pkt['dl_src'] if rng.random() < 0.7 else V.mac_value(rng)
            pkt['arp_tha'] = rng.choice([0, V.mac_value(rng)])
        pkt['plen'] = rng.choice([10, 18, 40, 100, 300, 1200])
        if rng.random() < 0.05:
            pkt['extra'] = rng.choice(EXTRAS)
        return self.tame(pkt)

    def tame(self, pkt):
        """Steers pkt clear of the KNOWN differences being avoided."""
        if 'qinq-tpid-rx' in self.avoid:
            pkt['vlans'] = [(0x8100, tci) for _, tci in pkt.get('vlans', [])]
        if 'ipv4-frag-rx' in self.avoid and pkt['shape'] in P.IPV4_SHAPES:
            pkt.pop('nw_frag', None)
        if 'frag-l4-ports' in self.avoid and pkt.get('nw_frag') == 'first':
            pkt['nw_frag'] = 'later'
        if 'malformed-drop' in self.avoid:
            pkt.pop('extra', None)
            if pkt['shape'] == 'ipv6' and pkt.get('nw_proto') in (0, 43, 44, 51, 60):
                pkt['nw_proto'] = 59  # no next header
        if 'ip-proto-0-rewrite' in self.avoid and pkt.get('nw_proto') == 0 and \
                pkt['shape'] in ('ip', 'ipv6'):
            pkt['nw_proto'] = 2
        if 'normal-learn-self' in self.avoid and pkt.get('dl_dst') == pkt.get('dl_src'):
            pkt['dl_dst'] = pkt['dl_src'] ^ 0x000000000100
        if 'normal-priority-tag' in self.avoid:
            pkt['vlans'] = [(tpid, 0 if tci & 0xfff == 0 else tci)
                            for tpid, tci in pkt.get('vlans', [])]
        return pkt

    def hit_packet(self, rng, flow):
        shape = flow['shape']
        if shape is None:
            shape = rng.choice(PACKET_SHAPES)
        pkt = self.random_packet(rng, shape)
        pkt.pop('extra', None)
        for f, v, m in flow['match']:
            f.apply(pkt, v, m, rng)
        return self.tame(pkt)

    def near_miss(self, rng, flow, pkt):
        """pkt with one matched field nudged out of the match."""
        pkt = dict(pkt, vlans=list(pkt.get('vlans', [])))
        cands = [(f, v, m) for f, v, m in flow['match'] if f.key and f.bits]
        if cands:
            f, v, m = rng.choice(cands)
            mask = m if m is not None else (1 << f.bits) - 1
            bits = [i for i in range(f.bits) if mask >> i & 1]
            if bits:
                pkt[f.key] = pkt.get(f.key, 0) ^ (1 << rng.choice(bits))
                return self.tame(pkt)
        pkt['in_port'] = V.in_port_value(rng)
        return self.tame(pkt)

    # ------------------------------------------------------------- cases
    def case(self, case_no, seed):
        rng = random.Random(seed)
        self.protocol = rng.choice(PROTOCOLS)
        # Groups draw from a PRNG of their own: a case without groups is the
        # same as before groups existed.
        grng = random.Random(seed * 7919 + 104729)
        groups = []
        self.n_groups = 0
        if (self.protocol != 'OpenFlow10' and any(a.name == 'group' for a in self.actions)
                and grng.random() < self.p_groups):
            groups = self.groups(grng)
            self.n_groups = len(groups)
        n_flows = rng.randint(1, self.max_flows)
        flows = []
        prios = {}
        for _ in range(n_flows):
            table = 0 if self.n_tables == 1 or rng.random() < 0.4 else rng.randrange(self.n_tables)
            taken = prios.setdefault(table, set())
            cands = [p for p in PRIORITIES if p not in taken]
            prio = rng.choice(cands) if cands and rng.random() < 0.7 else rng.randint(0, 65535)
            if prio in taken:
                continue
            taken.add(prio)
            flows.append(self.flow(rng, table, prio))
        # Often a catch-all rule below the others (tables usually end in one).
        for table in sorted({f['table'] for f in flows}):
            if rng.random() < 0.5 and 0 not in prios.get(table, set()):
                ctx = ActionContext(table, self.n_tables, None, None, self.protocol, avoid=self.avoid,
                                    n_groups=self.n_groups)
                actions = self.action_list(rng, ctx)
                flows.append({'table': table, 'shape': None, 'match': [], 'actions': actions,
                              'text': 'table=%d,priority=0,actions=%s' % (
                                  table, ','.join(actions) or 'drop')})
        conj_pkts = []
        if self.conjunction and rng.random() < 0.25:
            conj_pkts = self.conjunction_group(rng, flows, prios)
        pkts = list(conj_pkts)
        for fl in flows:
            for _ in range(rng.choice([1, 1, 2])):
                p = self.hit_packet(rng, fl)
                pkts.append(p)
                if rng.random() < 0.4:
                    pkts.append(self.near_miss(rng, fl, p))
        for _ in range(rng.randint(2, 5)):
            pkts.append(self.random_packet(rng))
        rng.shuffle(pkts)
        pkts = pkts[:self.max_packets]
        packets = []
        for i, p in enumerate(pkts):
            p['tag'] = P.make_tag(i, case_no)
            packets.append({'in_port': p['in_port'], 'hex': P.build(p).hex(), 'desc': P.describe(p)})
        texts = [f['text'] for f in flows]
        # A case that learns spaces its packets as a NORMAL case does.
        case = {'case': case_no, 'seed': seed, 'protocol': self.protocol,
                'normal': any('normal' in t.split('actions=', 1)[1] or 'learn(' in t
                              for t in texts),
                'flows': texts, 'packets': packets}
        if rng.random() < (self.p_ports if case['normal'] else self.p_ports / 2):
            case['ports'] = self.port_config(rng)
        if groups:
            case['groups'] = groups
            case['normal'] = case['normal'] or any('normal' in g for g in groups)
        return case

    def conjunction_group(self, rng, flows, prios):
        """Adds a conjunctive match to a table: n dimensions of one or two
        flows with conjunction(id,k/n) at one priority, and the conj_id
        flow; returns packets made to match every dimension, some not all."""
        table = 0 if self.n_tables == 1 else rng.randrange(self.n_tables)
        taken = prios.setdefault(table, set())
        free = [p for p in PRIORITIES + [rng.randint(1, 65535)] if p not in taken]
        if len(free) < 2:
            return []
        prio, conj_prio = rng.sample(free, 2)
        taken.update({prio, conj_prio})
        conj_id = rng.randint(1, 1000)
        shape = rng.choice(['tcp', 'udp', 'ip', 'arp', None])
        n = rng.choice([2, 2, 3])
        dims = []
        seen = set()
        for k in range(1, n + 1):
            dim = []
            for _ in range(rng.choice([1, 1, 2])):
                fl = self.flow(rng, table, prio, shape)
                key = tuple((f.name, v, m) for f, v, m in fl['match'])
                if key in seen:  # one flow per match and priority
                    continue
                seen.add(key)
                fl['actions'] = ['conjunction(%d,%d/%d)' % (conj_id, k, n)]
                fl['text'] = fl['text'].split(',actions=', 1)[0] + ',actions=' + fl['actions'][0]
                dim.append(fl)
            flows.extend(dim)
            dims.append(dim)
        ctx = ActionContext(table, self.n_tables, None, None, self.protocol, avoid=self.avoid,
                            n_groups=self.n_groups)
        actions = self.action_list(rng, ctx)
        flows.append({'table': table, 'shape': None, 'match': [], 'actions': actions,
                      'text': 'table=%d,priority=%d,conj_id=%d,actions=%s' % (
                          table, conj_prio, conj_id, ','.join(actions) or 'drop')})
        pkts = []
        for _ in range(rng.randint(2, 4)):
            chosen = [rng.choice(d) for d in dims if d]
            if not chosen:
                break
            pkt = self.hit_packet(rng, chosen[0])
            for fl in chosen[1:] if rng.random() < 0.8 else chosen[1:-1]:
                for f, v, m in fl['match']:
                    f.apply(pkt, v, m, rng)
            pkts.append(self.tame(pkt))
        return pkts

    def groups(self, rng):
        """1-3 groups (add-groups lines); a bucket may chain to a later group."""
        n = rng.randint(1, 3)
        by_name = {a.name: a for a in self.actions}
        out = []
        for gid in range(1, n + 1):
            gtype = wchoice(rng, V.GROUP_TYPES)
            n_buckets = 1 if gtype == 'indirect' else rng.randint(1 if gtype != 'select' else 2, 4)
            text = 'group_id=%d,type=%s' % (gid, gtype)
            if gtype == 'select' and self.protocol == 'OpenFlow15' and rng.random() < 0.5:
                fields = rng.sample(V.HASH_FIELDS, rng.randint(1, 3))
                text += ',selection_method=hash,fields(%s)' % ','.join(fields)
            for b in range(n_buckets):
                ctx = ActionContext(0, self.n_tables, None, None, self.protocol, avoid=self.avoid,
                                    n_groups=0)
                acts = []
                for _ in range(rng.choice([0, 0, 1, 1, 2])):
                    a = by_name.get(rng.choice(V.BUCKET_ACTIONS))
                    t = a and a.gen(rng, ctx)
                    if t:
                        acts.append(t)
                r = rng.random()
                if r < 0.15 and gid < n:
                    acts.append('group:%d' % rng.randint(gid + 1, n))
                elif r < 0.25 and self.n_tables > 1:
                    t = rng.randint(1, self.n_tables - 1)
                    if 'group-recirc-loop' in self.avoid:
                        t = self.n_tables - 1  # whose flows name no group
                    acts.append('resubmit(,%d)' % t)
                elif r < 0.97:
                    outs = V.BUCKET_OUTPUTS
                    if self.avoid & {'normal-learn-self', 'normal-priority-tag', 'inner-tag'}:
                        # The NORMAL differences ride on what came before it,
                        # across the flow and the bucket: no NORMAL in buckets.
                        outs = [o for o in outs if o != 'normal']
                    a = by_name.get(rng.choice(outs))
                    t = a and a.gen(rng, ctx)
                    if t:
                        acts.append(t)
                bucket = []
                if gtype == 'select':
                    bucket.append('weight:%d' % rng.choice(V.WEIGHTS))
                if gtype == 'ff':
                    port = rng.choice([1, 2, 3, 4, V.MISSING_PORT])
                    bucket.append('watch_port:%d' % port)
                if self.protocol == 'OpenFlow15':
                    bucket.insert(0, 'bucket_id:%d' % (b * 3 + rng.randint(0, 2)))
                text += ',bucket=' + ','.join(bucket + (['actions=' + ','.join(acts)] if bucket
                                                        else acts or ['drop']))
            out.append(text)
        return out

    def port_config(self, rng):
        """A VLAN configuration of the bridge's ports (what NORMAL obeys):
        port name -> {tag, trunks, vlan_mode}; a port left out is a trunk of
        every VLAN."""
        cfg = {}
        for i in range(1, V.N_PORTS + 1):
            kind = wchoice(rng, [('trunk-all', 3), ('access', 3), ('trunk', 2),
                                 ('native-untagged', 1), ('native-tagged', 1)])
            vids = rng.sample(V.PORT_VIDS, 2)
            if kind == 'access':
                cfg['p%d' % i] = {'tag': vids[0]}
            elif kind == 'trunk':
                cfg['p%d' % i] = {'trunks': sorted(vids)}
            elif kind.startswith('native'):
                cfg['p%d' % i] = {'tag': vids[0], 'trunks': sorted(vids), 'vlan_mode': kind}
        return cfg
