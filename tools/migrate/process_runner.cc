// Runs external commands (ip, ovs-vsctl, virsh, ferry-pktgen) for the
// drivers and the OVSDB steps.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "lib/util/text.h"
#include "tools/migrate/driver.h"

extern char** environ;

namespace ferry::migrate {

namespace {

class ProcessRunner : public CommandRunner {
 public:
  Result<std::string> run(const std::vector<std::string>& argv) override {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) < 0) return make_error(std::strerror(errno), errno);
    if (::pipe2(err, O_CLOEXEC) < 0) {
      ::close(out[0]);
      ::close(out[1]);
      return make_error(std::strerror(errno), errno);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
      ::close(out[0]);
      ::close(err[0]);
      return make_error(argv[0] + ": " + std::strerror(rc), rc);
    }
    std::string o, e;
    pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open = 2;
    while (open > 0) {
      if (::poll(p, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; i++) {
        if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[4096];
        ssize_t n = ::read(p[i].fd, buf, sizeof buf);
        if (n > 0) {
          (i == 0 ? o : e).append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          ::close(p[i].fd);
          p[i].fd = -1;
          open--;
        }
      }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return o;
    std::string msg(trim(e.empty() ? o : e));
    return make_error(join(argv, " ") + ": " + (msg.empty() ? "failed" : msg), EIO);
  }
};

}  // namespace

std::unique_ptr<CommandRunner> make_process_runner() { return std::make_unique<ProcessRunner>(); }

}  // namespace ferry::migrate
