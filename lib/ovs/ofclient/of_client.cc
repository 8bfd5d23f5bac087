#include "lib/ovs/of_client.h"

#include <cstdlib>

#include "lib/ovs/ofclient/fo-client.h"

namespace ferry::ovs {

namespace {

Error take_error(int code, char* msg) {
  Error e = make_error(msg ? msg : "OpenFlow error", code);
  std::free(msg);
  return e;
}

}  // namespace

Result<std::unique_ptr<OfClient>> OfClient::connect(const std::string& target, int timeout_ms) {
  fo_client* c = nullptr;
  char* err = nullptr;
  int r = fo_client_open(target.c_str(), timeout_ms, &c, &err);
  if (r) return take_error(r, err);
  return std::unique_ptr<OfClient>(new OfClient(c));
}

OfClient::~OfClient() { fo_client_close(c_); }

Status OfClient::change(const std::string& command, const std::string& spec, bool strict,
                        int timeout_ms) {
  char* err = nullptr;
  int r = fo_client_change(c_, command.c_str(), spec.c_str(), strict ? 1 : 0, timeout_ms, &err);
  if (r) return take_error(r, err);
  return {};
}

Status OfClient::echo(int timeout_ms) {
  char* err = nullptr;
  int r = fo_client_echo(c_, timeout_ms, &err);
  if (r) return take_error(r, err);
  return {};
}

}  // namespace ferry::ovs
