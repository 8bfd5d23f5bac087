#include "offload/policy.h"

#include <cstdlib>
#include <sstream>

#include "lib/util/text.h"

namespace ferry {

namespace {

bool parse_number(const std::string& v, double* out) {
  if (v.empty()) return false;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (*end || d < 0) return false;
  *out = d;
  return true;
}

}  // namespace

const char* OffloadPolicy::kind_name() const {
  switch (kind) {
    case PolicyKind::kNever:
      return "never";
    case PolicyKind::kAlways:
      return "always";
    case PolicyKind::kThreshold:
      return "threshold";
    case PolicyKind::kFirstPacket:
      return "first-packet";
  }
  return "?";
}

Result<OffloadPolicy> OffloadPolicy::parse(const std::string& text) {
  OffloadPolicy p;
  std::stringstream in(text);
  std::string part;
  bool first = true;
  bool saw_pps = false, saw_bps = false;
  while (std::getline(in, part, ',')) {
    if (first) {
      first = false;
      if (part == "never") {
        p.kind = PolicyKind::kNever;
      } else if (part == "always") {
        p.kind = PolicyKind::kAlways;
      } else if (part == "threshold") {
        p.kind = PolicyKind::kThreshold;
      } else if (part == "first-packet") {
        p.kind = PolicyKind::kFirstPacket;
      } else {
        return make_error("unknown offload policy \"" + part +
                          "\" (expected threshold, first-packet, always or never)");
      }
      continue;
    }
    size_t eq = part.find('=');
    std::string k = part.substr(0, eq);
    std::string v = eq == std::string::npos ? "" : part.substr(eq + 1);
    double d = 0;
    if (!parse_number(v, &d))
      return make_error("\"" + part + "\": expected " + k + "=<non-negative number>");
    bool threshold_key = k == "up-pps" || k == "down-pps" || k == "up-bps" || k == "down-bps" ||
                         k == "up-ms" || k == "down-ms";
    if (threshold_key && p.kind != PolicyKind::kThreshold)
      return make_error("\"" + k + "\" applies to the threshold policy only");
    if (k == "idle-ms" && p.kind == PolicyKind::kNever)
      return make_error("\"idle-ms\" does not apply to never");
    if (k == "up-pps" || k == "up-bps")
      p.up = d;
    else if (k == "down-pps" || k == "down-bps")
      p.down = d;
    else if (k == "up-ms")
      p.up_ms = static_cast<int64_t>(d);
    else if (k == "down-ms")
      p.down_ms = static_cast<int64_t>(d);
    else if (k == "idle-ms")
      p.idle_ms = static_cast<int64_t>(d);
    else
      return make_error("unknown offload policy option \"" + k + "\"");
    if (k.find("-pps") != std::string::npos) saw_pps = true;
    if (k.find("-bps") != std::string::npos) saw_bps = true;
  }
  if (first) return make_error("empty offload policy");
  if (saw_pps && saw_bps) return make_error("mixes pps and bps thresholds");
  p.bits = saw_bps;
  if (p.kind == PolicyKind::kThreshold && p.down > p.up)
    return make_error(strprintf("down (%g) must not exceed up (%g)", p.down, p.up));
  return p;
}

std::string OffloadPolicy::to_string() const {
  switch (kind) {
    case PolicyKind::kThreshold: {
      const char* u = bits ? "bps" : "pps";
      return strprintf("threshold,up-%s=%g,up-ms=%lld,down-%s=%g,down-ms=%lld", u, up,
                       static_cast<long long>(up_ms), u, down, static_cast<long long>(down_ms));
    }
    case PolicyKind::kFirstPacket:
    case PolicyKind::kAlways:
      return strprintf("%s,idle-ms=%lld", kind_name(), static_cast<long long>(idle_ms));
    case PolicyKind::kNever:
      return "never";
  }
  return "?";
}

void FlowRate::observe(const FlowObservation& o, bool bits) {
  if (!primed_) {
    primed_ = true;
    packets_ = o.packets;
    bytes_ = o.bytes;
    at_ms_ = o.now_ms;
    last_hit_ms_ = o.now_ms;
    return;
  }
  if (o.now_ms <= at_ms_) return;
  if (o.packets != packets_) last_hit_ms_ = o.now_ms;
  double dt = static_cast<double>(o.now_ms - at_ms_) / 1000.0;
  double units = bits ? static_cast<double>(o.bytes - bytes_) * 8.0
                      : static_cast<double>(o.packets - packets_);
  rate_ = units / dt;
  packets_ = o.packets;
  bytes_ = o.bytes;
  at_ms_ = o.now_ms;
}

Decision decide(const OffloadPolicy& p, Pin pin, FlowRate& r, const FlowObservation& o) {
  if (pin == Pin::kHw) return o.in_hw ? Decision::kStay : Decision::kToHw;
  if (pin == Pin::kSw) return o.in_hw ? Decision::kToSw : Decision::kStay;
  switch (p.kind) {
    case PolicyKind::kNever:
      return o.in_hw ? Decision::kToSw : Decision::kStay;
    case PolicyKind::kAlways:
    case PolicyKind::kFirstPacket:
      if (!o.in_hw) return o.packets > 0 ? Decision::kToHw : Decision::kStay;
      return o.now_ms - r.last_hit_ms() >= p.idle_ms ? Decision::kToSw : Decision::kStay;
    case PolicyKind::kThreshold: {
      double rate = r.rate();
      if (!o.in_hw) {
        r.below_since_ms = -1;
        if (rate < p.up) {
          r.above_since_ms = -1;
          return Decision::kStay;
        }
        if (r.above_since_ms < 0) r.above_since_ms = o.now_ms;
        return o.now_ms - r.above_since_ms >= p.up_ms ? Decision::kToHw : Decision::kStay;
      }
      r.above_since_ms = -1;
      if (rate >= p.down) {
        r.below_since_ms = -1;
        return Decision::kStay;
      }
      if (r.below_since_ms < 0) r.below_since_ms = o.now_ms;
      return o.now_ms - r.below_since_ms >= p.down_ms ? Decision::kToSw : Decision::kStay;
    }
  }
  return Decision::kStay;
}

}  // namespace ferry
