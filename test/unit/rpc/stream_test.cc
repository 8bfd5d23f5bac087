#include <catch2/catch.hpp>

#include "lib/rpc/json_stream.h"

using ferry::rpc::Json;
using ferry::rpc::JsonStreamSplitter;
using ferry::rpc::recover_request_id;
using Status = JsonStreamSplitter::Status;

namespace {

std::vector<std::string> drain(JsonStreamSplitter& s) {
  std::vector<std::string> out;
  std::string v;
  while (s.next(&v) == Status::kValue) out.push_back(v);
  return out;
}

}  // namespace

TEST_CASE("framing: concatenated messages come out one by one", "[stream]") {
  JsonStreamSplitter s;
  s.feed(R"({"id":0,"method":"a","params":[]}{"id":1,"method":"b","params":["}"]})"
         " \n\t\r"
         R"([1,[2]])"
         R"({"x":"\"{[\\"})");
  std::vector<std::string> v = drain(s);
  REQUIRE(v.size() == 4);
  CHECK(v[0] == R"({"id":0,"method":"a","params":[]})");
  CHECK(v[1] == R"({"id":1,"method":"b","params":["}"]})");
  CHECK(v[2] == R"([1,[2]])");
  CHECK(v[3] == R"({"x":"\"{[\\"})");
  CHECK(s.buffered() == 0);
  CHECK(s.partial().empty());
}

TEST_CASE("framing: a message split at every byte boundary", "[stream]") {
  const std::string msg =
      R"({"id":"a\"}","method":"x/y","params":["{[\\\"]}", "\u00e9", "tab	"]})";
  const std::string stream = msg + "  " + msg;
  for (size_t cut = 0; cut <= stream.size(); cut++) {
    JsonStreamSplitter s;
    s.feed(stream.substr(0, cut));
    std::vector<std::string> v = drain(s);
    s.feed(stream.substr(cut));
    for (const std::string& x : drain(s)) v.push_back(x);
    INFO("cut at " << cut);
    REQUIRE(v.size() == 2);
    CHECK(v[0] == msg);
    CHECK(v[1] == msg);
  }
  // Fed one byte at a time: complete exactly at the last byte.
  JsonStreamSplitter s;
  std::string v;
  for (size_t i = 0; i + 1 < msg.size(); i++) {
    s.feed(msg.substr(i, 1));
    REQUIRE(s.next(&v) == Status::kNeedMore);
    REQUIRE(s.partial() == msg.substr(0, i + 1));
  }
  CHECK_FALSE(s.ready());
  s.feed(msg.substr(msg.size() - 1));
  CHECK(s.ready());
  REQUIRE(s.next(&v) == Status::kValue);
  CHECK(v == msg);
}

TEST_CASE("framing: bytes that cannot start a message", "[stream]") {
  JsonStreamSplitter s;
  s.feed("{}  x{}");
  std::string v;
  CHECK(s.next(&v) == Status::kValue);
  CHECK(s.next(&v) == Status::kError);
  CHECK(s.error() == "byte 0x78 cannot start a JSON-RPC message (expecting '{')");
  s.feed("{}");
  CHECK(s.next(&v) == Status::kError);  // stays failed
  JsonStreamSplitter scalar;
  scalar.feed("42");
  CHECK(scalar.next(&v) == Status::kError);
  CHECK(scalar.error() == "byte 0x34 cannot start a JSON-RPC message (expecting '{')");
}

TEST_CASE("framing: values over the size limit", "[stream]") {
  const std::string ten = R"({"a":"12"})";  // 10 bytes
  {
    JsonStreamSplitter s(10);
    s.feed(ten + ten);
    CHECK(drain(s).size() == 2);  // exactly at the limit
  }
  {
    JsonStreamSplitter s(9);
    s.feed(ten);
    std::string v;
    CHECK(s.next(&v) == Status::kTooLarge);
    CHECK(s.partial() == ten);
    CHECK(s.next(&v) == Status::kTooLarge);
  }
  {
    JsonStreamSplitter s(16);
    s.feed("   {\"id\":5,\"params\":[\"xxxxxxxxxxxxxxx");  // incomplete and over
    std::string v;
    CHECK(s.next(&v) == Status::kTooLarge);
    CHECK(s.partial() == "{\"id\":5,\"params\":");
  }
}

TEST_CASE("framing: a request id is recovered from broken requests", "[stream]") {
  CHECK(recover_request_id(R"({"id":7,"method":"x","params":[1,]})") == Json(7));
  CHECK(recover_request_id(R"({"method":"x","params":[1,],"id":"abc"})") == Json("abc"));
  CHECK(recover_request_id(R"( { "id" : -2.5 , "method")") == Json(-2.5));
  CHECK(recover_request_id(R"({"id":true})") == Json(true));
  CHECK(recover_request_id(R"({"id":"a\"b"})") == Json("a\"b"));
  // Not recoverable.
  CHECK_FALSE(recover_request_id(R"({"method":"x","params":[)").has_value());
  CHECK_FALSE(recover_request_id(R"({"id":12)").has_value());  // may be cut short
  CHECK_FALSE(recover_request_id(R"({"id":null,"method":"x"})").has_value());
  CHECK_FALSE(recover_request_id(R"({"id":[1],"method":"x"})").has_value());
  CHECK_FALSE(recover_request_id(R"({"p":{"id":3},"x":1})").has_value());    // nested
  CHECK_FALSE(recover_request_id(R"({"p":"\"id\":3","x":1})").has_value());  // in a string
  CHECK_FALSE(recover_request_id(R"({"p":["id",3]})").has_value());          // array element
  CHECK_FALSE(recover_request_id(R"([{"id":3}])").has_value());
  CHECK_FALSE(recover_request_id("garbage").has_value());
  CHECK_FALSE(recover_request_id(R"({"id":tru,"x":1})").has_value());
}
