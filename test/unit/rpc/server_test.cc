// The control-socket server driven by UnixctlClient.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <catch2/catch.hpp>

#include "lib/rpc/unixctl_client.h"
#include "lib/util/clock.h"
#include "test/unit/rpc/fixture.h"

using namespace ferry;
using namespace ferry::rpc;
using namespace ferry::rpc::test;

namespace {

const char* const kListCommands =
    "The available commands are:\n"
    "  big                     BYTES\n"
    "  defer                   [TAG]\n"
    "  drop                    \n"
    "  echo                    [ARG...]\n"
    "  empty                   \n"
    "  fail                    \n"
    "  list-commands           \n"
    "  test/two                A B\n"
    "  throw                   \n";

std::unique_ptr<UnixctlClient> connect(const ServerThread& t) {
  auto c = UnixctlClient::connect(t.socket_path(), 5000);
  REQUIRE(c.ok());
  return std::move(*c);
}

std::string server_error(const Result<std::string>& r) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == UnixctlClient::kServerError);
  return r.error().message;
}

}  // namespace

TEST_CASE("server: commands, results and OVS error texts", "[server]") {
  ServerThread t;
  auto c = connect(t);
  CHECK(*c->transact("list-commands", {}) == kListCommands);
  CHECK(*c->transact("echo", {"a", "b c", "\xc3\xa9"}) == "a b c \xc3\xa9\n");
  CHECK(*c->transact("echo", {}) == "");  // empty text: no newline added
  CHECK(*c->transact("empty", {}) == "");
  CHECK(*c->transact("test/two", {"1", "2"}) == "1+2\n");
  CHECK(server_error(c->transact("fail", {})) == "it failed\n");
  CHECK(server_error(c->transact("nosuch", {"x"})) ==
        "\"nosuch\" is not a valid command (use \"list-commands\" to see a list of valid "
        "commands)\n");
  CHECK(server_error(c->transact("test/two", {"1"})) ==
        "\"test/two\" command requires at least 2 arguments\n");
  CHECK(server_error(c->transact("test/two", {"1", "2", "3"})) ==
        "\"test/two\" command takes at most 2 arguments\n");
  CHECK(server_error(c->transact("list-commands", {"x"})) ==
        "\"list-commands\" command takes at most 0 arguments\n");
  CHECK(server_error(c->transact("throw", {})) == "internal error: boom\n");
  CHECK(server_error(c->transact("big", {"not-a-number"})).rfind("internal error: ", 0) == 0);
  CHECK(server_error(c->transact("drop", {})) == "\"drop\" command did not reply\n");
  CHECK(*c->transact("big", {"3000000"}) == std::string(3000000, 'x') + "\n");
  CHECK(t.call([&] { return t.server().stats().requests; }) == 14);
}

TEST_CASE("server: deferred replies, in any order, and after the client left", "[server]") {
  ServerThread t;
  RawConn raw(t.socket_path());
  REQUIRE(raw.send(R"({"id":1,"method":"defer","params":["one"]})"
                   R"({"id":"two","method":"defer","params":["two"]})"));
  REQUIRE(t.wait_until([&] { return t.deferred().size() == 2; }));
  CHECK(raw.quiet_for(50));
  // Other clients are served while these wait.
  CHECK(server_serves(t.socket_path()));
  t.call([&] {
    CHECK(t.deferred()[0]->pending());
    t.deferred()[1]->ok("second first");
    CHECK_FALSE(t.deferred()[1]->pending());
    t.deferred()[1]->ok("ignored: completed twice");
    return 0;
  });
  CHECK(raw.read_value() == R"({"id":"two","result":"second first\n","error":null})");
  t.call([&] {
    t.deferred()[0]->error("then the first");
    return 0;
  });
  CHECK(raw.read_value() == R"({"id":1,"result":null,"error":"then the first\n"})");
  CHECK(raw.quiet_for(50));

  // A client that goes away while its reply is deferred.
  {
    auto c = connect(t);
    Result<std::string> r = c->transact("defer", {}, 100);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ETIMEDOUT);
  }
  REQUIRE(t.wait_until([&] { return t.deferred().size() == 3; }));
  CHECK(t.wait_until([&] { return !t.deferred()[2]->pending(); }));
  t.call([&] {
    t.deferred()[2]->ok("nobody listens");  // a no-op
    return 0;
  });
  CHECK(server_serves(t.socket_path()));
}

TEST_CASE("server: socket file permissions, stale and live sockets", "[server]") {
  TempDir dir;
  std::string path = dir.path() + "/x.ctl";
  mode_t old = ::umask(0);
  {
    CommandRegistry reg;
    auto s = UnixctlServer::listen(path, &reg);
    ::umask(old);
    REQUIRE(s.ok());
    struct stat st;
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0770);  // never world-accessible, even with umask 0

    // A second server on a live socket fails and leaves it alone.
    CommandRegistry reg2;
    auto s2 = UnixctlServer::listen(path, &reg2);
    REQUIRE_FALSE(s2.ok());
    CHECK(s2.error().code == EADDRINUSE);
    CHECK(::access(path.c_str(), F_OK) == 0);
  }
  ::umask(old);
  CHECK(::access(path.c_str(), F_OK) != 0);  // removed at destruction

  // A stale socket (its server died without removing it) is replaced.
  {
    CommandRegistry reg;
    auto s = UnixctlServer::listen(path, &reg);
    REQUIRE(s.ok());
    std::string moved = dir.path() + "/keep.ctl";
    REQUIRE(::link(path.c_str(), moved.c_str()) == 0);  // outlives the server
    s->reset();
    REQUIRE(::rename(moved.c_str(), path.c_str()) == 0);
    REQUIRE(::access(path.c_str(), F_OK) == 0);
    auto again = UnixctlServer::listen(path, &reg);
    REQUIRE(again.ok());
    auto client = UnixctlClient::connect(path, 1000);
    CHECK(client.ok());
  }

  // A path that is not a socket is never removed.
  std::ofstream(dir.path() + "/file.ctl") << "data";
  CommandRegistry reg;
  auto s = UnixctlServer::listen(dir.path() + "/file.ctl", &reg);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == EEXIST);
  CHECK(::access((dir.path() + "/file.ctl").c_str(), F_OK) == 0);
}

TEST_CASE("server: a socket path longer than sockaddr_un allows", "[server]") {
  TempDir dir;
  std::string deep = dir.path() + "/" + std::string(60, 'd');
  REQUIRE(::mkdir(deep.c_str(), 0700) == 0);
  std::string name = std::string(70, 's') + ".ctl";
  CommandRegistry reg;
  auto s = UnixctlServer::listen(deep + "/" + name, &reg);
  REQUIRE(s.ok());
  REQUIRE((deep + "/" + name).size() > 108);
  auto c = UnixctlClient::connect(deep + "/" + name, 1000);
  CHECK(c.ok());
}

TEST_CASE("client: target resolution as ovs-appctl", "[client]") {
  TempDir dir;
  ::setenv("OVS_RUNDIR", dir.path().c_str(), 1);
  CHECK(unixctl_rundir() == dir.path());
  CHECK(*resolve_unixctl_target("/abs/path.ctl") == "/abs/path.ctl");
  auto missing = resolve_unixctl_target("nothere");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "cannot read pidfile \"" + dir.path() + "/nothere.pid\" (No such file or directory)");
  {
    PidfileHolder holder(dir.path() + "/d.pid");
    CHECK(*resolve_unixctl_target("d") ==
          dir.path() + "/d." + std::to_string(holder.pid()) + ".ctl");
  }
  // The holder is gone: its pidfile is stale, as for ovs-appctl.
  CHECK(resolve_unixctl_target("d").error().message ==
        "cannot read pidfile \"" + dir.path() + "/d.pid\" (No such process)");
  std::ofstream(dir.path() + "/junk.pid") << "12x\n";
  CHECK(resolve_unixctl_target("junk").error().message ==
        "cannot read pidfile \"" + dir.path() + "/junk.pid\" (No such process)");
  {
    PidfileHolder holder(dir.path() + "/other.pid");
    std::ofstream(dir.path() + "/other.pid") << "1\n";  // not the locker's pid
    CHECK(resolve_unixctl_target("other").error().message ==
          "cannot read pidfile \"" + dir.path() + "/other.pid\" (No such process)");
  }
  ::unsetenv("OVS_RUNDIR");
  CHECK(unixctl_rundir() == "/var/run/openvswitch");
}

TEST_CASE("client: connection failures are errors, not server errors", "[client]") {
  TempDir dir;
  auto c = UnixctlClient::connect(dir.path() + "/none.ctl", 1000);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == ENOENT);
  CHECK(c.error().message == "No such file or directory");
}
