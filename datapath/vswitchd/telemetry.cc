#include "datapath/vswitchd/telemetry.h"

#include <poll.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <rte_telemetry.h>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(telemetry_log, "telemetry");

namespace ferry {

namespace {

constexpr auto kAnswerTimeout = std::chrono::seconds(2);

// The rendezvous between DPDK's telemetry threads and the control thread.
// DPDK's callbacks carry no context, so this is the one piece of
// process-wide state; it holds no data of its own between requests.
struct Channel {
  std::mutex serial;  // one request at a time
  std::mutex mu;      // everything below
  std::condition_variable cv;
  Telemetry* owner = nullptr;
  Notifier* notifier = nullptr;
  uint64_t seq = 0;       // the request being asked
  uint64_t taken = 0;     // the request the control thread took
  uint64_t answered = 0;  // the request the answer is for
  bool pending = false;
  std::string cmd, params;
  Result<Telemetry::Answer> answer = make_error("no answer");
};

Channel& channel() {
  static Channel c;
  return c;
}

// Telemetry names may hold letters, digits and '_' only.
std::string tel_name(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

void fill(const Telemetry::Answer& a, rte_tel_data* d) {
  if (const auto* names = std::get_if<std::vector<std::string>>(&a)) {
    rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
    for (const std::string& n : *names) rte_tel_data_add_array_string(d, n.c_str());
  } else if (const auto* nums = std::get_if<std::vector<uint64_t>>(&a)) {
    rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
    for (uint64_t n : *nums) rte_tel_data_add_array_u64(d, n);
  } else {
    rte_tel_data_start_dict(d);
    for (const auto& [k, v] : std::get<NamedCounters>(a))
      rte_tel_data_add_dict_u64(d, tel_name(k).c_str(), v);
  }
}

int on_command(const char* cmd, const char* params, rte_tel_data* d) {
  Channel& c = channel();
  std::lock_guard<std::mutex> one(c.serial);
  std::unique_lock<std::mutex> lk(c.mu);
  if (!c.owner) return -1;
  uint64_t me = ++c.seq;
  c.cmd = cmd;
  c.params = params ? params : "";
  c.pending = true;
  c.notifier->notify();
  if (!c.cv.wait_for(lk, kAnswerTimeout, [&] { return c.answered == me || !c.owner; })) {
    c.pending = false;
    return -1;  // the control thread is busy; DPDK answers with an error
  }
  if (c.answered != me) return -1;
  if (!c.answer) {
    // dpdk-telemetry.py shows a command's error as a null answer; say why in
    // a one-entry dict instead.
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "error", c.answer.error().message.c_str());
    return 0;
  }
  fill(*c.answer, d);
  return 0;
}

// Digits only, as a PMD index.
bool parse_index(const std::string& s, size_t* out) {
  if (s.empty() || s.size() > 6) return false;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
  }
  *out = std::strtoul(s.c_str(), nullptr, 10);
  return true;
}

}  // namespace

Telemetry::Telemetry(Vswitchd* d) : d_(d) {
  Channel& c = channel();
  std::lock_guard<std::mutex> lk(c.mu);
  c.owner = this;
  c.notifier = &notifier_;
}

Telemetry::~Telemetry() {
  Channel& c = channel();
  std::lock_guard<std::mutex> lk(c.mu);
  if (c.owner == this) {
    c.owner = nullptr;
    c.notifier = nullptr;
  }
  c.cv.notify_all();
}

Status Telemetry::start() {
  static bool registered = false;  // DPDK keeps commands for the process's life
  if (registered) return {};
  struct Cmd {
    const char* name;
    const char* help;
  };
  static const Cmd cmds[] = {
      {"/ferry/pmd/list", "Ferry's PMD threads, by index. Takes no parameters"},
      {"/ferry/pmd/stats", "One Ferry PMD thread's counters. Parameter: PMD index"},
      {"/ferry/port/list", "The ports of Ferry's bridges, by name. Takes no parameters"},
      {"/ferry/port/stats", "One Ferry port's statistics. Parameter: port name"},
  };
  for (const Cmd& c : cmds) {
    int rc = rte_telemetry_register_cmd(c.name, on_command, c.help);
    if (rc != 0) return make_error(std::string("cannot register telemetry command ") + c.name, -rc);
  }
  registered = true;
  FLOG_INFO(telemetry_log, "counters available on DPDK telemetry under /ferry/");
  return {};
}

void Telemetry::run() {
  Channel& c = channel();
  std::unique_lock<std::mutex> lk(c.mu);
  notifier_.clear();
  if (!c.pending || c.owner != this) return;
  c.pending = false;
  c.taken = c.seq;
  std::string cmd = c.cmd, params = c.params;
  lk.unlock();
  Result<Answer> a = answer(cmd, params);
  lk.lock();
  if (c.seq == c.taken) {  // the asker still waits for this one
    c.answer = std::move(a);
    c.answered = c.taken;
    c.cv.notify_all();
  }
}

void Telemetry::wait(Waiter& w) { w.fd_wait(notifier_.fd(), POLLIN); }

Result<Telemetry::Answer> Telemetry::answer(const std::string& cmd,
                                            const std::string& params) const {
  const Datapath* dp = d_->datapath();
  if (cmd == "/ferry/pmd/list") {
    std::vector<uint64_t> ids;
    for (size_t i = 0; dp && i < dp->n_pmds(); i++) ids.push_back(i);
    return Answer{ids};
  }
  if (cmd == "/ferry/pmd/stats") {
    size_t i = 0;
    if (!parse_index(params, &i)) return make_error("parameter must be a PMD index");
    if (!dp || i >= dp->n_pmds()) return make_error("no PMD " + params);
    const Pmd& p = dp->pmd(i);
    NamedCounters v = named_counters(p.counters());
    v.insert(v.begin(), {{"core_id", static_cast<uint64_t>(p.core() < 0 ? -1 : p.core())},
                         {"numa_id", static_cast<uint64_t>(p.numa())}});
    return Answer{v};
  }
  if (cmd == "/ferry/port/list") {
    std::vector<std::string> names;
    for (const auto& [bname, b] : d_->bridges()) {
      for (const auto& [pname, p] : b->ports()) names.push_back(pname);
    }
    return Answer{names};
  }
  if (cmd == "/ferry/port/stats") {
    if (params.empty()) return make_error("parameter must be a port name");
    for (const auto& [bname, b] : d_->bridges()) {
      auto it = b->ports().find(params);
      if (it == b->ports().end()) continue;
      if (!it->second.dp || !dp) return make_error("port " + params + " is not open");
      NamedCounters v = dp->port_statistics(it->second.dp->id());
      v.insert(v.begin(), {{"port_id", it->second.dp->id()}, {"ofport", it->second.ofport}});
      return Answer{v};
    }
    return make_error("no port " + params);
  }
  return make_error("unknown command " + cmd);
}

}  // namespace ferry
