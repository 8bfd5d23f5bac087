// The public facade: packet-path entry points. The control methods are in
// control.cc, flush.cc, format.cc and export.cc.
#include "lib/conntrack/conntrack.h"

#include "lib/conntrack/conntrack_impl.h"

namespace ferry::ct {

Conntrack::Conntrack(const Config& cfg) : impl_(std::make_unique<ConntrackImpl>(cfg)) {}
Conntrack::~Conntrack() = default;

void Conntrack::execute(unsigned tid, PacketRef* pkts, size_t n, const CtAction& a,
                        uint64_t now_ms) {
  impl_->execute(tid, pkts, n, a, now_ms);
}

void Conntrack::quiesce(unsigned tid) {
  impl_->threads_[tid].pass++;  // a connection a packet holds may go from now on
  impl_->table_.quiesce(tid);
}
void Conntrack::offline(unsigned tid) {
  impl_->threads_[tid].pass++;
  impl_->table_.offline(tid);
}

}  // namespace ferry::ct
