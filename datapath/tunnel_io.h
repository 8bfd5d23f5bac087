// The PMD side of tunnels (datapath/tunnel.h): an output to a tunnel port
// pushes the outer Ethernet/IPv4/UDP/VXLAN-or-Geneve headers and hands the
// outer frame to the underlay bridge's pipeline as if it came from that
// bridge's internal port (OVS-DPDK runs the outer packet through br-phy's
// flow table too); an output to an internal port of a frame addressed to a
// local tunnel endpoint pops the outer headers and hands the inner frame,
// with its tunnel metadata, to the pipeline of the tunnel port's bridge.
// Both go through the burst's recirculation queue (datapath/ct_exec.h).
#pragma once

#include <cstddef>

#include "lib/packet/flow_key.h"

struct rte_mbuf;

namespace ferry {

struct DpPort;
struct ExecContext;

// Encapsulates m (consumed) for tunnel port `out`; key is the packet's
// current key (its tunnel fields: remote_ip=flow, key=flow ...).
void tunnel_output(const ExecContext& ctx, rte_mbuf* m, const DpPort& out, const FlowKey& key);

// If m is a tunnel packet for a local endpoint (key says UDP to a tunnel
// port's dst_port and a local address), decapsulates it and returns true
// (m consumed: queued, or dropped and counted). False: not for a tunnel,
// m untouched.
bool tunnel_terminate(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key);

// Executes a translated kTnlPush (datapath/tunnel_xlate.h) at `a` with the
// `avail` actions from it: pushes the header its kData carry, then runs the
// rest of the list, the underlay bridge's actions, on the outer packet as
// if it came from that bridge's internal port. Consumes m.
struct Action;
void execute_tnl_push(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key, const Action* a,
                      size_t avail);

}  // namespace ferry
