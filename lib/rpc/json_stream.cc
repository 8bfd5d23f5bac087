#include "lib/rpc/json_stream.h"

#include <cstdio>

namespace ferry::rpc {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Index just past the closing quote of the string starting at s[i] (a
// quote), or npos if it is not complete.
size_t string_end(std::string_view s, size_t i) {
  for (size_t k = i + 1; k < s.size(); k++) {
    if (s[k] == '\\') {
      k++;
    } else if (s[k] == '"') {
      return k + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

JsonStreamSplitter::Status JsonStreamSplitter::scan() {
  if (failed_ != Status::kNeedMore) return failed_;
  if (complete_) return Status::kValue;
  while (pos_ < buf_.size()) {
    char c = buf_[pos_];
    if (depth_ == 0) {
      if (is_space(c)) {
        start_ = ++pos_;
        continue;
      }
      if (c != '{' && c != '[') {
        char text[96];
        std::snprintf(text, sizeof text,
                      "byte 0x%02x cannot start a JSON-RPC message (expecting '{')",
                      static_cast<unsigned char>(c));
        error_ = text;
        return failed_ = Status::kError;
      }
      start_ = pos_;
      depth_ = 1;
    } else if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      depth_++;
    } else if ((c == '}' || c == ']') && --depth_ == 0) {
      pos_++;
      if (pos_ - start_ > max_) return failed_ = Status::kTooLarge;
      complete_ = true;
      return Status::kValue;
    }
    pos_++;
    if (pos_ - start_ > max_) return failed_ = Status::kTooLarge;
  }
  compact();
  return Status::kNeedMore;
}

void JsonStreamSplitter::compact() {
  if (start_ > 0 && (start_ == buf_.size() || start_ >= 65536)) {
    buf_.erase(0, start_);
    pos_ -= start_;
    start_ = 0;
  }
}

JsonStreamSplitter::Status JsonStreamSplitter::next(std::string* value) {
  Status s = scan();
  if (s != Status::kValue) return s;
  value->assign(buf_, start_, pos_ - start_);
  start_ = pos_;
  complete_ = false;
  compact();
  return Status::kValue;
}

bool JsonStreamSplitter::ready() { return scan() == Status::kValue; }

std::string_view JsonStreamSplitter::partial() const {
  if (depth_ == 0 && !complete_ && failed_ != Status::kTooLarge) return {};
  std::string_view all(buf_);
  return all.substr(start_, pos_ - start_);
}

std::optional<Json> recover_request_id(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_space(s[i])) i++;
  if (i >= s.size() || s[i] != '{') return std::nullopt;
  i++;
  int depth = 1;
  bool expect_key = true;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      size_t end = string_end(s, i);
      if (end == std::string_view::npos) return std::nullopt;
      if (depth != 1 || !expect_key) {
        i = end;
        continue;
      }
      Result<Json> key = parse_json(s.substr(i, end - i));
      expect_key = false;
      i = end;
      while (i < s.size() && is_space(s[i])) i++;
      if (i >= s.size() || s[i] != ':') return std::nullopt;
      i++;
      while (i < s.size() && is_space(s[i])) i++;
      if (!key.ok() || key->as_string() != "id") continue;
      if (i >= s.size()) return std::nullopt;
      size_t vend = i;
      if (s[i] == '"') {
        vend = string_end(s, i);
        if (vend == std::string_view::npos) return std::nullopt;
      } else {
        while (vend < s.size() && !is_space(s[vend]) && s[vend] != ',' && s[vend] != '}' &&
               s[vend] != ']')
          vend++;
        if (vend >= s.size()) return std::nullopt;  // a number may be cut short
      }
      Result<Json> id = parse_json(s.substr(i, vend - i));
      if (!id.ok() || id->is_null() || id->is_array() || id->is_object()) return std::nullopt;
      return std::move(id).value();
    }
    if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) break;
    } else if (c == ',' && depth == 1) {
      expect_key = true;
    }
    i++;
  }
  return std::nullopt;
}

}  // namespace ferry::rpc
