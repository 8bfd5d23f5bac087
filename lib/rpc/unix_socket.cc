#include "lib/rpc/unix_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace ferry::rpc {

namespace {

Error errno_error(const std::string& what, int err) {
  return make_error(what + ": " + std::strerror(err), err);
}

// A sockaddr_un for path, keeping a directory fd open for long paths.
class UnixAddress {
 public:
  ~UnixAddress() {
    if (dirfd_ >= 0) ::close(dirfd_);
  }
  Status init(const std::string& path) {
    std::memset(&un_, 0, sizeof un_);
    un_.sun_family = AF_UNIX;
    std::string name = path;
    if (path.size() >= sizeof un_.sun_path) {
      size_t slash = path.rfind('/');
      std::string dir = slash == std::string::npos ? "." : path.substr(0, slash ? slash : 1);
      dirfd_ = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd_ < 0) return errno_error(dir, errno);
      name = "/proc/self/fd/" + std::to_string(dirfd_) + "/" + path.substr(slash + 1);
      if (name.size() >= sizeof un_.sun_path)
        return make_error(path + ": socket name too long", ENAMETOOLONG);
    }
    std::memcpy(un_.sun_path, name.c_str(), name.size() + 1);
    len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
    return {};
  }
  const sockaddr* addr() const { return reinterpret_cast<const sockaddr*>(&un_); }
  socklen_t len() const { return len_; }

 private:
  sockaddr_un un_;
  socklen_t len_ = 0;
  int dirfd_ = -1;
};

// True if a server accepts connections on the socket at addr.
bool socket_is_live(const UnixAddress& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  int rc = ::connect(fd, addr.addr(), addr.len());
  bool live = rc == 0 || errno == EAGAIN;  // EAGAIN: live, backlog full
  ::close(fd);
  return live;
}

}  // namespace

Result<UnixListener> unix_listen(const std::string& path) {
  UnixAddress addr;
  if (Status s = addr.init(path); !s) return s.error();

  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return make_error(path + ": exists and is not a socket", EEXIST);
    if (socket_is_live(addr))
      return make_error(path + ": another process is listening on this socket", EADDRINUSE);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return errno_error(path + ": cannot remove stale socket", errno);
  }

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return errno_error("socket", errno);
  // On Linux the socket file takes the mode of the socket's inode, less the
  // umask; fchmod() sets it without touching the process-wide umask.
  if (::fchmod(fd, 0770) != 0 || ::bind(fd, addr.addr(), addr.len()) != 0 ||
      ::listen(fd, SOMAXCONN) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error(path, err);
  }
  UnixListener l;
  l.fd = fd;
  if (::lstat(path.c_str(), &st) == 0) {
    l.dev = st.st_dev;
    l.ino = st.st_ino;
  }
  return l;
}

void unix_unlink_if_ours(const std::string& path, const UnixListener& listener) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == listener.dev &&
      st.st_ino == listener.ino)
    ::unlink(path.c_str());
}

Result<int> unix_connect(const std::string& path, int timeout_ms) {
  UnixAddress addr;
  if (Status s = addr.init(path); !s) return s.error();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("socket", errno);
  if (timeout_ms > 0) {
    // A blocking connect on a unix socket waits for backlog room at most
    // SO_SNDTIMEO.
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  int rc;
  do {
    rc = ::connect(fd, addr.addr(), addr.len());
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno == EAGAIN ? ETIMEDOUT : errno;
    ::close(fd);
    return make_error(std::strerror(err), err);
  }
  if (timeout_ms > 0) {
    timeval none{0, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  }
  return fd;
}

Status send_all(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EPIPE;
      return make_error(std::strerror(err), err);
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

Status set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno_error("fcntl", errno);
  return {};
}

}  // namespace ferry::rpc
