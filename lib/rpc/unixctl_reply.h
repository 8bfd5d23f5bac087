// The Reply a UnixctlServer hands to a command handler (internal to
// lib/rpc). It holds its connection weakly: completing it after the client
// went away does nothing, and pending() is then false.
#pragma once

#include <string>

#include "lib/rpc/command.h"
#include "lib/rpc/json.h"
#include "lib/rpc/unixctl_conn.h"

namespace ferry::rpc {

// A reply owed on conn to the request with this id (method: for logs).
// Counts in conn->in_flight until completed or destroyed. A reply destroyed
// without being completed answers "\"METHOD\" command did not reply".
ReplyPtr make_reply(const UnixctlConnPtr& conn, Json id, std::string method);

}  // namespace ferry::rpc
