#include "lib/rpc/json.h"

#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "lib/rpc/jsonrpc.h"

using ferry::rpc::Json;
using ferry::rpc::JsonParseOptions;
using ferry::rpc::parse_json;

namespace {

Json parse_ok(std::string_view text) {
  auto r = parse_json(text);
  INFO(text);
  REQUIRE(r.ok());
  return *r;
}

std::string parse_error(std::string_view text, int max_depth = 128) {
  auto r = parse_json(text, JsonParseOptions{max_depth});
  INFO(text);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

}  // namespace

TEST_CASE("json: scalars parse to their types", "[json]") {
  CHECK(parse_ok("null").is_null());
  CHECK(parse_ok(" true ").as_bool() == true);
  CHECK(parse_ok("false").as_bool() == false);
  CHECK(parse_ok("0").as_int() == 0);
  CHECK(parse_ok("-0").as_int() == 0);
  CHECK(parse_ok("42").as_int() == 42);
  CHECK(parse_ok("9223372036854775807").as_int() == std::numeric_limits<int64_t>::max());
  CHECK(parse_ok("-9223372036854775808").as_int() == std::numeric_limits<int64_t>::min());
  Json big = parse_ok("9223372036854775808");  // one past int64: a real
  REQUIRE(big.is_double());
  CHECK(big.as_double() == 9223372036854775808.0);
  CHECK(parse_ok("1.5").as_double() == 1.5);
  CHECK(parse_ok("-2.5e3").as_double() == -2500.0);
  CHECK(parse_ok("1E-2").as_double() == 0.01);
  CHECK(parse_ok("1e2").is_double());
  CHECK(parse_ok("\"\"").as_string().empty());
  CHECK(parse_ok(R"("a\"b\\c\/d\b\f\n\r\t")").as_string() == "a\"b\\c/d\b\f\n\r\t");
  CHECK(parse_ok(R"("\u0041\u00e9\u20ac")").as_string() == "A\xc3\xa9\xe2\x82\xac");
  CHECK(parse_ok(R"("\ud83d\ude00")").as_string() == "\xf0\x9f\x98\x80");
  CHECK(parse_ok("\"h\xc3\xa9llo \xf0\x9f\x98\x80\"").as_string() ==
        "h\xc3\xa9llo \xf0\x9f\x98\x80");
}

TEST_CASE("json: arrays and objects keep their order", "[json]") {
  Json v = parse_ok(R"( { "z" : 1 , "a" : [ true , null , "x" , [ ] , { } ] , "m" : -1.25 } )");
  REQUIRE(v.is_object());
  const Json::Object& o = v.as_object();
  REQUIRE(o.size() == 3);
  CHECK(o[0].first == "z");
  CHECK(o[1].first == "a");
  CHECK(o[2].first == "m");
  CHECK(v.find("a")->as_array().size() == 5);
  CHECK(v.find("nope") == nullptr);
  CHECK(v.dump() == R"({"z":1,"a":[true,null,"x",[],{}],"m":-1.25})");

  Json built = Json::object();
  built.set("b", 2);
  built.set("a", "x");
  built.set("b", Json::array());  // replaces in place
  built.find("b");
  CHECK(built.dump() == R"({"b":[],"a":"x"})");
}

TEST_CASE("json: serializer escapes exactly", "[json]") {
  CHECK(Json("plain").dump() == "\"plain\"");
  CHECK(Json("q\"b\\s/").dump() == R"("q\"b\\s/")");
  CHECK(Json("\b\f\n\r\t").dump() == R"("\b\f\n\r\t")");
  CHECK(Json(std::string("\x01\x1f\x7f", 3)).dump() == "\"\\u0001\\u001f\x7f\"");
  CHECK(Json(std::string("nul\0byte", 8)).dump() == R"("nul\u0000byte")");
  // Valid UTF-8 passes through; an invalid byte becomes U+FFFD.
  CHECK(Json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80").dump() ==
        "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  CHECK(Json("a\xff"
             "b")
            .dump() ==
        "\"a\xef\xbf\xbd"
        "b\"");
  CHECK(Json("\xc0\xaf").dump() == "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // overlong '/'
  CHECK(Json("\xed\xa0\x80").dump() == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // surrogate
  CHECK(Json("\xe2\x82").dump() == "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // truncated
}

TEST_CASE("json: numbers serialize and read back as the same type", "[json]") {
  CHECK(Json(0).dump() == "0");
  CHECK(Json(-7).dump() == "-7");
  CHECK(Json(std::numeric_limits<int64_t>::min()).dump() == "-9223372036854775808");
  CHECK(Json(1.0).dump() == "1.0");
  CHECK(Json(0.5).dump() == "0.5");
  CHECK(Json(-0.1).dump() == "-0.1");
  CHECK(Json(1e100).dump() == "1e+100");
  CHECK(Json(std::nan("")).dump() == "null");
  CHECK(Json(std::numeric_limits<double>::infinity()).dump() == "null");
  for (double d : {1.0, 0.1, 123456.789, 1e-300, 2.5e300, -3.0}) {
    Json back = parse_ok(Json(d).dump());
    REQUIRE(back.is_double());
    CHECK(back.as_double() == d);
  }
}

TEST_CASE("json: round trips", "[json]") {
  // Compact texts come back byte for byte.
  for (const char* text : {
           R"({"id":0,"method":"fdb/show","params":["br0"]})",
           R"({"id":0,"result":"text\n","error":null})",
           R"([1,-2,3.5,"s",true,false,null,{"a":{"b":[[]]}}])",
           R"("\u0001 \"quoted\" tab\t \\ \u001f")",
           "\"\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\"",
           R"({"":""})",
       }) {
    CHECK(parse_ok(text).dump() == text);
  }
  // Values come back equal.
  Json v = Json::object();
  v.set("s", std::string("\x01\x02 line\nnext \xe2\x82\xac", 16));
  v.set("n", Json::Array{Json(1), Json(2.25), Json(), Json(false)});
  v.set("o", Json::object());
  CHECK(parse_ok(v.dump()) == v);
  CHECK(Json(1) != Json(1.0));
}

TEST_CASE("json: every error class has a positioned message", "[json]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "line 1, column 1, byte 0: empty input"},
      {"   \n ", "line 2, column 2, byte 5: empty input"},
      {"[1,", "line 1, column 4, byte 3: unexpected end of input"},
      {"{\"a\"", "line 1, column 5, byte 4: unexpected end of input"},
      {"[1 2]", "line 1, column 4, byte 3: syntax error expecting ']' or ','"},
      {"{\"a\":1 \"b\":2}", "line 1, column 8, byte 7: syntax error expecting '}' or ','"},
      {"{1:2}", "line 1, column 2, byte 1: syntax error parsing object expecting string"},
      {"{\"a\" 1}", "line 1, column 6, byte 5: syntax error parsing object expecting ':'"},
      {"{\"a\":1,\"a\":2}", "line 1, column 8, byte 7: duplicate object member \"a\""},
      {"[1,]", "line 1, column 4, byte 3: syntax error expecting value"},
      {"[#]", "line 1, column 2, byte 1: invalid character '#'"},
      {"[\x01]", "line 1, column 2, byte 1: invalid byte 0x01"},
      {"tru", "line 1, column 1, byte 0: invalid keyword 'tru'"},
      {"nulll", "line 1, column 1, byte 0: invalid keyword 'nulll'"},
      {"01", "line 1, column 1, byte 0: leading zeros not allowed"},
      {"-", "line 1, column 1, byte 0: '-' must be followed by digit"},
      {"1.", "line 1, column 1, byte 0: decimal point must be followed by digit"},
      {"1e+", "line 1, column 1, byte 0: exponent must contain at least one digit"},
      {"1e999", "line 1, column 1, byte 0: number outside valid range"},
      {"\"abc", "line 1, column 5, byte 4: unexpected end of input in quoted string"},
      {"\"a\nb\"", "line 1, column 3, byte 2: U+000A must be escaped in quoted string"},
      {"\"\\x\"", "line 1, column 2, byte 1: invalid escape '\\x'"},
      {"\"\\u12g4\"", "line 1, column 2, byte 1: malformed \\u escape"},
      {"\"\\u0000\"", "line 1, column 2, byte 1: \\u0000 not supported in quoted string"},
      {"\"\\ud83d\"", "line 1, column 2, byte 1: invalid UTF-16 surrogate pair"},
      {"\"\\ude00\"", "line 1, column 2, byte 1: invalid UTF-16 surrogate pair"},
      {"\"a\xff\"", "line 1, column 3, byte 2: invalid UTF-8 sequence in quoted string"},
      {"\"\xed\xa0\x80\"", "line 1, column 2, byte 1: invalid UTF-8 sequence in quoted string"},
      {"[1] x", "line 1, column 5, byte 4: trailing garbage at end of input"},
      {"{}{}", "line 1, column 3, byte 2: trailing garbage at end of input"},
  };
  for (const Case& c : cases) CHECK(parse_error(c.text) == c.message);
}

TEST_CASE("json: nesting depth is limited", "[json]") {
  std::string ok = std::string(8, '[') + std::string(8, ']');
  CHECK(parse_json(ok, JsonParseOptions{8}).ok());
  std::string deep = std::string(9, '[') + std::string(9, ']');
  CHECK(parse_error(deep, 8) == "line 1, column 9, byte 8: input exceeds maximum nesting depth 8");
  // Far deeper than the stack would take: refused, not a crash.
  std::string abuse(1000000, '[');
  CHECK(parse_error(abuse) ==
        "line 1, column 129, byte 128: input exceeds maximum nesting depth 128");
  std::string objects;
  for (int i = 0; i < 200; i++) objects += "{\"a\":";
  CHECK(parse_error(objects).find("maximum nesting depth 128") != std::string::npos);
}

TEST_CASE("jsonrpc: messages are classified and validated as OVS does", "[json]") {
  using ferry::rpc::jsonrpc_from_json;
  using ferry::rpc::JsonRpcType;
  auto msg = [](const char* text) { return jsonrpc_from_json(parse_ok(text)); };
  auto err = [&](const char* text) {
    auto m = msg(text);
    INFO(text);
    REQUIRE_FALSE(m.ok());
    return m.error().message;
  };
  auto req = msg(R"({"method":"a/b","params":["x"],"id":7})");
  REQUIRE(req.ok());
  CHECK(req->type == JsonRpcType::kRequest);
  CHECK(req->method == "a/b");
  CHECK(req->id == Json(7));
  CHECK(msg(R"({"method":"a","params":[],"id":null})")->type == JsonRpcType::kNotify);
  CHECK(msg(R"({"result":"x","error":null,"id":1})")->type == JsonRpcType::kReply);
  CHECK(msg(R"({"result":null,"error":"e","id":1})")->type == JsonRpcType::kError);

  CHECK(err("[]") == "message is not a JSON object");
  CHECK(err(R"({"method":1,"params":[],"id":1})") == "method is not a JSON string");
  CHECK(err(R"({"method":"a","params":[],"id":1,"x":2})") == "message has unexpected member \"x\"");
  CHECK(err(R"({"method":"a","params":"p","id":1})") == "\"params\" must be JSON array");
  CHECK(err(R"({"method":"a","id":1})") == "request must have \"params\"");
  CHECK(err(R"({"params":[],"id":1})") == "request must have \"method\"");
  CHECK(err(R"({"method":"a"})") == "notification must have \"params\"");
  CHECK(err(R"({"result":"x","id":null})") == "reply must have \"id\"");
  CHECK(err(R"({"method":"a","params":[],"result":1,"id":1})") == "reply must not have \"method\"");

  CHECK(ferry::rpc::jsonrpc_request("x/y", Json::Array{Json("a b")}, Json(0)) ==
        R"({"id":0,"method":"x/y","params":["a b"]})");
  CHECK(ferry::rpc::jsonrpc_reply(Json(3), Json("ok\n")) ==
        R"({"id":3,"result":"ok\n","error":null})");
  CHECK(ferry::rpc::jsonrpc_error(Json("s"), Json("bad\n")) ==
        R"({"id":"s","result":null,"error":"bad\n"})");
}
