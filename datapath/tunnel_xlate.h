// Encapsulation translated into the megaflow (as OVS's native tunnelling):
// a walk that outputs to a tunnel port emits a kTnlPush carrying the outer
// header (route, neighbour and the port's options resolved now) followed by
// the actions of the underlay bridge's walk of the outer packet, so an
// encapsulated packet costs one megaflow lookup. The PMD pushes the header,
// fills in what depends on the packet (lengths, checksum, the UDP source
// port) and runs those actions in the underlay bridge (tunnel_io.h).
#pragma once

#include <cstdint>
#include <memory>

#include "lib/flow/action.h"
#include "lib/flow/of_key.h"

namespace ferry {

struct DpSnapshot;

class TunnelXlate {
 public:
  virtual ~TunnelXlate() = default;
  // Whether ofport is one of the bridge's tunnel ports.
  virtual bool is_tunnel(uint32_t ofport) const = 0;
  // The encapsulation for that port of a packet whose walk is at `flow`:
  // writes at most `room` actions to out (*n of them) and marks in *wc the
  // bits the header depends on. False when it cannot be resolved now (no
  // route or neighbour yet): the caller emits a plain output, which the PMD
  // handles (and counts) itself.
  virtual bool encap(uint32_t ofport, const OfKey& flow, OfKey* wc, Action* out, unsigned room,
                     unsigned* n) const = 0;
};

// The translation of bridge `bridge` (an index into snap->bridges) over the
// snapshot's tunnels; snap outlives it.
std::shared_ptr<const TunnelXlate> make_tunnel_xlate(const DpSnapshot* snap, uint16_t bridge);

}  // namespace ferry
