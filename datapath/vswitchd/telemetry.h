// Ferry's counters on DPDK's telemetry socket, for the stock
// dpdk-telemetry.py (and anything else speaking that protocol):
//
//   /ferry/pmd/list            PMD thread indexes
//   /ferry/pmd/stats,<index>   one PMD's counters (pmd-stats-show's, by name)
//   /ferry/port/list           the ports of every bridge, by name
//   /ferry/port/stats,<name>   one port's Interface.statistics
//
// DPDK runs telemetry callbacks on its own socket threads, while the PMDs and
// ports belong to the control thread. So a callback only posts its request
// and waits; the control thread answers it in run() (woken through the
// notifier) from the live objects. The callbacks are plain C functions
// without a context argument; they reach the one Telemetry instance of the
// process through a channel in telemetry.cc, and answer "not available"
// when there is none.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "datapath/pmd_counters.h"
#include "datapath/upcall.h"
#include "lib/util/result.h"
#include "lib/util/waiter.h"

namespace ferry {

class Vswitchd;

class Telemetry {
 public:
  // An answer: a list of strings, a list of numbers or a table of counters.
  using Answer = std::variant<std::vector<std::string>, std::vector<uint64_t>, NamedCounters>;

  explicit Telemetry(Vswitchd* d);
  ~Telemetry();
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  // Registers the commands with DPDK (once per process; after rte_eal_init).
  Status start();
  // Control thread: answers a pending request.
  void run();
  void wait(Waiter& w);

  // The answer to one command, or an error naming what is wrong with it.
  Result<Answer> answer(const std::string& cmd, const std::string& params) const;

 private:
  Vswitchd* d_;
  Notifier notifier_;
};

}  // namespace ferry
