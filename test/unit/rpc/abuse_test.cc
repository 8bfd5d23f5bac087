// What a hostile or broken client can send; the server answers what it can,
// drops what it must, and keeps serving everyone else.
#include <sys/socket.h>

#include <memory>
#include <thread>

#include <catch2/catch.hpp>

#include "lib/rpc/unixctl_client.h"
#include "lib/util/clock.h"
#include "test/unit/rpc/fixture.h"

using namespace ferry;
using namespace ferry::rpc;
using namespace ferry::rpc::test;

namespace {

// Sends the bytes from a thread (the server may close before reading them
// all), while the caller reads.
class BackgroundSend {
 public:
  BackgroundSend(RawConn& c, std::string bytes)
      : thread_([&c, b = std::move(bytes)] { c.send(b); }) {}
  ~BackgroundSend() { thread_.join(); }

 private:
  std::thread thread_;
};

}  // namespace

TEST_CASE("abuse: malformed JSON", "[abuse]") {
  ServerThread t;
  {  // with a readable id: an error reply, and the connection keeps working
    RawConn c(t.socket_path());
    REQUIRE(c.send(R"({"id":7,"method":"echo","params":["a",]})"));
    CHECK(c.read_value() ==
          R"({"id":7,"result":null,"error":"JSON parse error: line 1, column 39, byte 38: )"
          R"(syntax error expecting value\n"})");
    REQUIRE(c.send(R"({"id":8,"method":"echo","params":["ok"]})"));
    CHECK(c.read_value() == R"({"id":8,"result":"ok\n","error":null})");
  }
  {  // without: the connection is closed
    RawConn c(t.socket_path());
    REQUIRE(c.send(R"({"method":"echo",,"params":[]})"));
    CHECK(c.wait_closed());
  }
  {  // not JSON at all
    RawConn c(t.socket_path());
    REQUIRE(c.send("GET / HTTP/1.0\r\n\r\n"));
    CHECK(c.wait_closed());
  }
  {  // too deep
    RawConn c(t.socket_path());
    REQUIRE(c.send(R"({"id":1,"method":"echo","params":)" + std::string(100, '[') +
                   std::string(100, ']') + "}"));
    CHECK(c.read_value() ==
          R"({"id":1,"result":null,"error":"JSON parse error: line 1, column 97, byte 96: )"
          R"(input exceeds maximum nesting depth 64\n"})");
  }
  CHECK(t.call([&] { return t.server().stats().protocol_errors; }) == 4);
  CHECK(server_serves(t.socket_path()));
}

TEST_CASE("abuse: valid JSON that is not a valid request", "[abuse]") {
  ServerThread t;
  RawConn c(t.socket_path());
  REQUIRE(c.send(R"({"id":3,"method":"echo","params":"x"})"));
  CHECK(
      c.read_value() ==
      R"({"id":3,"result":null,"error":"invalid JSON-RPC request: \"params\" must be JSON array\n"})");
  REQUIRE(c.send(R"({"id":4,"method":"echo","params":[],"extra":1})"));
  CHECK(
      c.read_value() ==
      R"({"id":4,"result":null,"error":"invalid JSON-RPC request: message has unexpected member \"extra\"\n"})");
  REQUIRE(c.send(R"({"id":"q","method":"echo"})"));
  CHECK(
      c.read_value() ==
      R"({"id":"q","result":null,"error":"invalid JSON-RPC request: request must have \"params\"\n"})");
  REQUIRE(c.send(R"({"id":5,"method":"echo","params":["a",1]})"));
  CHECK(c.read_value() ==
        R"({"id":5,"result":null,"error":"\"echo\" command has non-string argument\n"})");
  REQUIRE(c.send(R"({"id":6,"method":"echo","params":[["nested"]]})"));
  CHECK(c.read_value() ==
        R"({"id":6,"result":null,"error":"\"echo\" command has non-string argument\n"})");
  REQUIRE(c.send(R"({"id":{"complex":[1]},"method":"echo","params":["x"]})"));
  CHECK(c.read_value() == R"({"id":{"complex":[1]},"result":"x\n","error":null})");
  CHECK(c.quiet_for(20));

  RawConn notify(t.socket_path());  // a notification: nothing to answer
  REQUIRE(notify.send(R"({"method":"echo","params":[],"id":null})"));
  CHECK(notify.wait_closed());
  RawConn reply(t.socket_path());  // a reply is not a request
  REQUIRE(reply.send(R"({"id":1,"result":"x","error":null})"));
  CHECK(reply.wait_closed());
  RawConn array(t.socket_path());
  REQUIRE(array.send(R"(["echo"])"));
  CHECK(array.wait_closed());
  CHECK(server_serves(t.socket_path()));
}

TEST_CASE("abuse: requests split and concatenated", "[abuse]") {
  ServerThread t;
  RawConn c(t.socket_path());
  std::string two = R"({"id":1,"method":"echo","params":["one"]} )"
                    R"({"id":2,"method":"test/two","params":["a","b"]})";
  REQUIRE(c.send(two));
  CHECK(c.read_value() == R"({"id":1,"result":"one\n","error":null})");
  CHECK(c.read_value() == R"({"id":2,"result":"a+b\n","error":null})");
  std::string one = R"({"id":3,"method":"echo","params":["by","te"]})";
  for (char ch : one) {
    REQUIRE(c.send(std::string(1, ch)));
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  CHECK(c.read_value() == R"({"id":3,"result":"by te\n","error":null})");

  // Many requests in one write: all answered, in order, while another
  // client is served in between.
  std::string many;
  for (int i = 0; i < 2000; i++)
    many += R"({"id":)" + std::to_string(i) + R"(,"method":"echo","params":["n"]})";
  REQUIRE(c.send(many));
  CHECK(server_serves(t.socket_path()));
  for (int i = 0; i < 2000; i++) {
    std::string v = c.read_value();
    if (v != R"({"id":)" + std::to_string(i) + R"(,"result":"n\n","error":null})") {
      FAIL("reply " << i << ": " << v);
    }
  }
  CHECK(t.call([&] { return t.server().stats().requests; }) == 2004);
}

TEST_CASE("abuse: a request over 1 MiB", "[abuse]") {
  ServerThread t;
  const std::string big(1100000, 'x');
  {
    RawConn c(t.socket_path());
    BackgroundSend send(c, R"({"id":9,"method":"echo","params":[")" + big + "\"]}");
    CHECK(c.read_value() == R"({"id":9,"result":null,"error":"request too large (over 1 MiB)\n"})");
    CHECK(c.wait_closed());
  }
  {  // its id comes after the bulk: no reply, just closed
    RawConn c(t.socket_path());
    BackgroundSend send(c, R"({"method":"echo","params":[")" + big + R"("],"id":10})");
    CHECK(c.read_value(2000) == "");
    CHECK(c.wait_closed());
  }
  {  // a request just under the limit is served
    RawConn c(t.socket_path());
    std::string fits(1048576 - 100, 'y');
    BackgroundSend send(c, R"({"id":11,"method":"echo","params":[")" + fits + "\"]}");
    CHECK(c.read_value() == R"({"id":11,"result":")" + fits + R"(\n","error":null})");
  }
  CHECK(t.call([&] { return t.server().stats().too_large; }) == 2);
  CHECK(server_serves(t.socket_path()));
}

TEST_CASE("abuse: silent clients and partial requests", "[abuse]") {
  UnixctlServerOptions o;
  o.idle_timeout_ms = 800;
  ServerThread t(o);
  RawConn silent(t.socket_path());  // connects, never sends
  RawConn partial(t.socket_path());
  REQUIRE(partial.send(R"({"id":1,"method":"echo","par)"));
  // Others are served at once meanwhile.
  int64_t start = ferry::monotonic_ms();
  CHECK(server_serves(t.socket_path()));
  CHECK(ferry::monotonic_ms() - start < 700);
  // The partial request times out; the silent one (nothing pending) stays.
  CHECK(partial.wait_closed(5000));
  CHECK(ferry::monotonic_ms() - start >= 790);
  CHECK(silent.quiet_for(100));
  CHECK(t.call([&] { return t.server().stats().timed_out; }) == 1);
  REQUIRE(silent.send(R"({"id":2,"method":"echo","params":["late"]})"));
  CHECK(silent.read_value() == R"({"id":2,"result":"late\n","error":null})");
}

TEST_CASE("abuse: a client that never reads its replies", "[abuse]") {
  UnixctlServerOptions o;
  o.stall_timeout_ms = 1000;
  ServerThread t(o);
  RawConn hog(t.socket_path());
  std::string req = R"({"id":1,"method":"big","params":["1000000"]})";
  REQUIRE(hog.send(req + req + req));
  REQUIRE(t.wait_until([&] { return t.server().stats().requests >= 1; }));
  int64_t start = ferry::monotonic_ms();
  CHECK(server_serves(t.socket_path()));  // not held up by the hog
  CHECK(ferry::monotonic_ms() - start < 900);
  CHECK(t.wait_until([&] { return t.server().stats().timed_out == 1; }));
  CHECK(t.call([&] { return t.server().stats().requests; }) == 2);  // hog got one served
  CHECK(t.call([&] { return t.server().connection_count(); }) == 0);
  CHECK(hog.wait_closed());
  CHECK(server_serves(t.socket_path()));
}

TEST_CASE("abuse: deferred replies piling up for a client that does not read", "[abuse]") {
  UnixctlServerOptions o;
  o.max_output_bytes = 64 * 1024;
  ServerThread t(o);
  RawConn hog(t.socket_path());
  REQUIRE(hog.send(R"({"id":1,"method":"defer","params":[]})"
                   R"({"id":2,"method":"defer","params":[]})"));
  REQUIRE(t.wait_until([&] { return t.deferred().size() == 2; }));
  t.call([&] {
    t.deferred()[0]->ok(std::string(1 << 20, 'a'));  // over the socket buffer: queued
    CHECK(t.deferred()[1]->pending());
    t.deferred()[1]->ok(std::string(1 << 20, 'b'));  // would pass the cap: dropped
    return 0;
  });
  CHECK(t.wait_until([&] { return t.server().stats().overflowed == 1; }));
  CHECK(t.call([&] { return t.server().connection_count(); }) == 0);
  CHECK(server_serves(t.socket_path()));
}

TEST_CASE("abuse: 100 connections at once", "[abuse]") {
  ServerThread t;
  std::vector<std::unique_ptr<RawConn>> conns;
  for (int i = 0; i < 100; i++) {
    conns.push_back(std::make_unique<RawConn>(t.socket_path()));
    REQUIRE(conns.back()->connected());
  }
  REQUIRE(t.wait_until([&] { return t.server().stats().accepted == 100; }));
  CHECK(t.call([&] { return t.server().connection_count(); }) == 64);
  CHECK(t.call([&] { return t.server().stats().evicted; }) == 36);
  // The 36 least recently active were dropped; the 64 newest are served.
  for (int i = 0; i < 100; i++) {
    std::string req = R"({"id":)" + std::to_string(i) + R"(,"method":"echo","params":["c)" +
                      std::to_string(i) + "\"]}";
    conns[i]->send(req);
  }
  for (int i = 0; i < 100; i++) {
    INFO("connection " << i);
    if (i < 36) {
      CHECK(conns[i]->wait_closed(2000));
    } else {
      CHECK(conns[i]->read_value() == R"({"id":)" + std::to_string(i) + R"(,"result":"c)" +
                                          std::to_string(i) + R"(\n","error":null})");
    }
  }
  conns.clear();
  CHECK(t.wait_until([&] { return t.server().connection_count() == 0; }));
  CHECK(server_serves(t.socket_path()));
}

TEST_CASE("abuse: connections busy with deferred replies are not evicted", "[abuse]") {
  UnixctlServerOptions o;
  o.max_connections = 2;
  ServerThread t(o);
  RawConn a(t.socket_path()), b(t.socket_path());
  REQUIRE(a.send(R"({"id":1,"method":"defer","params":[]})"));
  REQUIRE(b.send(R"({"id":2,"method":"defer","params":[]})"));
  REQUIRE(t.wait_until([&] { return t.deferred().size() == 2; }));
  RawConn c(t.socket_path());  // no room and no idle one: refused
  CHECK(c.wait_closed());
  t.call([&] {
    t.deferred()[0]->ok("a");
    t.deferred()[1]->ok("b");
    return 0;
  });
  CHECK(a.read_value() == R"({"id":1,"result":"a\n","error":null})");
  CHECK(b.read_value() == R"({"id":2,"result":"b\n","error":null})");
  CHECK(server_serves(t.socket_path()));  // evicts the oldest idle one (a)
  CHECK(a.wait_closed());
}

TEST_CASE("abuse: a client that shuts down its sending side still gets its replies", "[abuse]") {
  ServerThread t;
  RawConn c(t.socket_path());
  REQUIRE(c.send(R"({"id":1,"method":"echo","params":["a"]})"
                 R"({"id":2,"method":"defer","params":[]})"
                 R"({"id":3,"method":"echo","params":["b"]})"
                 R"({"id":4,"method":"ec)"));  // cut short: never answered
  REQUIRE(::shutdown(c.fd(), SHUT_WR) == 0);
  CHECK(c.read_value() == R"({"id":1,"result":"a\n","error":null})");
  CHECK(c.read_value() == R"({"id":3,"result":"b\n","error":null})");
  REQUIRE(t.wait_until([&] { return t.deferred().size() == 1; }));
  CHECK(c.quiet_for(50));
  t.call([&] {
    CHECK(t.deferred()[0]->pending());
    t.deferred()[0]->ok("deferred");
    return 0;
  });
  CHECK(c.read_value() == R"({"id":2,"result":"deferred\n","error":null})");
  CHECK(c.wait_closed());
  CHECK(t.wait_until([&] { return t.server().connection_count() == 0; }));
  CHECK(server_serves(t.socket_path()));
}
