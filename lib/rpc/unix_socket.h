// Unix-domain stream sockets for the control socket: listening (with
// stale-socket removal and safe permissions) and connecting. Paths longer
// than sockaddr_un allows go through /proc/self/fd/<dir>/<name>.
#pragma once

#include <sys/types.h>

#include <string>

#include "lib/util/result.h"

namespace ferry::rpc {

struct UnixListener {
  int fd = -1;    // non-blocking, close-on-exec
  dev_t dev = 0;  // identity of the socket file created, so that only
  ino_t ino = 0;  // this file is removed later
};

// Creates the socket file at path with mode 0770 (less the umask: never
// world-accessible) and listens on it. An existing socket file nobody
// listens on is removed first; one that is live, or a path that is not a
// socket, is an error.
Result<UnixListener> unix_listen(const std::string& path);

// Removes the socket file at path if it is still the one `listener` created.
void unix_unlink_if_ours(const std::string& path, const UnixListener& listener);

// Connects to the socket at path. The connect waits at most timeout_ms
// (<= 0: no limit) when the server's backlog is full. The fd is blocking
// and close-on-exec.
Result<int> unix_connect(const std::string& path, int timeout_ms = 0);

Status set_nonblocking(int fd);

// Writes all of bytes to the blocking socket fd (no SIGPIPE); the error
// carries errno and its text.
Status send_all(int fd, const std::string& bytes);

}  // namespace ferry::rpc
