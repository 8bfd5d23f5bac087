// Test fixture: a private ovsdb-server with the Open_vSwitch schema in a
// temporary directory, stopped by its pid (and the directory removed) when
// the fixture goes away, also when a test fails. Plus a small process
// runner for the real OVS tools.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ferry::test {

struct RunResult {
  int exit_code = -1;  // -1 if the program did not exit normally
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs argv (argv[0] looked up in PATH) with extra environment entries
// ("NAME=value") and waits for it.
RunResult run_program(const std::vector<std::string>& argv,
                      const std::vector<std::string>& env = {});
// Starts argv in the background, its stderr into err_path if given; returns
// its pid (or -1).
pid_t spawn_program(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                    const std::string& err_path = "");
// Waits up to timeout_ms for child pid; returns its exit code, -1 on
// abnormal exit, -2 on timeout (the child is then killed).
int wait_program(pid_t pid, int timeout_ms);

std::string make_temp_dir();
void remove_tree(const std::string& dir);
std::string read_file(const std::string& path);

class OvsdbServer {
 public:
  // schema: path of the .ovsschema ("" for the installed vswitch.ovsschema).
  explicit OvsdbServer(const std::string& schema = "");
  ~OvsdbServer();
  OvsdbServer(const OvsdbServer&) = delete;
  OvsdbServer& operator=(const OvsdbServer&) = delete;

  bool ok() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  std::string remote() const { return "unix:" + sock_; }
  pid_t pid() const { return pid_; }

  // ovs-vsctl --db=<remote> --timeout=20 args...
  RunResult vsctl(const std::vector<std::string>& args) const;
  std::vector<std::string> vsctl_argv(const std::vector<std::string>& args) const;

 private:
  std::string dir_;
  std::string sock_;
  std::string error_;
  pid_t pid_ = -1;
};

// The installed Open_vSwitch schema.
extern const char kVswitchSchema[];

}  // namespace ferry::test
