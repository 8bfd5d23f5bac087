// A Datapath whose bridge ports are the representors of an emulated NIC
// (ofport 1 = vf0, 2 = vf1, 3 = the uplink), with an OffloadManager: the
// guests and the wire are rings the test reads and writes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "datapath/datapath.h"
#include "lib/flow/flow_table.h"
#include "offload/offload_manager.h"
#include "test/unit/offload/esw_fixture.h"

struct rte_ring;

namespace ferry::test {

class EswDatapath {
 public:
  EswDatapath(const std::string& device, const std::string& extra = "");
  ~EswDatapath();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  Datapath& dp() { return *dp_; }
  OffloadManager& offload() { return *mgr_; }
  int slot() const { return slot_; }
  void add_flow(const Match& match, uint16_t priority, ActionList actions);
  std::shared_ptr<RuleStats> rule_stats(uint16_t priority);

  // The guest behind vf<i> (ofport i+1) or the wire ("pf").
  void far_send(const std::string& vport, const Bytes& frame);
  std::vector<Bytes> far_recv(const std::string& vport, size_t n);
  rte_ring* in_ring(const std::string& vport);
  rte_ring* out_ring(const std::string& vport);
  uint64_t xstat(const std::string& name) const;
  // Runs the manager (and waits for its offload thread) until pred() or a
  // generous deadline; returns pred().
  template <class P>
  bool tick_until(P pred);
  void tick();
  uint16_t port_id(const std::string& vport) const;

 private:
  std::string device_;
  std::string error_;
  std::unique_ptr<Datapath> dp_;
  std::unique_ptr<OffloadManager> mgr_;
  int slot_ = -1;
  FlowTable flows_;
  std::vector<std::pair<std::string, uint16_t>> ports_;
  rte_mempool* pool_ = nullptr;
};

template <class P>
bool EswDatapath::tick_until(P pred) {
  for (int i = 0; i < 4000 && !pred(); i++) tick();
  return pred();
}

}  // namespace ferry::test
