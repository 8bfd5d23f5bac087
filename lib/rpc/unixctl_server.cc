#include "lib/rpc/unixctl_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include "lib/rpc/jsonrpc.h"
#include "lib/rpc/unixctl_reply.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(unixctl_log, "unixctl");

namespace ferry::rpc {

namespace {

constexpr size_t kReadChunk = 65536;
constexpr int kReadsPerRun = 4;
constexpr int kRequestsPerRun = 64;
constexpr int kAcceptsPerRun = 16;
constexpr int64_t kAcceptPauseMs = 100;
constexpr int64_t kLogWindowMs = 10000;
constexpr int kLogsPerWindow = 20;

// "1 MiB", "64 KiB", "1000 bytes".
std::string size_text(size_t n) {
  if (n >= (1 << 20) && n % (1 << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

}  // namespace

Result<std::unique_ptr<UnixctlServer>> UnixctlServer::listen(const std::string& path,
                                                             CommandRegistry* commands,
                                                             const UnixctlServerOptions& options) {
  Result<UnixListener> l = unix_listen(path);
  if (!l) {
    FLOG_ERR(unixctl_log, "%s: could not initialize control socket: %s", path.c_str(),
             l.error().message.c_str());
    return make_error(path + ": could not initialize control socket: " + l.error().message,
                      l.error().code);
  }
  CommandRegistry* registry = commands;
  commands->add({"list-commands", "", 0, 0,
                 [registry](const std::vector<std::string>&, const ReplyPtr& reply) {
                   reply->ok(registry->list());
                 }});
  // Nothing logged here (as OVS's unixctl): a daemon's start line names
  // its socket, and -vunixctl would put a line on the console before
  // --detach closes it.
  return std::unique_ptr<UnixctlServer>(new UnixctlServer(path, *l, commands, options));
}

UnixctlServer::UnixctlServer(std::string path, UnixListener listener, CommandRegistry* commands,
                             const UnixctlServerOptions& options)
    : path_(std::move(path)),
      listener_(listener),
      commands_(commands),
      options_(options),
      scratch_(kReadChunk) {}

UnixctlServer::~UnixctlServer() {
  for (const UnixctlConnPtr& c : conns_) c->close();
  conns_.clear();
  ::close(listener_.fd);
  unix_unlink_if_ours(path_, listener_);
}

size_t UnixctlServer::connection_count() const {
  return std::count_if(conns_.begin(), conns_.end(),
                       [](const UnixctlConnPtr& c) { return !c->closed(); });
}

bool UnixctlServer::log_allowed(int64_t now) {
  if (now - log_window_ms_ >= kLogWindowMs) {
    log_window_ms_ = now;
    log_count_ = 0;
  }
  return ++log_count_ <= kLogsPerWindow;
}

void UnixctlServer::drop(const UnixctlConnPtr& conn, LogLevel level, const std::string& why) {
  if (log_allowed(monotonic_ms()))
    FLOG(unixctl_log, level, "%s: %s, closing", conn->name().c_str(), why.c_str());
  conn->close();
}

void UnixctlServer::run() {
  int64_t now = monotonic_ms();
  auto sweep = [this] {
    for (const UnixctlConnPtr& c : conns_) {
      if (c->closed() && c->overflowed) stats_.overflowed++;
    }
    std::erase_if(conns_, [](const UnixctlConnPtr& c) { return c->closed(); });
  };
  sweep();
  accept_connections(now);
  for (size_t i = 0; i < conns_.size(); i++) {
    UnixctlConnPtr conn = conns_[i];
    run_connection(conn, now);
  }
  sweep();
}

void UnixctlServer::accept_connections(int64_t now) {
  if (now < accept_paused_until_) return;
  for (int i = 0; i < kAcceptsPerRun; i++) {
    int fd = ::accept4(listener_.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return;
      if (log_allowed(now))
        FLOG_WARN(unixctl_log, "%s: accept failed: %s", path_.c_str(), std::strerror(err));
      // Out of fds (EMFILE ...): the listener stays readable; do not spin on it.
      accept_paused_until_ = now + kAcceptPauseMs;
      return;
    }
    stats_.accepted++;
    auto conn = std::make_shared<UnixctlConn>(fd, next_serial_++, options_.max_request_bytes,
                                              options_.max_output_bytes, now);
    conn->activity = ++activity_clock_;
    if (!make_room()) {
      stats_.evicted++;
      drop(conn, LogLevel::kWarn,
           "too many connections (" + std::to_string(options_.max_connections) +
               ") and none idle: refusing new connection");
      continue;
    }
    FLOG_DBG(unixctl_log, "%s: accepted connection", conn->name().c_str());
    conns_.push_back(std::move(conn));
  }
}

bool UnixctlServer::make_room() {
  if (connection_count() < options_.max_connections) return true;
  UnixctlConnPtr oldest;
  for (const UnixctlConnPtr& c : conns_) {
    if (c->closed() || c->in_flight > 0 || c->backlog() > 0 || c->close_after_flush) continue;
    if (!oldest || c->activity < oldest->activity) oldest = c;
  }
  if (!oldest) return false;
  stats_.evicted++;
  drop(oldest, LogLevel::kInfo,
       "too many connections (" + std::to_string(options_.max_connections) +
           "): dropping the least recently active idle one");
  return true;
}

bool UnixctlServer::can_process(const UnixctlConn& c) const {
  return !c.closed() && !c.close_after_flush && c.backlog() == 0 &&
         c.in_flight < options_.max_in_flight;
}

bool UnixctlServer::can_read(const UnixctlConn& c) const { return can_process(c) && !c.input_eof; }

void UnixctlServer::run_connection(const UnixctlConnPtr& conn, int64_t now) {
  if (conn->closed()) return;
  int err = 0;
  if (conn->backlog() > 0 && conn->flush(now, &err) == UnixctlConn::Io::kError) {
    drop(conn, LogLevel::kWarn, std::string("send error: ") + std::strerror(err));
    return;
  }
  if (conn->close_after_flush && conn->backlog() == 0) {
    FLOG_DBG(unixctl_log, "%s: error reply sent", conn->name().c_str());
    conn->close();
    return;
  }
  int budget = kRequestsPerRun;  // fairness between connections
  process_input(conn, &budget);
  for (int i = 0; i < kReadsPerRun && budget > 0 && can_read(*conn); i++) {
    UnixctlConn::Io io = conn->receive(scratch_.data(), scratch_.size(), now, &err);
    if (io == UnixctlConn::Io::kAgain) break;
    if (io == UnixctlConn::Io::kEof) {
      // A peer that only shut down its sending side still gets the replies
      // to what it sent; one that closed altogether gets nothing more.
      conn->input_eof = true;
      if (conn->hung_up()) break;
      FLOG_DBG(unixctl_log, "%s: peer finished sending", conn->name().c_str());
      process_input(conn, &budget);
      break;
    }
    if (io == UnixctlConn::Io::kError) {
      drop(conn, LogLevel::kWarn, std::string("receive error: ") + std::strerror(err));
      return;
    }
    conn->activity = ++activity_clock_;
    process_input(conn, &budget);
  }
  if (conn->closed()) return;
  if (!can_read(*conn) && conn->hung_up()) {
    FLOG_DBG(unixctl_log, "%s: connection closed by peer", conn->name().c_str());
    conn->close();
    return;
  }
  if (conn->input_eof && conn->in_flight == 0 && conn->backlog() == 0 && !conn->input().ready()) {
    FLOG_DBG(unixctl_log, "%s: all replied, closing", conn->name().c_str());
    conn->close();
    return;
  }
  if (can_read(*conn) && !conn->input().ready() && !conn->input().partial().empty() &&
      now - conn->last_input_ms >= options_.idle_timeout_ms) {
    stats_.timed_out++;
    drop(conn, LogLevel::kWarn,
         "partial request idle for " + std::to_string(now - conn->last_input_ms) + " ms");
  } else if (conn->backlog() > 0 && now - conn->last_output_ms >= options_.stall_timeout_ms) {
    stats_.timed_out++;
    drop(conn, LogLevel::kWarn,
         "client has not read its replies for " + std::to_string(now - conn->last_output_ms) +
             " ms");
  }
}

void UnixctlServer::process_input(const UnixctlConnPtr& conn, int* budget) {
  while (*budget > 0 && can_process(*conn)) {
    std::string text;
    switch (conn->input().next(&text)) {
      case JsonStreamSplitter::Status::kNeedMore:
        return;
      case JsonStreamSplitter::Status::kError:
        stats_.protocol_errors++;
        drop(conn, LogLevel::kWarn, "framing error: " + conn->input().error());
        return;
      case JsonStreamSplitter::Status::kTooLarge:
        handle_too_large(conn);
        return;
      case JsonStreamSplitter::Status::kValue:
        --*budget;
        handle_message(conn, text);
        break;
    }
  }
}

void UnixctlServer::handle_too_large(const UnixctlConnPtr& conn) {
  stats_.too_large++;
  std::string limit = size_text(options_.max_request_bytes);
  std::optional<Json> id = recover_request_id(conn->input().partial());
  if (!id) {
    drop(conn, LogLevel::kWarn, "request too large (over " + limit + ") and no id to answer");
    return;
  }
  if (log_allowed(monotonic_ms()))
    FLOG_WARN(unixctl_log, "%s: request too large (over %s), replying and closing",
              conn->name().c_str(), limit.c_str());
  conn->close_after_flush = true;
  make_reply(conn, *id, "")->error("request too large (over " + limit + ")");
  if (!conn->closed() && conn->backlog() == 0) conn->close();
}

void UnixctlServer::handle_message(const UnixctlConnPtr& conn, const std::string& text) {
  Result<Json> json = parse_json(text, JsonParseOptions{options_.max_json_depth});
  if (!json) {
    stats_.protocol_errors++;
    std::optional<Json> id = recover_request_id(text);
    if (!id) {
      drop(conn, LogLevel::kWarn, "malformed JSON and no id to answer: " + json.error().message);
      return;
    }
    if (log_allowed(monotonic_ms()))
      FLOG_WARN(unixctl_log, "%s: malformed JSON: %s", conn->name().c_str(),
                json.error().message.c_str());
    make_reply(conn, *id, "")->error("JSON parse error: " + json.error().message);
    return;
  }
  Result<JsonRpcMessage> msg = jsonrpc_from_json(*json);
  if (!msg) {
    stats_.protocol_errors++;
    const Json* id = json->find("id");
    const Json* result = json->find("result");
    const Json* error = json->find("error");
    bool reply_like = (result && !result->is_null()) || (error && !error->is_null());
    if (!id || id->is_null() || reply_like) {
      drop(conn, LogLevel::kWarn, "received bad JSON-RPC message: " + msg.error().message);
      return;
    }
    if (log_allowed(monotonic_ms()))
      FLOG_WARN(unixctl_log, "%s: received bad JSON-RPC message: %s", conn->name().c_str(),
                msg.error().message.c_str());
    make_reply(conn, *id, "")->error("invalid JSON-RPC request: " + msg.error().message);
    return;
  }
  if (msg->type != JsonRpcType::kRequest) {
    stats_.protocol_errors++;
    drop(conn, LogLevel::kWarn,
         std::string("received unexpected ") + jsonrpc_type_name(msg->type) + " message");
    return;
  }
  dispatch(conn, msg->method, msg->params, msg->id);
}

void UnixctlServer::dispatch(const UnixctlConnPtr& conn, const std::string& method,
                             const Json& params, const Json& id) {
  stats_.requests++;
  ReplyPtr reply = make_reply(conn, id, method);
  if (unixctl_log.enabled(LogLevel::kDbg)) {
    FLOG_DBG(unixctl_log, "%s: received request %s%s, id=%s", conn->name().c_str(), method.c_str(),
             params.dump().c_str(), id.dump().c_str());
  }
  const CommandSpec* spec = commands_->find(method);
  const Json::Array& list = params.as_array();
  int n = static_cast<int>(std::min<size_t>(list.size(), 1 << 30));
  if (!spec) {
    reply->error("\"" + method +
                 "\" is not a valid command (use \"list-commands\" to see a list of valid "
                 "commands)");
    return;
  }
  if (n < spec->min_args) {
    reply->error(
        strprintf("\"%s\" command requires at least %d arguments", method.c_str(), spec->min_args));
    return;
  }
  if (n > spec->max_args) {
    reply->error(
        strprintf("\"%s\" command takes at most %d arguments", method.c_str(), spec->max_args));
    return;
  }
  std::vector<std::string> args;
  args.reserve(list.size());
  for (const Json& a : list) {
    if (!a.is_string()) {
      reply->error("\"" + method + "\" command has non-string argument");
      return;
    }
    args.push_back(a.as_string());
  }
  CommandHandler handler = spec->handler;  // the handler may change the registry
  try {
    handler(args, reply);
  } catch (const std::exception& e) {
    FLOG_ERR(unixctl_log, "\"%s\" command failed: %s", method.c_str(), e.what());
    if (reply->pending()) reply->error(std::string("internal error: ") + e.what());
  } catch (...) {
    FLOG_ERR(unixctl_log, "\"%s\" command failed", method.c_str());
    if (reply->pending()) reply->error("internal error");
  }
}

void UnixctlServer::wait(Waiter& waiter) {
  int64_t now = monotonic_ms();
  if (now < accept_paused_until_) {
    waiter.timer_wait(accept_paused_until_ - now);
  } else {
    waiter.fd_wait(listener_.fd, POLLIN);
  }
  for (const UnixctlConnPtr& c : conns_) {
    if (c->closed()) continue;
    short events = 0;
    if (c->backlog() > 0) {
      events |= POLLOUT;
      waiter.timer_wait(c->last_output_ms + options_.stall_timeout_ms - now);
    }
    if (c->close_after_flush && c->backlog() == 0) waiter.immediate_wake();
    if (c->input_eof && c->in_flight == 0 && c->backlog() == 0) waiter.immediate_wake();
    if (can_process(*c) && c->input().ready()) {
      waiter.immediate_wake();
    } else if (can_read(*c)) {
      events |= POLLIN;
      if (!c->input().partial().empty())
        waiter.timer_wait(c->last_input_ms + options_.idle_timeout_ms - now);
    }
    // With no events, poll still reports a hang-up.
    waiter.fd_wait(c->fd(), events);
  }
}

}  // namespace ferry::rpc
