// Command-line options of one subcommand: "--name value", "--name=value"
// or a bare "--flag", checked against the subcommand's table. Unknown or
// repeated options and positional arguments are errors.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace ferry::pktgen {

struct OptionSpec {
  std::string_view name;  // without the leading "--"
  bool takes_value;
};

class Options {
 public:
  static Result<Options> parse(const std::vector<std::string>& args,
                               std::span<const OptionSpec> specs);

  bool has(std::string_view name) const { return values_.count(name) > 0; }
  // The value, or "" when absent.
  const std::string& get(std::string_view name) const;

  // Reads a number ("0x.." is hex) into *out when the option is present and
  // min <= value <= max; leaves *out alone when absent.
  Status read_u64(std::string_view name, uint64_t* out, uint64_t min = 0,
                  uint64_t max = UINT64_MAX) const;
  // Fails when the option is absent.
  Status require(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace ferry::pktgen
