#include "datapath/upcall.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "lib/util/text.h"

namespace ferry {

Notifier::Notifier() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Notifier::~Notifier() {
  if (fd_ >= 0) close(fd_);
}

void Notifier::notify() {
  if (pending_.exchange(true, std::memory_order_acq_rel)) return;
  uint64_t one = 1;
  ssize_t n = write(fd_, &one, sizeof one);
  (void)n;
}

void Notifier::clear() {
  uint64_t v;
  ssize_t n = read(fd_, &v, sizeof v);
  (void)n;
  pending_.store(false, std::memory_order_release);
}

Result<std::unique_ptr<UpcallRing>> UpcallRing::create(unsigned size) {
  static std::atomic<unsigned> serial{0};
  std::string name = strprintf("ferry_up%u", serial.fetch_add(1));
  std::unique_ptr<UpcallRing> r(new UpcallRing());
  r->ring_ = rte_ring_create_elem(name.c_str(), sizeof(Upcall), size, SOCKET_ID_ANY,
                                  RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!r->ring_)
    return make_error(
        strprintf("cannot create ring %s: %s", name.c_str(), rte_strerror(rte_errno)));
  return r;
}

UpcallRing::~UpcallRing() { rte_ring_free(ring_); }

bool UpcallRing::push(const Upcall& u) {
  Upcall copy = u;
  return rte_ring_enqueue_elem(ring_, &copy, sizeof(Upcall)) == 0;
}

unsigned UpcallRing::pop(Upcall* out, unsigned max) {
  return rte_ring_dequeue_burst_elem(ring_, out, sizeof(Upcall), max, nullptr);
}

}  // namespace ferry
