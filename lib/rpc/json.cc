// JSON value helpers and the compact serializer.
#include "lib/rpc/json.h"

#include <charconv>
#include <cmath>

namespace ferry::rpc {

size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; k++) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  return n;
}

namespace {

void dump_double(double d, std::string* out) {
  if (!std::isfinite(d)) {
    *out += "null";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, r.ptr - buf);
  *out += text;
  // Keep it a real number when read back ("1" would be an integer).
  if (text.find_first_of(".e") == std::string_view::npos) *out += ".0";
}

}  // namespace

double Json::as_double() const {
  if (is_int()) return static_cast<double>(as_int());
  return std::get<double>(v_);
}

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const Member& m : as_object()) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

void Json::set(std::string key, Json value) {
  Object& members = as_object();
  for (Member& m : members) {
    if (m.first == key) {
      m.second = std::move(value);
      return;
    }
  }
  members.emplace_back(std::move(key), std::move(value));
}

const char* json_type_name(Json::Type type) {
  switch (type) {
    case Json::Type::kNull:
      return "null";
    case Json::Type::kBool:
      return "boolean";
    case Json::Type::kInt:
      return "integer";
    case Json::Type::kDouble:
      return "real";
    case Json::Type::kString:
      return "string";
    case Json::Type::kArray:
      return "array";
    case Json::Type::kObject:
      return "object";
  }
  return "unknown";
}

void json_quote(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        *out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
        i++;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    i++;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void Json::dump_to(std::string* out) const {
  switch (type()) {
    case Type::kNull:
      *out += "null";
      break;
    case Type::kBool:
      *out += as_bool() ? "true" : "false";
      break;
    case Type::kInt:
      *out += std::to_string(as_int());
      break;
    case Type::kDouble:
      dump_double(std::get<double>(v_), out);
      break;
    case Type::kString:
      json_quote(as_string(), out);
      break;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Json& e : as_array()) {
        if (!first) out->push_back(',');
        first = false;
        e.dump_to(out);
      }
      out->push_back(']');
      break;
    }
    case Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const Member& m : as_object()) {
        if (!first) out->push_back(',');
        first = false;
        json_quote(m.first, out);
        out->push_back(':');
        m.second.dump_to(out);
      }
      out->push_back('}');
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  dump_to(&out);
  return out;
}

}  // namespace ferry::rpc
