// An OpenFlow controller-side connection (OpenFlow 1.3, libopenvswitch's
// vconn): the changes `ovs-ofctl` makes (add-flow, mod-flows, del-flows,
// add-meter, mod-meter, del-meter, in its syntax), each acknowledged by a
// barrier, over one connection instead of one process per change. Used by
// the migration orchestrator to program OpenFlow switches.
#pragma once

#include <memory>
#include <string>

#include "lib/util/result.h"

struct fo_client;

namespace ferry::ovs {

class OfClient {
 public:
  // `target` is a vconn name: unix:PATH, tcp:IP:PORT. Port names in later
  // changes resolve through the switch's port descriptions read here.
  static Result<std::unique_ptr<OfClient>> connect(const std::string& target, int timeout_ms);
  ~OfClient();
  OfClient(const OfClient&) = delete;
  OfClient& operator=(const OfClient&) = delete;

  // Error codes: EINVAL (the spec does not parse), EPROTO (the switch
  // refused it; the message names the OpenFlow error), ETIMEDOUT (no
  // barrier reply within timeout_ms), else the connection failed
  // (reconnect).
  Status change(const std::string& command, const std::string& spec, bool strict = false,
                int timeout_ms = 10000);
  Status echo(int timeout_ms);

 private:
  explicit OfClient(fo_client* c) : c_(c) {}
  fo_client* c_;
};

}  // namespace ferry::ovs
