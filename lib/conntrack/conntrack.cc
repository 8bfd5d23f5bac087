// A stub of the tracker: the API compiles, nothing is tracked yet.
#include "lib/conntrack/conntrack.h"

namespace ferry::ct {

class ConntrackImpl {};

Conntrack::Conntrack(const Config&) : impl_(std::make_unique<ConntrackImpl>()) {}
Conntrack::~Conntrack() = default;
void Conntrack::execute(unsigned, PacketRef* pkts, size_t n, const CtAction& a, uint64_t) {
  for (size_t i = 0; i < n; i++) {
    if (pkts[i].dl_type != 0x0800 && pkts[i].dl_type != 0x86dd) continue;
    pkts[i].meta->state = kTrk | kInv;
    pkts[i].meta->zone = a.zone;
  }
}
void Conntrack::quiesce(unsigned) {}
void Conntrack::offline(unsigned) {}
size_t Conntrack::sweep(uint64_t) { return 0; }
void Conntrack::dump(const uint16_t*, const std::function<void(const ConnInfo&)>&, uint64_t) const {
}
std::string Conntrack::format(const ConnInfo&, bool, bool) { return {}; }
Result<size_t> Conntrack::flush(const uint16_t*, const Tuple*) { return size_t{0}; }
size_t Conntrack::nconns() const { return 0; }
uint32_t Conntrack::max_conns() const { return 0; }
void Conntrack::set_max_conns(uint32_t) {}
bool Conntrack::tcp_seq_check() const { return true; }
void Conntrack::set_tcp_seq_check(bool) {}
void Conntrack::set_default_limit(uint32_t) {}
uint32_t Conntrack::default_limit() const { return 0; }
void Conntrack::set_zone_limit(uint16_t, uint32_t) {}
void Conntrack::del_zone_limit(uint16_t) {}
std::vector<ZoneLimit> Conntrack::zone_limits() const { return {}; }
ZoneLimit Conntrack::zone_limit(uint16_t zone) const { return ZoneLimit{zone, 0, 0}; }
void Conntrack::set_zone_timeout_policy(uint16_t, const TimeoutPolicy&) {}
void Conntrack::del_zone_timeout_policy(uint16_t) {}
TimeoutPolicy Conntrack::zone_timeout_policy(uint16_t) const { return TimeoutPolicy::defaults(); }
Counters Conntrack::counters() const { return {}; }
std::vector<uint8_t> Conntrack::export_conns(const ExportFilter&, uint64_t) const { return {}; }
Result<size_t> Conntrack::import_conns(const uint8_t*, size_t, uint64_t) { return size_t{0}; }
uint64_t Counters::get(std::string_view name) const {
  for (const auto& [k, v] : items)
    if (k == name) return v;
  return 0;
}
const char* tcp_state_name(TcpState) { return "CLOSED"; }
const char* tp_attr_name(TpAttr) { return ""; }
Result<TpAttr> tp_attr_from_name(std::string_view n) {
  return make_error("unknown timeout policy attribute '" + std::string(n) + "'");
}
TimeoutPolicy TimeoutPolicy::defaults() { return {}; }

}  // namespace ferry::ct
