// The orchestrator's inventory: hypervisor hosts, fabric switches, the
// links between them and the VMs, read from a JSON file (format in
// Documentation/migration.md, "Inventory").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lib/rpc/json.h"
#include "lib/util/result.h"

namespace ferry::migrate {

// A switch the orchestrator programs: a hypervisor's vswitch or a fabric
// switch, each a ferry-vswitchd with its control socket and OVSDB (or, for
// a fabric switch, any OpenFlow switch).
struct Node {
  std::string name;
  std::string ctl;      // control socket path (or a target name under OVS_RUNDIR)
  std::string db;       // OVSDB remote of the daemon, e.g. unix:/run/x/db.sock
  std::string bridge;   // default br0
  std::string netns;    // the host's network namespace (netns driver), may be empty
  std::string libvirt;  // libvirt driver: the host's connection URI
  std::string mgmt_ip;  // the host's management address (memory-transfer path)
  // A fabric switch programmed with OpenFlow flow_mods (vconn target such as
  // tcp:192.0.2.9:6653 or unix:/run/openvswitch/br0.mgmt) instead of a
  // Ferry daemon's control socket: its entries become flows.
  std::string openflow;
  bool fabric = false;
  // Links. A host: fabric switch name -> uplink port. A fabric switch:
  // host name -> port facing it.
  std::map<std::string, std::string> ports;
};

// qemu driver: how to reach the VM's QEMU on each host. "{host}" in any
// of these stands for the host's name.
struct QemuVm {
  std::string qmp;  // QMP socket (QEMU's -qmp unix:PATH,server=on,wait=off)
  // Starts QEMU on a host to receive the VM (with "-incoming defer"); run
  // when the destination's QMP socket does not answer. Empty: it must run.
  std::vector<std::string> start;
  // The URI the destination listens on (migrate-incoming) and the source
  // sends to (migrate). Default: tcp:MGMT_IP:49152 (the destination's
  // mgmt_ip, the port of the SEEDS 003 memory-transfer path).
  std::string incoming;
};

struct Vm {
  std::string name;
  std::string mac;  // lower case
  std::string ip;
  int vlan = 0;         // 0: untagged
  std::string host;     // where it runs according to the inventory
  std::string port;     // its port name on the host's bridge (same on every host)
  std::string netns;    // netns driver: the VM's namespace
  std::string libvirt;  // libvirt driver: the domain name (default: name)
  QemuVm qemu;          // qemu driver
};

// A flow known from traffic information (SEEDS 000 S404): `from` talks to
// `to`, with an application priority (smaller = more important).
struct Flow {
  std::string from;
  std::string to;
  int priority = 7;
};

struct Inventory {
  std::string driver = "netns";  // netns | libvirt | qemu
  std::string staging_fabric;    // fabric switch of the first staged path (default: the primary)
  std::string primary_fabric;    // fabric switch of the VMs' own paths (default: the first)
  // Hosts reach remote VMs by static entries toward the primary fabric
  // (rather than by learning): the orchestrator keeps them up to date.
  bool host_entries = false;
  // Add to `vms` what the hosts' daemons know (tools/migrate/discover.h)
  // before every command; `flows` may then name discovered VMs.
  bool discover = false;
  int downtime_ms = 50;             // netns: the stop-and-copy pause; qemu: downtime-limit
  int precopy_ms = 200;             // netns driver: the pre-copy phase
  int switchover_wait_ms = 200;     // netns driver: longest pause for the switch-over (0: none)
  int64_t transfer_kbps = 2000000;  // 003-dup: meter on the memory-transfer path
  // SEEDS 003: after a migration the path back to the source is kept
  // staged (unused) this long, for a migration back; 0: not kept.
  int retain_hold_ms = 0;
  std::string pktgen;  // netns driver: ferry-pktgen for the guest's RARP
  // netns driver: RARPs sent for the moved VM, on QEMU's schedule
  // (announce-rounds; 0, 50, 200, 450, 800 ms after the first).
  int announce_rounds = 1;
  std::vector<std::string> vmac_pool;
  std::vector<Node> nodes;  // hosts and fabric switches
  std::vector<Vm> vms;
  std::vector<Flow> flows;

  const Node* node(const std::string& name) const;
  const Vm* vm(const std::string& name) const;
  std::vector<const Node*> fabric() const;
};

Result<Inventory> parse_inventory(const rpc::Json& json);
Result<Inventory> load_inventory(const std::string& path);

// "0a:00:00:00:00:10" canonical lower case, or an error naming `what`.
Result<std::string> canonical_mac(const std::string& text, const std::string& what);

}  // namespace ferry::migrate
