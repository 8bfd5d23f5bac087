#include "tools/ferry-pktgen/options.h"

#include "lib/util/text.h"

namespace ferry::pktgen {

Result<Options> Options::parse(const std::vector<std::string>& args,
                               std::span<const OptionSpec> specs) {
  Options o;
  for (size_t i = 0; i < args.size(); i++) {
    std::string_view arg = args[i];
    if (arg.substr(0, 2) != "--" || arg.size() == 2) {
      return make_error("unexpected argument \"" + args[i] + "\"");
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (!spec) return make_error("unknown option --" + std::string(name));
    if (o.has(name)) return make_error("option --" + std::string(name) + " given twice");
    if (spec->takes_value && !value) {
      if (i + 1 >= args.size())
        return make_error("option --" + std::string(name) + " needs a value");
      value = args[++i];
    } else if (!spec->takes_value && value) {
      return make_error("option --" + std::string(name) + " takes no value");
    }
    o.values_.emplace(std::string(name), value.value_or(""));
  }
  return o;
}

const std::string& Options::get(std::string_view name) const {
  static const std::string kEmpty;
  auto it = values_.find(name);
  return it == values_.end() ? kEmpty : it->second;
}

Status Options::read_u64(std::string_view name, uint64_t* out, uint64_t min, uint64_t max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  auto v = parse_number(it->second);
  if (!v) return make_error("--" + std::string(name) + ": not a number: \"" + it->second + "\"");
  if (*v < min || *v > max) {
    return make_error(
        strprintf("--%.*s: %llu is out of range [%llu, %llu]", static_cast<int>(name.size()),
                  name.data(), static_cast<unsigned long long>(*v),
                  static_cast<unsigned long long>(min), static_cast<unsigned long long>(max)));
  }
  *out = *v;
  return {};
}

Status Options::require(std::string_view name) const {
  if (!has(name)) return make_error("missing --" + std::string(name));
  return {};
}

}  // namespace ferry::pktgen
