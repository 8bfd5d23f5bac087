#include "tools/migrate/ovsdb_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "lib/rpc/jsonrpc.h"
#include "lib/rpc/unix_socket.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry::migrate {

using rpc::Json;

Result<std::unique_ptr<OvsdbClient>> OvsdbClient::connect(const std::string& remotes,
                                                          int timeout_ms) {
  // Several remotes (a clustered database): the first that answers. Any
  // server of a cluster takes transactions (followers forward them).
  std::string errors;
  for (const std::string& remote : split(remotes, ",")) {
    std::string path = remote.rfind("unix:", 0) == 0 ? remote.substr(5) : remote;
    auto fd = rpc::unix_connect(path, timeout_ms);
    if (fd) return std::unique_ptr<OvsdbClient>(new OvsdbClient(*fd));
    errors += (errors.empty() ? "" : "; ") + remote + ": " + fd.error().message;
  }
  return make_error("cannot connect to the state database (" + errors + ")", ECONNREFUSED);
}

OvsdbClient::~OvsdbClient() { ::close(fd_); }

Result<Json> OvsdbClient::call(const std::string& method, const Json& params, int timeout_ms) {
  Json id(next_id_++);
  std::string req = rpc::jsonrpc_request(method, params, id);
  int64_t deadline = monotonic_ms() + timeout_ms;
  auto send_all = [&](const std::string& bytes) -> Status {
    Status s = rpc::send_all(fd_, bytes);
    if (!s) return make_error("state database: " + s.error().message, s.error().code);
    return {};
  };
  if (Status s = send_all(req); !s) return s.error();
  for (;;) {
    std::string text;
    auto st = in_.next(&text);
    if (st == rpc::JsonStreamSplitter::Status::kValue) {
      auto json = rpc::parse_json(text);
      if (!json) return make_error("state database: bad reply: " + json.error().message, EPROTO);
      auto msg = rpc::jsonrpc_from_json(*json);
      if (!msg) return make_error("state database: bad reply: " + msg.error().message, EPROTO);
      if (msg->type == rpc::JsonRpcType::kRequest && msg->method == "echo") {
        if (Status s = send_all(rpc::jsonrpc_reply(msg->id, msg->params)); !s) return s.error();
        continue;
      }
      if (msg->id != id) continue;
      if (msg->type == rpc::JsonRpcType::kError)
        return make_error("state database: " + msg->error.dump(), EPROTO);
      return msg->result;
    }
    if (st != rpc::JsonStreamSplitter::Status::kNeedMore)
      return make_error("state database: bad stream", EPROTO);
    int left = static_cast<int>(deadline - monotonic_ms());
    if (left <= 0) return make_error("state database: timed out", ETIMEDOUT);
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, left);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return make_error("state database: timed out", ETIMEDOUT);
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return make_error("state database: connection closed", EPIPE);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(std::string("state database: ") + std::strerror(errno), errno);
    }
    in_.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

Result<Json> OvsdbClient::transact(const std::string& db, const Json& ops, int timeout_ms) {
  Json params = Json::array();
  params.push_back(Json(db));
  for (const Json& op : ops.as_array()) params.push_back(op);
  auto r = call("transact", params, timeout_ms);
  if (!r) return r.error();
  if (!r->is_array()) return make_error("state database: transact reply is not an array", EPROTO);
  const auto& arr = r->as_array();
  for (size_t i = 0; i < arr.size(); i++) {
    const Json* err = arr[i].is_object() ? arr[i].find("error") : nullptr;
    if (err && !err->is_null()) {
      std::string what = err->is_string() ? err->as_string() : err->dump();
      if (const Json* d = arr[i].find("details"); d && d->is_string())
        what += ": " + d->as_string();
      return make_error("state database: operation " + std::to_string(i) + ": " + what,
                        what.rfind("timed out", 0) == 0 ? EAGAIN : EPROTO);
    }
  }
  return r;
}

Json ovsdb_uuid(const std::string& uuid) { return Json(Json::Array{Json("uuid"), Json(uuid)}); }

Json ovsdb_set(const std::vector<std::string>& values) {
  Json a = Json::array();
  for (const std::string& v : values) a.push_back(Json(v));
  return Json(Json::Array{Json("set"), std::move(a)});
}

Json ovsdb_cond(const std::string& column, const std::string& fn, Json value) {
  return Json(Json::Array{Json(column), Json(fn), std::move(value)});
}

std::vector<std::string> ovsdb_strings(const Json* v) {
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) {
    out.push_back(v->as_string());
  } else if (v->is_array() && v->as_array().size() == 2 && v->as_array()[0].is_string() &&
             v->as_array()[0].as_string() == "set" && v->as_array()[1].is_array()) {
    for (const Json& x : v->as_array()[1].as_array())
      if (x.is_string()) out.push_back(x.as_string());
  }
  return out;
}

std::string ovsdb_row_uuid(const Json& row) {
  const Json* u = row.find("_uuid");
  if (u && u->is_array() && u->as_array().size() == 2 && u->as_array()[1].is_string())
    return u->as_array()[1].as_string();
  return "";
}

}  // namespace ferry::migrate
