// The JSON parser: recursive descent over a complete text, bounded depth.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "lib/rpc/json.h"

namespace ferry::rpc {

namespace {

class Parser {
 public:
  Parser(std::string_view text, const JsonParseOptions& options)
      : s_(text), max_depth_(options.max_depth) {}

  Result<Json> parse() {
    skip_space();
    if (pos_ >= s_.size()) return fail("empty input");
    Json value;
    if (!parse_value(&value, 0)) return error();
    skip_space();
    if (pos_ < s_.size()) return fail("trailing garbage at end of input");
    return value;
  }

 private:
  // Records the first error at the current position; returns false.
  bool set_error(const std::string& what) {
    if (error_.empty()) {
      int line = 1, column = 1;
      for (size_t i = 0; i < pos_ && i < s_.size(); i++) {
        if (s_[i] == '\n') {
          line++;
          column = 1;
        } else {
          column++;
        }
      }
      char prefix[96];
      std::snprintf(prefix, sizeof prefix, "line %d, column %d, byte %zu: ", line, column, pos_);
      error_ = prefix + what;
    }
    return false;
  }
  Error error() const { return make_error(error_); }
  Error fail(const std::string& what) {
    set_error(what);
    return error();
  }

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      pos_++;
  }
  bool at_end() const { return pos_ >= s_.size(); }

  bool parse_value(Json* out, int depth) {
    skip_space();
    if (at_end()) return set_error("unexpected end of input");
    char c = s_[pos_];
    switch (c) {
      case '{':
        return parse_object(out, depth + 1);
      case '[':
        return parse_array(out, depth + 1);
      case '"': {
        std::string str;
        if (!parse_string(&str)) return false;
        *out = Json(std::move(str));
        return true;
      }
      case 't':
      case 'f':
      case 'n':
        return parse_keyword(out);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
        if (c == ']' || c == '}' || c == ',' || c == ':')
          return set_error("syntax error expecting value");
        if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f)
          return set_error(std::string("invalid character '") + c + "'");
        char buf[48];
        std::snprintf(buf, sizeof buf, "invalid byte 0x%02x", static_cast<unsigned char>(c));
        return set_error(buf);
    }
  }

  bool enter(int depth) {
    if (depth > max_depth_)
      return set_error("input exceeds maximum nesting depth " + std::to_string(max_depth_));
    return true;
  }

  bool parse_object(Json* out, int depth) {
    if (!enter(depth)) return false;
    pos_++;  // '{'
    Json::Object members;
    skip_space();
    if (!at_end() && s_[pos_] == '}') {
      pos_++;
      *out = Json(std::move(members));
      return true;
    }
    for (;;) {
      skip_space();
      if (at_end()) return set_error("unexpected end of input");
      if (s_[pos_] != '"') return set_error("syntax error parsing object expecting string");
      size_t key_pos = pos_;
      std::string key;
      if (!parse_string(&key)) return false;
      for (const Json::Member& m : members) {
        if (m.first == key) {
          pos_ = key_pos;
          return set_error("duplicate object member \"" + key + "\"");
        }
      }
      skip_space();
      if (at_end()) return set_error("unexpected end of input");
      if (s_[pos_] != ':') return set_error("syntax error parsing object expecting ':'");
      pos_++;
      Json value;
      if (!parse_value(&value, depth)) return false;
      members.emplace_back(std::move(key), std::move(value));
      skip_space();
      if (at_end()) return set_error("unexpected end of input");
      if (s_[pos_] == '}') {
        pos_++;
        *out = Json(std::move(members));
        return true;
      }
      if (s_[pos_] != ',') return set_error("syntax error expecting '}' or ','");
      pos_++;
    }
  }

  bool parse_array(Json* out, int depth) {
    if (!enter(depth)) return false;
    pos_++;  // '['
    Json::Array elems;
    skip_space();
    if (!at_end() && s_[pos_] == ']') {
      pos_++;
      *out = Json(std::move(elems));
      return true;
    }
    for (;;) {
      Json value;
      if (!parse_value(&value, depth)) return false;
      elems.push_back(std::move(value));
      skip_space();
      if (at_end()) return set_error("unexpected end of input");
      if (s_[pos_] == ']') {
        pos_++;
        *out = Json(std::move(elems));
        return true;
      }
      if (s_[pos_] != ',') return set_error("syntax error expecting ']' or ','");
      pos_++;
    }
  }

  bool parse_keyword(Json* out) {
    size_t end = pos_;
    while (end < s_.size() && s_[end] >= 'a' && s_[end] <= 'z') end++;
    std::string_view word = s_.substr(pos_, end - pos_);
    if (word == "true") {
      *out = Json(true);
    } else if (word == "false") {
      *out = Json(false);
    } else if (word == "null") {
      *out = Json();
    } else {
      return set_error("invalid keyword '" + std::string(word) + "'");
    }
    pos_ = end;
    return true;
  }

  bool digit(size_t i) const { return i < s_.size() && s_[i] >= '0' && s_[i] <= '9'; }

  bool parse_number(Json* out) {
    size_t start = pos_, i = pos_;
    bool integer = true;
    if (s_[i] == '-') {
      i++;
      if (!digit(i)) return set_error("'-' must be followed by digit");
    }
    if (s_[i] == '0' && digit(i + 1)) return set_error("leading zeros not allowed");
    while (digit(i)) i++;
    if (i < s_.size() && s_[i] == '.') {
      integer = false;
      i++;
      if (!digit(i)) return set_error("decimal point must be followed by digit");
      while (digit(i)) i++;
    }
    if (i < s_.size() && (s_[i] == 'e' || s_[i] == 'E')) {
      integer = false;
      i++;
      if (i < s_.size() && (s_[i] == '+' || s_[i] == '-')) i++;
      if (!digit(i)) return set_error("exponent must contain at least one digit");
      while (digit(i)) i++;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i;
    if (integer) {
      int64_t v;
      auto r = std::from_chars(first, last, v);
      if (r.ec == std::errc() && r.ptr == last) {
        *out = Json(v);
        pos_ = i;
        return true;
      }
      // Too large for 64 bits: read it as a real number.
    }
    double d;
    auto r = std::from_chars(first, last, d);
    if (r.ec != std::errc() || r.ptr != last || !std::isfinite(d))
      return set_error("number outside valid range");
    *out = Json(d);
    pos_ = i;
    return true;
  }

  // Four hex digits at s_[i..i+4), or -1.
  int hex4(size_t i) const {
    if (i + 4 > s_.size()) return -1;
    int v = 0;
    for (size_t k = i; k < i + 4; k++) {
      char c = s_[k];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }

  static void put_utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  bool parse_escape(std::string* out) {
    // s_[pos_] is the backslash.
    if (pos_ + 1 >= s_.size()) return set_error("unexpected end of input in quoted string");
    char e = s_[pos_ + 1];
    const char* simple = nullptr;
    switch (e) {
      case '"':
        simple = "\"";
        break;
      case '\\':
        simple = "\\";
        break;
      case '/':
        simple = "/";
        break;
      case 'b':
        simple = "\b";
        break;
      case 'f':
        simple = "\f";
        break;
      case 'n':
        simple = "\n";
        break;
      case 'r':
        simple = "\r";
        break;
      case 't':
        simple = "\t";
        break;
      case 'u':
        break;
      default:
        return set_error(std::string("invalid escape '\\") + e + "'");
    }
    if (simple) {
      *out += simple;
      pos_ += 2;
      return true;
    }
    int cp = hex4(pos_ + 2);
    if (cp < 0) return set_error("malformed \\u escape");
    if (cp == 0) return set_error("\\u0000 not supported in quoted string");
    if (cp >= 0xdc00 && cp <= 0xdfff) return set_error("invalid UTF-16 surrogate pair");
    if (cp >= 0xd800 && cp <= 0xdbff) {
      size_t low_at = pos_ + 6;
      int low = (low_at + 1 < s_.size() && s_[low_at] == '\\' && s_[low_at + 1] == 'u')
                    ? hex4(low_at + 2)
                    : -1;
      if (low < 0xdc00 || low > 0xdfff) return set_error("invalid UTF-16 surrogate pair");
      put_utf8(0x10000 + ((static_cast<uint32_t>(cp) - 0xd800) << 10) +
                   (static_cast<uint32_t>(low) - 0xdc00),
               out);
      pos_ += 12;
      return true;
    }
    put_utf8(static_cast<uint32_t>(cp), out);
    pos_ += 6;
    return true;
  }

  bool parse_string(std::string* out) {
    pos_++;  // opening quote
    for (;;) {
      if (at_end()) return set_error("unexpected end of input in quoted string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        pos_++;
        return true;
      }
      if (c == '\\') {
        if (!parse_escape(out)) return false;
        continue;
      }
      if (c < 0x20) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "U+%04X must be escaped in quoted string", c);
        return set_error(buf);
      }
      if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        pos_++;
        continue;
      }
      size_t n = utf8_sequence_length(s_, pos_);
      if (n == 0) return set_error("invalid UTF-8 sequence in quoted string");
      out->append(s_.data() + pos_, n);
      pos_ += n;
    }
  }

  std::string_view s_;
  int max_depth_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

Result<Json> parse_json(std::string_view text, const JsonParseOptions& options) {
  return Parser(text, options).parse();
}

}  // namespace ferry::rpc
