#include "tools/migrate/qmp_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "lib/rpc/unix_socket.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry::migrate {

using rpc::Json;

namespace {

int64_t clock_ns(clockid_t c) {
  timespec ts;
  clock_gettime(c, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

constexpr size_t kMaxLine = size_t{16} << 20;

}  // namespace

Result<std::unique_ptr<QmpClient>> QmpClient::connect(const std::string& path, int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  int fd = -1;
  // The socket may not exist yet (QEMU starting): retry until the deadline.
  for (;;) {
    Result<int> r = rpc::unix_connect(path, timeout_ms);
    if (r) {
      fd = *r;
      break;
    }
    const int e = r.error().code;
    if (monotonic_ms() >= deadline)
      return make_error("QMP " + path + ": " + r.error().message, e == ENOENT ? EHOSTUNREACH : e);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::unique_ptr<QmpClient> c(new QmpClient(fd));
  auto greeting = c->read_message(deadline, true);
  if (!greeting) return make_error("QMP " + path + ": no greeting: " + greeting.error().message);
  if (!greeting->find("QMP")) return make_error("QMP " + path + ": not a QMP greeting");
  auto caps = c->command("qmp_capabilities", Json(), std::max(1000, timeout_ms));
  if (!caps) return make_error("QMP " + path + ": " + caps.error().message);
  return c;
}

QmpClient::~QmpClient() { ::close(fd_); }

Status QmpClient::send(const Json& msg) {
  if (Status s = rpc::send_all(fd_, msg.dump() + "\n"); !s)
    return make_error("QMP send: " + s.error().message, EPIPE);
  return {};
}

void QmpClient::keep_event(const Json& msg) {
  QmpEvent e;
  e.name = msg.find("event")->as_string();
  if (const Json* d = msg.find("data")) e.data = *d;
  int64_t mono = clock_ns(CLOCK_MONOTONIC), real = clock_ns(CLOCK_REALTIME);
  e.monotonic_ns = mono;
  if (const Json* ts = msg.find("timestamp"); ts && ts->is_object()) {
    const Json* s = ts->find("seconds");
    const Json* us = ts->find("microseconds");
    if (s && s->is_int() && us && us->is_int())
      e.monotonic_ns = s->as_int() * 1000000000 + us->as_int() * 1000 + (mono - real);
  }
  events_.push_back(std::move(e));
}

Result<Json> QmpClient::read_message(int64_t deadline_ms, bool wait) {
  for (;;) {
    size_t nl = in_.find('\n');
    if (nl != std::string::npos) {
      std::string line(trim(std::string_view(in_).substr(0, nl)));
      in_.erase(0, nl + 1);
      if (line.empty()) continue;
      auto j = rpc::parse_json(line);
      if (!j || !j->is_object()) return make_error("QMP: malformed message: " + line, EPROTO);
      if (const Json* ev = j->find("event"); ev && ev->is_string()) keep_event(*j);
      return std::move(*j);
    }
    if (in_.size() > kMaxLine) return make_error("QMP: message too long", EPROTO);
    int64_t left = wait ? deadline_ms - monotonic_ms() : 0;
    if (wait && left <= 0) return make_error("QMP: no answer in time", ETIMEDOUT);
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return make_error(std::string("QMP poll: ") + std::strerror(errno), errno);
    if (r == 0) return make_error("QMP: no answer in time", ETIMEDOUT);
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error("QMP: QEMU closed the connection", EPIPE);
    in_.append(buf, static_cast<size_t>(n));
  }
}

Result<Json> QmpClient::command(const std::string& name, const Json& args, int timeout_ms) {
  Json msg = Json::object();
  msg.set("execute", name);
  if (args.is_object()) msg.set("arguments", args);
  if (Status s = send(msg); !s) return s.error();
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    auto m = read_message(deadline, true);
    if (!m) return make_error(name + ": " + m.error().message, m.error().code);
    if (const Json* r = m->find("return")) return *r;
    if (const Json* e = m->find("error")) {
      const Json* cls = e->find("class");
      const Json* desc = e->find("desc");
      return make_error(name + ": " + (desc && desc->is_string() ? desc->as_string() : e->dump()) +
                            (cls && cls->is_string() ? " (" + cls->as_string() + ")" : ""),
                        EREMOTEIO);
    }
  }
}

Status QmpClient::poll() {
  for (;;) {
    auto m = read_message(0, false);
    if (!m) {
      if (m.error().code == ETIMEDOUT) return {};
      return m.error();
    }
  }
}

Result<QmpEvent> QmpClient::wait_event(const std::string& name, int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (it->name != name) continue;
      QmpEvent e = std::move(*it);
      events_.erase(it);
      return e;
    }
    auto m = read_message(deadline, true);
    if (!m) {
      if (m.error().code == ETIMEDOUT)
        return make_error("no " + name + " event within " + std::to_string(timeout_ms) + " ms",
                          ETIMEDOUT);
      return m.error();
    }
  }
}

}  // namespace ferry::migrate
