#include "tools/ferry-pktgen/spec_syntax.h"

#include "lib/util/text.h"

namespace ferry::pktgen {

namespace {

Result<SpecItem> parse_item(std::string_view text) {
  SpecItem item;
  size_t open = text.find('(');
  item.name = std::string(trim(text.substr(0, open)));
  if (item.name.empty()) return make_error("empty item in frame spec");
  if (open == std::string_view::npos) return item;
  if (text.back() != ')') return make_error("\"" + std::string(text) + "\": missing ')'");
  std::string_view inner = trim(text.substr(open + 1, text.size() - open - 2));
  if (inner.empty()) return item;
  for (const std::string& raw : split(inner, ",")) {
    std::string_view arg = trim(raw);
    if (arg.empty()) return make_error(item.name + "(): empty argument");
    size_t eq = arg.find('=');
    std::string key(trim(arg.substr(0, eq)));
    if (key.empty()) return make_error(item.name + "(): argument without a name");
    std::optional<std::string> value;
    if (eq != std::string_view::npos) value = std::string(trim(arg.substr(eq + 1)));
    for (const auto& a : item.args) {
      if (a.first == key) return make_error(item.name + "(): " + key + " given twice");
    }
    item.args.emplace_back(std::move(key), std::move(value));
  }
  return item;
}

}  // namespace

Result<std::vector<SpecItem>> parse_spec_items(std::string_view text) {
  std::vector<SpecItem> items;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); i++) {
    char c = i < text.size() ? text[i] : ',';
    if (c == '(') {
      if (++depth > 1) return make_error("nested '(' in frame spec");
    } else if (c == ')') {
      if (--depth < 0) return make_error("unbalanced ')' in frame spec");
    } else if (c == ',' && depth == 0) {
      auto item = parse_item(trim(text.substr(start, i - start)));
      if (!item) return item.error();
      items.push_back(std::move(*item));
      start = i + 1;
    }
  }
  if (depth != 0) return make_error("unbalanced '(' in frame spec");
  return items;
}

Result<std::vector<uint8_t>> parse_hex_bytes(std::string_view text) {
  std::vector<uint8_t> out;
  int pending = -1;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
      d = (c | 0x20) - 'a' + 10;
    } else if ((c == ':' || c == ' ' || c == '-') && pending < 0) {
      continue;
    } else {
      return make_error(strprintf("bad hex character '%c'", c));
    }
    if (pending < 0) {
      pending = d;
    } else {
      out.push_back(static_cast<uint8_t>(pending << 4 | d));
      pending = -1;
    }
  }
  if (pending >= 0) return make_error("odd number of hex digits");
  return out;
}

ItemReader::ItemReader(const SpecItem& item) : item_(item), used_(item.args.size(), false) {}

const std::pair<std::string, std::optional<std::string>>* ItemReader::find(std::string_view key) {
  for (size_t i = 0; i < item_.args.size(); i++) {
    if (item_.args[i].first == key) {
      used_[i] = true;
      return &item_.args[i];
    }
  }
  return nullptr;
}

void ItemReader::fail(std::string message) {
  if (!error_) error_ = make_error(item_.name + "(): " + message);
}

std::optional<std::string> ItemReader::value(std::string_view key, bool required) {
  auto* a = find(key);
  if (!a) {
    if (required) fail("missing " + std::string(key) + "=");
    return std::nullopt;
  }
  if (!a->second) {
    fail(std::string(key) + " needs a value");
    return std::nullopt;
  }
  return a->second;
}

bool ItemReader::has(std::string_view key) {
  for (const auto& a : item_.args) {
    if (a.first == key) return true;
  }
  return false;
}

bool ItemReader::flag(std::string_view key) {
  auto* a = find(key);
  if (!a) return false;
  if (!a->second || *a->second == "1") return true;
  if (*a->second != "0") fail(std::string(key) + " must be 0 or 1");
  return false;
}

std::optional<std::string> ItemReader::text(std::string_view key) { return value(key, false); }

std::optional<uint64_t> ItemReader::opt_number(std::string_view key, uint64_t max) {
  auto v = value(key, false);
  if (!v) return std::nullopt;
  auto n = parse_number(*v);
  if (!n || *n > max) {
    fail(strprintf("%.*s=%s: expected a number up to %llu", static_cast<int>(key.size()),
                   key.data(), v->c_str(), static_cast<unsigned long long>(max)));
    return std::nullopt;
  }
  return n;
}

uint64_t ItemReader::number(std::string_view key, uint64_t max, uint64_t dflt) {
  return opt_number(key, max).value_or(dflt);
}

Mac ItemReader::mac_or(std::string_view key, const Mac& dflt) {
  auto v = value(key, false);
  if (!v) return dflt;
  auto m = parse_mac(*v);
  if (!m) fail(std::string(key) + "=" + *v + ": not a MAC address");
  return m.value_or(Mac{});
}

Mac ItemReader::mac(std::string_view key) {
  if (!has(key)) fail("missing " + std::string(key) + "=");
  return mac_or(key, Mac{});
}

uint32_t ItemReader::ipv4(std::string_view key) {
  auto v = value(key, true);
  if (!v) return 0;
  auto a = parse_ipv4(*v);
  if (!a) fail(std::string(key) + "=" + *v + ": not an IPv4 address");
  return a.value_or(0);
}

Ipv6Addr ItemReader::ipv6(std::string_view key) {
  auto v = value(key, true);
  if (!v) return {};
  auto a = parse_ipv6(*v);
  if (!a) fail(std::string(key) + "=" + *v + ": not an IPv6 address");
  return a.value_or(Ipv6Addr{});
}

Status ItemReader::finish() const {
  if (error_) return *error_;
  for (size_t i = 0; i < used_.size(); i++) {
    if (!used_[i]) return make_error(item_.name + "(): unknown key " + item_.args[i].first);
  }
  return {};
}

}  // namespace ferry::pktgen
