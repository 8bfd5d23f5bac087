#include "lib/rpc/unixctl_reply.h"

#include <cerrno>
#include <cstring>

#include "lib/rpc/jsonrpc.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(reply_log, "unixctl_reply");

namespace ferry::rpc {

namespace {

class ConnReply : public Reply {
 public:
  ConnReply(const UnixctlConnPtr& conn, Json id, std::string method)
      : conn_(conn), id_(std::move(id)), method_(std::move(method)) {
    conn->in_flight++;
  }
  ~ConnReply() override {
    if (done_) return;
    if (pending()) {
      FLOG_WARN(reply_log, "\"%s\" command did not reply", method_.c_str());
      complete(false, "\"" + method_ + "\" command did not reply");
    } else if (UnixctlConnPtr c = conn_.lock()) {
      c->in_flight--;
    }
  }

  void ok(const std::string& text) override { complete(true, text); }
  void error(const std::string& text) override { complete(false, text); }
  bool pending() const override {
    if (done_) return false;
    UnixctlConnPtr c = conn_.lock();
    return c && !c->closed();
  }

 private:
  void complete(bool success, const std::string& body) {
    if (done_) {
      FLOG_WARN(reply_log, "reply to \"%s\" completed twice, ignoring the second", method_.c_str());
      return;
    }
    done_ = true;
    UnixctlConnPtr c = conn_.lock();
    if (!c) return;
    c->in_flight--;
    if (c->closed()) return;
    // As OVS: a non-empty text always ends with a newline.
    std::string text = body;
    if (!text.empty() && text.back() != '\n') text += '\n';
    if (reply_log.enabled(LogLevel::kDbg)) {
      FLOG_DBG(reply_log, "%s: replying with %s, id=%s: \"%s\"", c->name().c_str(),
               success ? "success" : "error", id_.dump().c_str(), body.c_str());
    }
    std::string msg = success ? jsonrpc_reply(id_, Json(std::move(text)))
                              : jsonrpc_error(id_, Json(std::move(text)));
    int err = 0;
    if (c->send(msg, monotonic_ms(), &err) == UnixctlConn::Io::kError) {
      if (err == ENOBUFS) {
        FLOG_WARN(reply_log, "%s: client does not read its replies (queue over limit), closing",
                  c->name().c_str());
        c->overflowed = true;
      } else {
        FLOG_DBG(reply_log, "%s: send error: %s, closing", c->name().c_str(), std::strerror(err));
      }
      c->close();
    }
  }

  std::weak_ptr<UnixctlConn> conn_;
  Json id_;
  std::string method_;
  bool done_ = false;
};

}  // namespace

ReplyPtr make_reply(const UnixctlConnPtr& conn, Json id, std::string method) {
  return std::make_shared<ConnReply>(conn, std::move(id), std::move(method));
}

}  // namespace ferry::rpc
