// A small JSON value type for the control socket (RFC 8259): null, bool,
// 64-bit integer, double, string, array and object (members kept in
// insertion order). A parser with a nesting-depth limit and positioned error
// messages, and a compact serializer. Control plane only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "lib/util/result.h"

namespace ferry::rpc {

class Json {
 public:
  enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;

  Json() = default;
  Json(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  Json(bool b) : v_(b) {}  // NOLINT(google-explicit-constructor)
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Json(T i) : v_(static_cast<int64_t>(i)) {}        // NOLINT(google-explicit-constructor)
  Json(double d) : v_(d) {}                         // NOLINT(google-explicit-constructor)
  Json(const char* s) : v_(std::string(s)) {}       // NOLINT(google-explicit-constructor)
  Json(std::string s) : v_(std::move(s)) {}         // NOLINT(google-explicit-constructor)
  Json(std::string_view s) : v_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  Json(Array a) : v_(std::move(a)) {}               // NOLINT(google-explicit-constructor)
  Json(Object o) : v_(std::move(o)) {}              // NOLINT(google-explicit-constructor)

  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors; the type must match (check with is_*() first).
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const;  // an integer converts
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Object member by key, nullptr when absent or when this is not an object.
  const Json* find(std::string_view key) const;
  // Sets an object member: replaces the value of an existing key in place,
  // appends a new one. This must be an object.
  void set(std::string key, Json value);
  // Appends to an array. This must be an array.
  void push_back(Json value) { as_array().push_back(std::move(value)); }

  // Compact serialization ("{"a":1,"b":[true,null]}"). Strings are escaped
  // as RFC 8259 requires; valid UTF-8 passes through, an invalid byte
  // becomes U+FFFD. A non-finite double serializes as null.
  std::string dump() const;
  void dump_to(std::string* out) const;

  // Deep equality; an integer never equals a double.
  friend bool operator==(const Json& a, const Json& b) { return a.v_ == b.v_; }
  friend bool operator!=(const Json& a, const Json& b) { return !(a == b); }

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

// "null", "boolean", "integer", "real", "string", "array", "object".
const char* json_type_name(Json::Type type);

// Length of the valid UTF-8 sequence starting at s[i] (RFC 3629: no overlong
// form, no surrogate, at most U+10FFFF), or 0 when it is not valid.
size_t utf8_sequence_length(std::string_view s, size_t i);

// Appends s as a quoted, escaped JSON string.
void json_quote(std::string_view s, std::string* out);

struct JsonParseOptions {
  int max_depth = 128;  // nesting of arrays and objects
};

// Parses exactly one JSON value (any type) surrounded by optional
// whitespace. Errors read "line L, column C, byte B: what" (line and column
// counted from 1, byte from 0).
Result<Json> parse_json(std::string_view text, const JsonParseOptions& options = {});

}  // namespace ferry::rpc
