#include "test/unit/ovs/db/ovsdb_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace ferry::test {

const char kVswitchSchema[] = "/usr/share/openvswitch/vswitch.ovsschema";

namespace {

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (std::string& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; e++) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const std::string& x : extra) overridden |= x.substr(0, x.find('=')) == name;
    if (!overridden) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, int out_fd,
            int err_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  std::vector<std::string> a = argv, e = environment(env);
  std::vector<char*> ca = c_strings(a), ce = c_strings(e);
  pid_t pid = -1;
  if (posix_spawnp(&pid, ca[0], &fa, nullptr, ca.data(), ce.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// True once pid no longer exists (or is a zombie nobody reaps).
bool process_gone(pid_t pid) {
  if (kill(pid, 0) != 0) return errno == ESRCH;
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

}  // namespace

RunResult run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  RunResult r;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return r;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return r;
  }
  pid_t pid = spawn(argv, env, out[1], err[1]);
  close(out[1]);
  close(err[1]);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* dst[2] = {&r.out, &r.err};
  int open_fds = 2;
  while (pid > 0 && open_fds > 0) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !fds[i].revents) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        dst[i]->append(buf, n);
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        open_fds--;
      }
    }
  }
  close(out[0]);
  close(err[0]);
  if (pid > 0) r.exit_code = wait_program(pid, 60000);
  return r;
}

pid_t spawn_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& err_path) {
  int err = -1;
  if (!err_path.empty()) {
    err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err < 0) return -1;
  }
  pid_t pid = spawn(argv, env, -1, err);
  if (err >= 0) close(err);
  return pid;
}

int wait_program(pid_t pid, int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0 && errno != EINTR) return -1;
    if (now_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -2;
    }
    usleep(5000);
  }
}

std::string make_temp_dir() {
  char tmpl[] = "/tmp/ferry-ovsdb-XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "";
}

void remove_tree(const std::string& dir) {
  std::error_code ec;
  if (!dir.empty()) std::filesystem::remove_all(dir, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

OvsdbServer::OvsdbServer(const std::string& schema) {
  dir_ = make_temp_dir();
  if (dir_.empty()) {
    error_ = "mkdtemp failed";
    return;
  }
  sock_ = dir_ + "/db.sock";
  std::vector<std::string> env = {"OVS_RUNDIR=" + dir_, "OVS_LOGDIR=" + dir_, "OVS_DBDIR=" + dir_};
  RunResult create = run_program(
      {"ovsdb-tool", "create", dir_ + "/conf.db", schema.empty() ? kVswitchSchema : schema}, env);
  if (create.exit_code != 0) {
    error_ = "ovsdb-tool create: " + create.err;
    return;
  }
  std::string pidfile = dir_ + "/ovsdb-server.pid";
  RunResult start = run_program(
      {"ovsdb-server", dir_ + "/conf.db", "--remote=punix:" + sock_, "--pidfile=" + pidfile,
       "--detach", "--no-chdir", "--log-file=" + dir_ + "/ovsdb-server.log",
       "--unixctl=" + dir_ + "/ovsdb-server.ctl"},
      env);
  if (start.exit_code != 0) {
    error_ = "ovsdb-server: " + start.err;
    return;
  }
  pid_ = std::atoi(read_file(pidfile).c_str());
  if (pid_ <= 0) error_ = "ovsdb-server wrote no pidfile";
}

OvsdbServer::~OvsdbServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int64_t deadline = now_ms() + 5000;
    while (!process_gone(pid_) && now_ms() < deadline) usleep(10000);
    if (!process_gone(pid_)) kill(pid_, SIGKILL);
  }
  remove_tree(dir_);
}

std::vector<std::string> OvsdbServer::vsctl_argv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"ovs-vsctl", "--db=" + remote(), "--timeout=20"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

RunResult OvsdbServer::vsctl(const std::vector<std::string>& args) const {
  return run_program(vsctl_argv(args), {"OVS_RUNDIR=" + dir_});
}

}  // namespace ferry::test
