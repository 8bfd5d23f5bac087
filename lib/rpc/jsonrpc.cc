#include "lib/rpc/jsonrpc.h"

namespace ferry::rpc {

const char* jsonrpc_type_name(JsonRpcType type) {
  switch (type) {
    case JsonRpcType::kRequest:
      return "request";
    case JsonRpcType::kNotify:
      return "notification";
    case JsonRpcType::kReply:
      return "reply";
    case JsonRpcType::kError:
      return "error";
  }
  return "(null)";
}

Result<JsonRpcMessage> jsonrpc_from_json(const Json& json) {
  if (!json.is_object()) return make_error("message is not a JSON object");
  JsonRpcMessage m;
  const Json* method = json.find("method");
  if (method && !method->is_string()) return make_error("method is not a JSON string");
  bool has_method = method != nullptr;
  if (method) m.method = method->as_string();
  for (const Json::Member& member : json.as_object()) {
    const std::string& key = member.first;
    if (key == "params") {
      m.params = member.second;
    } else if (key == "result") {
      m.result = member.second;
    } else if (key == "error") {
      m.error = member.second;
    } else if (key == "id") {
      m.id = member.second;
    } else if (key != "method") {
      return make_error("message has unexpected member \"" + key + "\"");
    }
  }
  m.type = !m.result.is_null()  ? JsonRpcType::kReply
           : !m.error.is_null() ? JsonRpcType::kError
           : !m.id.is_null()    ? JsonRpcType::kRequest
                                : JsonRpcType::kNotify;
  if (!m.params.is_null() && !m.params.is_array())
    return make_error("\"params\" must be JSON array");

  // Which members each type must have (the others it must not have).
  struct Pattern {
    bool method, params, result, error, id;
  };
  static constexpr Pattern kPatterns[] = {
      {true, true, false, false, true},   // request
      {true, true, false, false, false},  // notification
      {false, false, true, false, true},  // reply
      {false, false, false, true, true},  // error
  };
  const Pattern& p = kPatterns[static_cast<int>(m.type)];
  const char* type = jsonrpc_type_name(m.type);
  auto rule = [&](bool must, const char* member) -> Result<JsonRpcMessage> {
    return make_error(std::string(type) + " must" + (must ? "" : " not") + " have \"" + member +
                      "\"");
  };
  if (has_method != p.method) return rule(p.method, "method");
  if (!m.params.is_null() != p.params) return rule(p.params, "params");
  if (!m.result.is_null() != p.result) return rule(p.result, "result");
  if (!m.error.is_null() != p.error) return rule(p.error, "error");
  if (!m.id.is_null() != p.id) return rule(p.id, "id");
  return m;
}

std::string jsonrpc_request(std::string_view method, const Json& params, const Json& id) {
  std::string out = "{\"id\":";
  id.dump_to(&out);
  out += ",\"method\":";
  json_quote(method, &out);
  out += ",\"params\":";
  params.dump_to(&out);
  out += '}';
  return out;
}

std::string jsonrpc_reply(const Json& id, const Json& result) {
  std::string out = "{\"id\":";
  id.dump_to(&out);
  out += ",\"result\":";
  result.dump_to(&out);
  out += ",\"error\":null}";
  return out;
}

std::string jsonrpc_error(const Json& id, const Json& error) {
  std::string out = "{\"id\":";
  id.dump_to(&out);
  out += ",\"result\":null,\"error\":";
  error.dump_to(&out);
  out += '}';
  return out;
}

}  // namespace ferry::rpc
