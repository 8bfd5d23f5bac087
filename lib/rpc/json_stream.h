// Framing for JSON-RPC over a stream socket (the unixctl framing of Open
// vSwitch): messages are JSON objects (or arrays) sent back to back with
// optional whitespace between them and no length prefix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/rpc/json.h"

namespace ferry::rpc {

// Finds complete top-level values in a byte stream without parsing them:
// it tracks strings, escapes and bracket depth, so the cost is linear in the
// bytes received however they are split. After kError or kTooLarge the
// stream cannot be resynchronised and every later next() repeats it.
class JsonStreamSplitter {
 public:
  enum class Status {
    kNeedMore,  // no complete value buffered
    kValue,     // one complete value returned
    kError,     // bytes between values that cannot start one (error())
    kTooLarge,  // the current value exceeds max_value_bytes (partial() holds its start)
  };

  explicit JsonStreamSplitter(size_t max_value_bytes = SIZE_MAX) : max_(max_value_bytes) {}

  void feed(std::string_view bytes) { buf_.append(bytes); }
  // Extracts the next complete value into *value.
  Status next(std::string* value);
  // True if next() would return kValue now.
  bool ready();

  // The start of the value being received; empty between values.
  std::string_view partial() const;
  // Bytes buffered and not yet returned (whitespace included).
  size_t buffered() const { return buf_.size() - start_; }
  const std::string& error() const { return error_; }

 private:
  Status scan();
  void compact();

  size_t max_;
  std::string buf_;
  size_t start_ = 0;  // first byte not yet returned
  size_t pos_ = 0;    // next byte to scan
  int depth_ = 0;     // 0: between values
  bool in_string_ = false;
  bool escape_ = false;
  bool complete_ = false;  // [start_, pos_) is a complete value
  Status failed_ = Status::kNeedMore;
  std::string error_;
};

// Best-effort recovery of the "id" of a JSON-RPC request that is malformed
// or truncated: the scalar (string, number or boolean) value of an "id"
// member of the top-level object, if one is complete in text.
std::optional<Json> recover_request_id(std::string_view text);

}  // namespace ferry::rpc
