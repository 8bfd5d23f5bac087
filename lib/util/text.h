// Small string helpers shared by the control plane (never the hot path).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

// Splits s at any of the characters in seps; keeps empty fields.
std::vector<std::string> split(std::string_view s, std::string_view seps);
std::string_view trim(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// Whole-string numeric parses; nullopt on any junk, sign or overflow.
std::optional<uint64_t> parse_u64(std::string_view s, int base = 10);
std::optional<int64_t> parse_i64(std::string_view s);
// "0x..." is hexadecimal, anything else decimal.
std::optional<uint64_t> parse_number(std::string_view s);

std::string strprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Hex dump "0011aabb" of bytes.
std::string hex(const void* data, size_t len);

}  // namespace ferry
