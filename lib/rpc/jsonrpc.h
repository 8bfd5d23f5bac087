// JSON-RPC 1.0 messages as Open vSwitch uses them: a request
// {"method","params","id"}, a notification (id null), a reply
// {"result","error":null,"id"} and an error {"result":null,"error","id"}.
// A null member counts as absent, as in OVS.
#pragma once

#include <string>
#include <string_view>

#include "lib/rpc/json.h"
#include "lib/util/result.h"

namespace ferry::rpc {

enum class JsonRpcType { kRequest, kNotify, kReply, kError };

// "request", "notification", "reply", "error".
const char* jsonrpc_type_name(JsonRpcType type);

struct JsonRpcMessage {
  JsonRpcType type = JsonRpcType::kRequest;
  std::string method;  // request and notification
  Json params;         // an array (request and notification), else null
  Json result;         // reply
  Json error;          // error
  Json id;             // request, reply and error; null for a notification
};

// Classifies and validates a received message with the rules and error
// texts of OVS's jsonrpc_msg_from_json() ("message is not a JSON object",
// "\"params\" must be JSON array", "request must have \"id\"" ...).
Result<JsonRpcMessage> jsonrpc_from_json(const Json& json);

// Serialized messages, members in the order the OVS tools send them.
std::string jsonrpc_request(std::string_view method, const Json& params, const Json& id);
std::string jsonrpc_reply(const Json& id, const Json& result);
std::string jsonrpc_error(const Json& id, const Json& error);

}  // namespace ferry::rpc
