#include "test/unit/rpc/fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "lib/rpc/unix_socket.h"
#include "lib/rpc/unixctl_client.h"
#include "lib/util/clock.h"
#include "lib/util/simple_poller.h"
#include "lib/util/text.h"

extern char** environ;

namespace ferry::rpc::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && base[0] ? base : "/tmp") + "/ferry-rpc-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ServerThread::ServerThread(const UnixctlServerOptions& options, const std::string& socket_name)
    : socket_path_(dir_.path() + "/" + socket_name) {
  auto join = [](const std::vector<std::string>& a) { return ferry::join(a, " "); };
  registry_.add_table({
      {"echo", "[ARG...]", 0, 10,
       [join](const std::vector<std::string>& a, const ReplyPtr& r) { r->ok(join(a)); }},
      {"fail", "", 0, 0,
       [](const std::vector<std::string>&, const ReplyPtr& r) { r->error("it failed"); }},
      {"test/two", "A B", 2, 2,
       [](const std::vector<std::string>& a, const ReplyPtr& r) { r->ok(a[0] + "+" + a[1]); }},
      {"defer", "[TAG]", 0, 1,
       [this](const std::vector<std::string>&, const ReplyPtr& r) { deferred_.push_back(r); }},
      {"big", "BYTES", 1, 1,
       [](const std::vector<std::string>& a, const ReplyPtr& r) {
         r->ok(std::string(std::stoul(a[0]), 'x'));
       }},
      {"empty", "", 0, 0, [](const std::vector<std::string>&, const ReplyPtr& r) { r->ok(""); }},
      {"throw", "", 0, 0,
       [](const std::vector<std::string>&, const ReplyPtr&) { throw std::runtime_error("boom"); }},
      {"drop", "", 0, 0, [](const std::vector<std::string>&, const ReplyPtr&) {}},
  });
  auto server = UnixctlServer::listen(socket_path_, &registry_, options);
  if (!server) throw std::runtime_error(server.error().message);
  server_ = std::move(*server);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2");
  thread_ = std::thread([this] { loop(); });
}

ServerThread::~ServerThread() {
  post([this] { stop_ = true; });
  thread_.join();
  deferred_.clear();
  server_.reset();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void ServerThread::post(std::function<void()> f) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(f));
  }
  char c = 1;
  (void)!::write(wake_[1], &c, 1);
}

void ServerThread::loop() {
  SimplePoller poller;
  while (!stop_) {
    for (;;) {
      std::function<void()> task;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (tasks_.empty()) break;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
    if (stop_) break;
    server_->run();
    server_->wait(poller);
    poller.fd_wait(wake_[0], POLLIN);
    poller.block(1000);
    char buf[64];
    while (::read(wake_[0], buf, sizeof buf) > 0) {
    }
  }
}

bool ServerThread::wait_until(const std::function<bool()>& pred, int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    if (call([&] { return pred(); })) return true;
    if (monotonic_ms() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

RawConn::RawConn(const std::string& path) : in_(size_t{64} << 20) {
  Result<int> fd = unix_connect(path);
  if (fd) fd_ = *fd;
}

RawConn::~RawConn() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConn::send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string RawConn::read_value(int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    std::string value;
    if (in_.next(&value) == JsonStreamSplitter::Status::kValue) return value;
    int left = static_cast<int>(deadline - monotonic_ms());
    if (left <= 0) return "";
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return "";
    if (n > 0) in_.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

bool RawConn::wait_closed(int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    int left = static_cast<int>(deadline - monotonic_ms());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
}

bool RawConn::quiet_for(int ms) {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, ms) == 0;
}

PidfileHolder::PidfileHolder(const std::string& pidfile) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  pid_ = ::fork();
  if (pid_ == 0) {  // only async-signal-safe calls from here
    for (int fd = 3; fd < 1024; fd++) {
      if (fd != ready[1]) ::close(fd);  // keep no copy of the server's sockets
    }
    int fd = ::open(pidfile.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    struct flock lck = {};
    lck.l_type = F_WRLCK;
    lck.l_whence = SEEK_SET;
    if (fd < 0 || ::fcntl(fd, F_SETLK, &lck) != 0) ::_exit(1);
    char buf[32];
    int n = 0;
    for (pid_t p = ::getpid(); p > 0; p /= 10) buf[n++] = static_cast<char>('0' + p % 10);
    char line[33];
    for (int i = 0; i < n; i++) line[i] = buf[n - 1 - i];
    line[n] = '\n';
    if (::write(fd, line, n + 1) != n + 1) ::_exit(1);
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c;
  bool ok = pid_ > 0 && ::read(ready[0], &c, 1) == 1;
  ::close(ready[0]);
  if (!ok) throw std::runtime_error("pidfile holder failed");
}

PidfileHolder::~PidfileHolder() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

ChildResult run_child(const std::vector<std::string>& argv, int timeout_ms) {
  ChildResult result;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return result;
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (rc == 0) {
    int64_t deadline = monotonic_ms() + timeout_ms;
    pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* sink[2] = {&result.out, &result.err};
    int open = 2;
    while (open > 0) {
      int left = static_cast<int>(deadline - monotonic_ms());
      if (left <= 0) {
        ::kill(pid, SIGKILL);
        break;
      }
      if (::poll(p, 2, left) <= 0) continue;
      for (int i = 0; i < 2; i++) {
        if (p[i].fd < 0 || !p[i].revents) continue;
        char buf[4096];
        ssize_t n = ::read(p[i].fd, buf, sizeof buf);
        if (n > 0) {
          sink[i]->append(buf, static_cast<size_t>(n));
        } else {
          p[i].fd = -1;
          open--;
        }
      }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  }
  ::close(out[0]);
  ::close(err[0]);
  return result;
}

bool server_serves(const std::string& socket_path) {
  auto client = UnixctlClient::connect(socket_path, 5000);
  if (!client) return false;
  Result<std::string> r = (*client)->transact("echo", {"still", "here"}, 5000);
  return r && *r == "still here\n";
}

}  // namespace ferry::rpc::test
