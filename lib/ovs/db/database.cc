// Ovsdb on fo_db: the IDL connection, the configuration snapshot, and the
// status write-back in the ovs-vswitchd pattern (one transaction in flight,
// later writes merge into the next one).
#include "lib/ovs/database.h"

#include "lib/ovs/db/config_convert.h"
#include "lib/ovs/db/fo-db.h"
#include "lib/ovs/db/fo-process.h"
#include "lib/ovs/db/status_set.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(log_, "ovsdb");

namespace ferry::ovs {

namespace {

// After a transaction must be retried, wait this long before the next one.
constexpr int64_t kRetryMsec = 100;

class OvsdbImpl : public Ovsdb {
 public:
  explicit OvsdbImpl(const std::string& remote) : remote_(remote) {
    fo_vlog_defaults();
    db_ = fo_db_create(remote.c_str());
  }
  ~OvsdbImpl() override { fo_db_destroy(db_); }

  void run() override;
  void wait() override;

  bool connected() const override { return fo_db_is_connected(db_); }
  bool has_lock() const override { return fo_db_has_lock(db_); }
  bool lock_contended() const override { return fo_db_lock_contended(db_); }
  uint64_t change_seqno() const override { return fo_db_seqno(db_); }
  std::optional<Config> config() const override;

  void set_interface_status(const InterfaceStatus& status) override {
    pending_.set_interface(check_interface_status(status));
  }
  void set_cur_cfg(int64_t cur_cfg) override { pending_.set_cur_cfg(cur_cfg); }
  void set_system_status(const SystemStatus& status) override { pending_.set_system(status); }
  void set_bridge_status(const std::string& bridge, const std::string& datapath_id) override {
    pending_.set_bridge_datapath_id(bridge, datapath_id);
  }
  void set_controller_status(const ControllerStatus& status) override {
    pending_.set_controller(status);
  }
  void set_mirror_stats(const std::string& bridge, const std::string& name, int64_t tx_packets,
                        int64_t tx_bytes) override {
    pending_.set_mirror_stats(bridge, name, tx_packets, tx_bytes);
  }
  void set_bridge_keys(const std::string& bridge, const StringMap& keys,
                       const std::vector<std::string>& owned_prefixes) override {
    pending_.set_bridge_keys(bridge, keys, owned_prefixes);
  }
  bool txn_busy() const override { return !pending_.empty() || fo_db_txn_is_open(db_); }

 private:
  bool can_write() const {
    return fo_db_has_ever_connected(db_) && fo_db_is_connected(db_) && fo_db_has_lock(db_);
  }
  void log_state_changes();
  void start_txn();
  void finish_txn(fo_txn_status status);

  std::string remote_;
  fo_db* db_;
  StatusSet pending_;    // not yet in a transaction
  StatusSet in_flight_;  // in the open transaction
  int64_t retry_at_ = 0;
  bool was_connected_ = false;
  bool had_lock_ = false;
  bool was_contended_ = false;
  mutable uint64_t cached_seqno_ = 0;
  mutable std::optional<Config> cached_;
};

void OvsdbImpl::run() {
  fo_db_run(db_);
  log_state_changes();
  if (fo_db_txn_is_open(db_)) finish_txn(fo_db_txn_commit(db_));
  if (!fo_db_txn_is_open(db_) && !pending_.empty() && can_write() && fo_time_msec() >= retry_at_) {
    start_txn();
  }
}

void OvsdbImpl::wait() {
  fo_db_wait(db_);  // also wakes when the open transaction completes
  if (!fo_db_txn_is_open(db_) && !pending_.empty() && can_write()) {
    int64_t delay = retry_at_ - fo_time_msec();
    if (delay > 0)
      fo_poll_timer_wait(delay);
    else
      fo_poll_immediate_wake();
  }
}

void OvsdbImpl::log_state_changes() {
  bool connected = fo_db_is_connected(db_);
  if (connected != was_connected_) {
    if (connected)
      FLOG_INFO(log_, "%s: connected", remote_.c_str());
    else
      FLOG_WARN(log_, "%s: connection lost, reconnecting", remote_.c_str());
    was_connected_ = connected;
  }
  bool contended = fo_db_lock_contended(db_);
  if (contended && !was_contended_) {
    FLOG_ERR(log_,
             "another vswitchd holds the \"ovs_vswitchd\" lock on %s: "
             "not applying configuration until it goes away",
             remote_.c_str());
  }
  was_contended_ = contended;
  bool locked = fo_db_has_lock(db_);
  if (locked != had_lock_) {
    if (locked)
      FLOG_INFO(log_, "acquired the \"ovs_vswitchd\" lock");
    else
      FLOG_WARN(log_, "lost the \"ovs_vswitchd\" lock");
    had_lock_ = locked;
  }
}

void OvsdbImpl::start_txn() {
  if (!fo_db_txn_begin(db_)) return;
  in_flight_ = std::move(pending_);
  pending_ = StatusSet();
  std::vector<std::string> missing;
  in_flight_.apply(db_, &missing);
  for (const std::string& name : missing)
    FLOG_DBG(log_, "status for %s not written: no such row", name.c_str());
  finish_txn(fo_db_txn_commit(db_));
}

void OvsdbImpl::finish_txn(fo_txn_status status) {
  switch (status) {
    case FO_TXN_NONE:
    case FO_TXN_INCOMPLETE:
      return;
    case FO_TXN_SUCCESS:
    case FO_TXN_UNCHANGED:
      break;
    case FO_TXN_TRY_AGAIN:
    case FO_TXN_NOT_LOCKED:
      FLOG_DBG(log_, "status transaction must be retried (%s)",
               status == FO_TXN_TRY_AGAIN ? "try again" : "not locked");
      pending_.absorb_older(std::move(in_flight_));
      retry_at_ = fo_time_msec() + kRetryMsec;
      break;
    case FO_TXN_FAILED:
      FLOG_ERR(log_, "status transaction failed: %s", fo_db_txn_error(db_));
      break;
  }
  in_flight_ = StatusSet();
}

std::optional<Config> OvsdbImpl::config() const {
  uint64_t seqno = fo_db_seqno(db_);
  if (seqno == 0) return std::nullopt;  // no contents yet
  if (seqno != cached_seqno_) {
    fo_db_config* c = fo_db_config_get(db_);
    cached_ = convert_config(c);
    fo_db_config_free(c);
    cached_seqno_ = seqno;
  }
  return cached_;
}

}  // namespace

std::unique_ptr<Ovsdb> Ovsdb::create(const std::string& remote) {
  return std::make_unique<OvsdbImpl>(remote);
}

}  // namespace ferry::ovs
