"""The two switches side by side, each on its own veth ports.

  namespace <tag>t   the tester: far ends f1..fK (Ferry's ports) and
                     o1..oK (Open vSwitch's ports)
  namespace <tag>f   ferry-vswitchd (ports p1..pK: net_af_packet), its
                     ovsdb-server in <dir>/ferry
  namespace <tag>o   Debian's ovs-vswitchd, userspace datapath (ports
                     p1..pK: system interfaces in a netdev bridge), its
                     ovsdb-server in <dir>/ovs

Both bridges are br0, fail_mode=secure (no hidden default flow), ports
p1..pK with ofport_request 1..K; each bridge's LOCAL port is a tap named
br0 in its switch's namespace, brought up so LOCAL traffic is seen too.
IPv6 is off in every namespace (no kernel chatter on the wires).

Everything started is recorded (pidfiles, namespaces, DPDK runtime files)
and undone by cleanup(), which the tester calls on any exit.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

SIDES = ('ferry', 'ovs')


def run(cmd, env=None, check=True, timeout=30, input=None):
    p = subprocess.run(cmd, env=env, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd), p.returncode,
                                                (p.stderr or p.stdout).strip()[:2000]))
    return p


class Env:
    def __init__(self, build, n_ports, keep=False, log=print, twin=False):
        self.build, self.n_ports, self.keep, self.log = build, n_ports, keep, log
        # twin: the 'ferry' side runs ovs-vswitchd too (the tester checking itself)
        self.twin = twin
        self.tag = 'd%04x' % ((os.getpid() + int(time.time() * 1000)) % 65536)
        self.dir = tempfile.mkdtemp(prefix='ferry-difftest-')
        self.ns = {'tester': self.tag + 't', 'ferry': self.tag + 'f', 'ovs': self.tag + 'o'}
        self.pidfiles = []
        self.namespaces = []
        self.vswitchd = os.path.join(build, 'datapath/vswitchd/ferry-vswitchd')

    # ------------------------------------------------------------ helpers
    def rundir(self, side):
        return os.path.join(self.dir, side)

    def env(self, side):
        d = self.rundir(side)
        e = dict(os.environ)
        e.update(OVS_RUNDIR=d, OVS_LOGDIR=d, OVS_DBDIR=d, OVS_SYSCONFDIR=d)
        return e

    def vsctl(self, side, *args, wait=True):
        return run(['ovs-vsctl', '--timeout=20'] + ([] if wait else ['--no-wait']) + list(args),
                   env=self.env(side))

    def ofctl(self, side, *args, check=True, protocol=None):
        opts = ['-O', protocol] if protocol else []
        return run(['ovs-ofctl', '--timeout=20'] + opts + list(args), env=self.env(side),
                   check=check)

    def is_ferry(self, side):
        return side == 'ferry' and not self.twin

    def appctl(self, side, *args, check=True):
        target = 'ferry-vswitchd' if self.is_ferry(side) else 'ovs-vswitchd'
        return run(['ovs-appctl', '--timeout=20', '-t', target] + list(args), env=self.env(side),
                   check=check)

    def eal_args(self):
        try:
            with open('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') as f:
                free = int(f.read())
        except OSError:
            free = 0
        prefix = '--file-prefix=ferry-%s' % self.tag
        if free >= 128:
            return '--in-memory --no-pci -m 192 ' + prefix
        return '--no-huge -m 256 --no-pci ' + prefix

    # ------------------------------------------------------------- set-up
    def netns(self, name):
        ns = self.ns[name]
        run(['ip', 'netns', 'add', ns])
        self.namespaces.append(ns)
        run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
             'net.ipv6.conf.default.disable_ipv6=1'], check=False)
        run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])

    def start_ovsdb(self, side):
        d = self.rundir(side)
        os.makedirs(d, exist_ok=True)
        run(['ovsdb-tool', 'create', d + '/conf.db', '/usr/share/openvswitch/vswitch.ovsschema'])
        pf = d + '/ovsdb-server.pid'
        run(['ovsdb-server', d + '/conf.db', '--remote=punix:%s/db.sock' % d, '--pidfile=' + pf,
             '--detach', '--no-chdir', '--log-file=%s/ovsdb-server.log' % d], env=self.env(side))
        self.pidfiles.append(pf)
        self.vsctl(side, 'init', wait=False)

    def start_switch(self, side):
        d = self.rundir(side)
        if self.is_ferry(side):
            self.vsctl(side, 'set', 'Open_vSwitch', '.', 'other_config:dpdk-init=true',
                       'other_config:dpdk-extra=' + self.eal_args(), 'other_config:pmd-sleep-max=500',
                       wait=False)
            cmd = [self.vswitchd]
        else:
            cmd = ['ovs-vswitchd']
        name = os.path.basename(cmd[0])
        pf = '%s/%s.pid' % (d, name)
        cmd += ['unix:%s/db.sock' % d, '--pidfile=' + pf, '--detach', '--no-chdir',
                '--log-file=%s/%s.log' % (d, name)]
        with open('%s/%s.out' % (d, name), 'w') as out:
            p = subprocess.run(['ip', 'netns', 'exec', self.ns[side]] + cmd, env=self.env(side),
                               stdout=out, stderr=subprocess.STDOUT, timeout=60)
        if os.path.exists(pf):
            self.pidfiles.append(pf)
        if p.returncode != 0:
            raise RuntimeError('%s did not start (see %s)' % (name, d))
        deadline = time.time() + 30
        while self.appctl(side, 'version', check=False).returncode != 0:
            if time.time() > deadline:
                raise RuntimeError('%s does not answer on its control socket (see %s)' % (name, d))
            time.sleep(0.1)

    def wire(self, side):
        """Veth pairs p<i> (switch side) <-> f<i>/o<i> (tester side)."""
        t = self.ns['tester']
        for i in range(1, self.n_ports + 1):
            far = '%s%d' % (side[0], i)
            run(['ip', 'link', 'add', 'p%d' % i, 'netns', self.ns[side], 'type', 'veth', 'peer',
                 'name', far, 'netns', t])
            for ns, ifc in ((self.ns[side], 'p%d' % i), (t, far)):
                # No offloads: frames cross a software switch, tags stay in the frame.
                run(['ip', 'netns', 'exec', ns, 'ethtool', '-K', ifc, 'tx', 'off', 'rx', 'off',
                     'rxvlan', 'off', 'txvlan', 'off'], check=False)
                run(['ip', '-n', ns, 'link', 'set', ifc, 'up'])

    def bridge(self, side):
        args = ['add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev',
                'fail_mode=secure',
                'protocols=OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15']
        for i in range(1, self.n_ports + 1):
            args += ['--', 'add-port', 'br0', 'p%d' % i, '--', 'set', 'Interface', 'p%d' % i,
                     'ofport_request=%d' % i]
        self.vsctl(side, *args)
        if not self.is_ferry(side):
            # Fresher rule statistics (--stats compares n_packets).
            self.vsctl(side, 'set', 'Open_vSwitch', '.', 'other_config:max-revalidator=100')
        for i in range(1, self.n_ports + 1):
            got = self.vsctl(side, 'get', 'Interface', 'p%d' % i, 'ofport').stdout.strip()
            if got != str(i):
                raise RuntimeError('%s: p%d has ofport %s, not %d' % (side, i, got, i))
        # The LOCAL port's tap, up (it exists once the bridge does).
        deadline = time.time() + 10
        while run(['ip', '-n', self.ns[side], 'link', 'set', 'br0', 'up'],
                  check=False).returncode != 0:
            if time.time() > deadline:
                raise RuntimeError('%s: no br0 tap for the LOCAL port' % side)
            time.sleep(0.1)

    def start(self):
        for name in ('tester', 'ferry', 'ovs'):
            self.netns(name)
        for side in SIDES:
            self.start_ovsdb(side)
        for side in SIDES:
            self.wire(side)
            self.start_switch(side)
            self.bridge(side)
        for side in SIDES:
            ver = self.appctl(side, 'version').stdout.splitlines()[0]
            self.log('difftest: %s: %s' % (side, ver))

    # ------------------------------------------------------------ cleanup
    def cleanup(self):
        pids = []
        for pf in self.pidfiles:
            try:
                with open(pf) as f:
                    pid = int(f.read().strip())
                os.kill(pid, signal.SIGTERM)
                pids.append(pid)
            except (OSError, ValueError):
                pass
        deadline = time.time() + 5
        while pids and time.time() < deadline:
            pids = [p for p in pids if _alive(p)]
            time.sleep(0.1)
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        for ns in self.namespaces:
            run(['ip', 'netns', 'del', ns], check=False)
        for d in ('/var/run/dpdk', '/dev/hugepages'):
            try:
                for n in os.listdir(d):
                    if n.startswith('ferry-%s' % self.tag):
                        p = os.path.join(d, n)
                        shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.unlink(p)
            except OSError:
                pass
        if self.keep:
            self.log('difftest: kept %s' % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def _alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(') ', 1)[1][0] != 'Z'
    except OSError:
        return False
