// VlanConfig: Port.tag/trunks/vlan_mode as ovs-vswitchd interprets them
// (vswitchd/bridge.c port_configure, ofproto-dpif.c bundle_set) and the
// per-port decisions of NORMAL (ofproto-dpif-xlate.c input_vid_is_valid,
// xbundle_includes_vlan, xvlan_output_translate).
#include "datapath/vlan_config.h"

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "lib/packet/flow_key.h"

namespace ferry {
namespace {

// The host-order TCI of a frame as the parser reports it (kVlanCfi set when
// the frame carries a tag).
constexpr uint16_t kUntagged = 0;
constexpr uint16_t tagged(uint16_t vid, uint16_t pcp = 0) {
  return static_cast<uint16_t>(kVlanCfi | (pcp << kVlanPcpShift) | vid);
}

VlanConfig cfg(std::optional<int64_t> tag, std::vector<int64_t> trunks, const std::string& mode,
               std::string* warning) {
  warning->clear();
  return VlanConfig::from_columns(tag, trunks, mode, warning);
}

}  // namespace

TEST_CASE("no vlan_mode and no tag: a trunk of every VLAN", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(std::nullopt, {}, "", &w);
  CHECK(w.empty());
  CHECK(c.mode == VlanMode::kTrunk);
  CHECK(c.all_trunks);
  CHECK(c.tag == 0);
  CHECK(c.to_string() == "trunk trunks=all");
  for (uint16_t vid : {0, 1, 10, 4094, 4095}) CHECK(c.includes(vid));
  CHECK(c.input_vlan(kUntagged) == 0);
  CHECK(c.input_vlan(tagged(10)) == 10);
  CHECK(c.input_vlan(tagged(4094, 7)) == 4094);
  CHECK(c.input_vlan(tagged(0, 5)) == 0);  // priority tag: VLAN 0
  CHECK_FALSE(c.output_tagged(0));
  CHECK(c.output_tagged(10));
}

TEST_CASE("no vlan_mode, no tag, trunks: a trunk of those VLANs only", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(std::nullopt, {20, 10}, "", &w);
  CHECK(w.empty());
  CHECK(c.mode == VlanMode::kTrunk);
  CHECK_FALSE(c.all_trunks);
  CHECK(c.trunks.count() == 2);
  CHECK(c.to_string() == "trunk trunks=10,20");
  CHECK(c.includes(10));
  CHECK(c.includes(20));
  CHECK_FALSE(c.includes(0));
  CHECK_FALSE(c.includes(30));
  // OVS: an untagged frame is VLAN 0, not trunked here, dropped.
  CHECK(c.input_vlan(kUntagged) == std::nullopt);
  CHECK(c.input_vlan(tagged(10)) == 10);
  CHECK(c.input_vlan(tagged(20, 3)) == 20);
  CHECK(c.input_vlan(tagged(30)) == std::nullopt);
  CHECK(c.output_tagged(10));
}

TEST_CASE("no vlan_mode with a tag: an access port, trunks ignored", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(10, {}, "", &w);
  CHECK(w.empty());
  CHECK(c.mode == VlanMode::kAccess);
  CHECK(c.tag == 10);
  CHECK(c.to_string() == "access tag=10");
  CHECK(c.includes(10));
  CHECK_FALSE(c.includes(0));
  CHECK_FALSE(c.includes(20));
  CHECK(c.input_vlan(kUntagged) == 10);
  CHECK(c.input_vlan(tagged(0, 6)) == 10);  // priority-tagged: still untagged for OVS
  CHECK(c.input_vlan(tagged(10)) == std::nullopt);
  CHECK(c.input_vlan(tagged(20)) == std::nullopt);
  CHECK_FALSE(c.output_tagged(10));

  // bridge.c: "ignoring trunks in favor of implicit vlan".
  VlanConfig t = cfg(10, {20, 30}, "", &w);
  CHECK(t.mode == VlanMode::kAccess);
  CHECK(t.tag == 10);
  CHECK(t.trunks.none());
  CHECK_FALSE(t.all_trunks);
  CHECK_FALSE(t.includes(20));
  CHECK(t.input_vlan(tagged(20)) == std::nullopt);
  CHECK(t == c);
}

TEST_CASE("tag 0 is a valid access VLAN", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(0, {}, "", &w);
  CHECK(w.empty());
  CHECK(c.mode == VlanMode::kAccess);
  CHECK(c.tag == 0);
  CHECK(c.includes(0));
  CHECK_FALSE(c.includes(1));
  CHECK(c.input_vlan(kUntagged) == 0);
  CHECK(c.input_vlan(tagged(1)) == std::nullopt);
}

TEST_CASE("an out-of-range tag is ignored as OVS does", "[vlan]") {
  std::string w;
  for (int64_t bad : {int64_t{4096}, int64_t{-1}, int64_t{100000}}) {
    VlanConfig c = cfg(bad, {}, "", &w);
    CHECK(w == "ignoring invalid tag " + std::to_string(bad));
    CHECK(c.mode == VlanMode::kTrunk);  // s.vlan = -1: no implicit access VLAN
    CHECK(c.all_trunks);
    CHECK(c.tag == 0);
  }
  // With vlan_mode=access the port is in VLAN 0 (ofproto-dpif.c bundle_set).
  VlanConfig a = cfg(5000, {}, "access", &w);
  CHECK(w == "ignoring invalid tag 5000");
  CHECK(a.mode == VlanMode::kAccess);
  CHECK(a.tag == 0);
  CHECK(a.input_vlan(kUntagged) == 0);
}

TEST_CASE("out-of-range trunks are ignored; none valid means all", "[vlan]") {
  std::string w;
  VlanConfig only_bad = cfg(std::nullopt, {5000}, "", &w);
  CHECK(w == "ignoring invalid trunk 5000");
  CHECK(only_bad.mode == VlanMode::kTrunk);
  CHECK(only_bad.all_trunks);  // vlan_bitmap_from_array returns NULL
  CHECK(only_bad.includes(77));

  VlanConfig mixed = cfg(std::nullopt, {-3, 10, 4096}, "", &w);
  CHECK(w == "ignoring invalid trunk -3");  // the first problem is reported
  CHECK_FALSE(mixed.all_trunks);
  CHECK(mixed.trunks.count() == 1);
  CHECK(mixed.includes(10));
  CHECK_FALSE(mixed.includes(0));

  VlanConfig dup = cfg(std::nullopt, {10, 10, 4095, 0}, "", &w);
  CHECK(w.empty());
  CHECK(dup.trunks.count() == 3);
  CHECK(dup.includes(0));
  CHECK(dup.includes(4095));
  CHECK(dup.input_vlan(kUntagged) == 0);
}

TEST_CASE("vlan_mode=access without a tag is VLAN 0", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(std::nullopt, {10, 20}, "access", &w);
  CHECK(w.empty());
  CHECK(c.mode == VlanMode::kAccess);
  CHECK(c.tag == 0);
  CHECK(c.trunks.none());
  CHECK_FALSE(c.all_trunks);
  CHECK(c.to_string() == "access tag=0");
  CHECK(c.includes(0));
  CHECK_FALSE(c.includes(10));
  CHECK(c.input_vlan(kUntagged) == 0);
  CHECK(c.input_vlan(tagged(10)) == std::nullopt);
  CHECK_FALSE(c.output_tagged(0));
}

TEST_CASE("vlan_mode=access with a tag ignores trunks", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(30, {10, 20}, "access", &w);
  CHECK(w.empty());
  CHECK(c.mode == VlanMode::kAccess);
  CHECK(c.tag == 30);
  CHECK(c.includes(30));
  CHECK_FALSE(c.includes(10));
  CHECK(c.input_vlan(kUntagged) == 30);
  CHECK(c.input_vlan(tagged(30)) == std::nullopt);
  CHECK_FALSE(c.output_tagged(30));
}

TEST_CASE("vlan_mode=trunk ignores the tag", "[vlan]") {
  std::string w;
  VlanConfig all = cfg(10, {}, "trunk", &w);
  CHECK(w.empty());
  CHECK(all.mode == VlanMode::kTrunk);
  CHECK(all.tag == 0);
  CHECK(all.all_trunks);
  CHECK(all.input_vlan(kUntagged) == 0);  // not VLAN 10
  CHECK(all.input_vlan(tagged(10)) == 10);
  CHECK(all.output_tagged(10));
  CHECK_FALSE(all.output_tagged(0));

  VlanConfig some = cfg(10, {20}, "trunk", &w);
  CHECK(some.mode == VlanMode::kTrunk);
  CHECK(some.tag == 0);
  CHECK_FALSE(some.includes(10));
  CHECK(some.includes(20));
  CHECK(some.input_vlan(kUntagged) == std::nullopt);
  CHECK(some.input_vlan(tagged(10)) == std::nullopt);
  CHECK(some.input_vlan(tagged(20)) == 20);
}

TEST_CASE("native-tagged: untagged frames join the native VLAN, leave tagged", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(10, {20}, "native-tagged", &w);
  CHECK(w.empty());
  CHECK(c.mode == VlanMode::kNativeTagged);
  CHECK(c.tag == 10);
  CHECK(c.includes(10));  // the native VLAN is always trunked
  CHECK(c.includes(20));
  CHECK_FALSE(c.includes(30));
  CHECK(c.input_vlan(kUntagged) == 10);
  CHECK(c.input_vlan(tagged(0, 4)) == 10);  // priority tag: native
  CHECK(c.input_vlan(tagged(10)) == 10);
  CHECK(c.input_vlan(tagged(20)) == 20);
  CHECK(c.input_vlan(tagged(30)) == std::nullopt);
  CHECK(c.output_tagged(10));
  CHECK(c.output_tagged(20));
}

TEST_CASE("native-untagged: the native VLAN leaves untagged", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(10, {20}, "native-untagged", &w);
  CHECK(w.empty());
  CHECK(c.mode == VlanMode::kNativeUntagged);
  CHECK(c.includes(10));
  CHECK(c.includes(20));
  CHECK_FALSE(c.includes(30));
  CHECK(c.input_vlan(kUntagged) == 10);
  CHECK(c.input_vlan(tagged(10)) == 10);
  CHECK(c.input_vlan(tagged(20, 7)) == 20);
  CHECK(c.input_vlan(tagged(30)) == std::nullopt);
  CHECK_FALSE(c.output_tagged(10));
  CHECK(c.output_tagged(20));

  VlanConfig all = cfg(10, {}, "native-untagged", &w);
  CHECK(all.includes(10));
  CHECK(all.includes(4000));
  CHECK(all.input_vlan(tagged(4000)) == 4000);
  CHECK_FALSE(all.output_tagged(10));
  CHECK(all.output_tagged(4000));
}

// ofproto-dpif.c bundle_set forces the native VLAN into the trunks and
// VLAN 0 out of them ("Force trunking the native VLAN and prohibit trunking
// VLAN 0"), so frames of VLAN 0 (untagged frames from a trunk port) never
// leave a native port: they would land in its native VLAN.
TEST_CASE("native modes never carry VLAN 0 (OVS bundle_set)", "[vlan]") {
  std::string w;
  for (const char* mode : {"native-tagged", "native-untagged"}) {
    INFO(mode);
    VlanConfig empty_trunks = cfg(10, {}, mode, &w);
    CHECK_FALSE(empty_trunks.includes(0));
    CHECK(empty_trunks.includes(10));
    CHECK(empty_trunks.includes(20));

    VlanConfig with_zero = cfg(10, {0, 20}, mode, &w);
    CHECK_FALSE(with_zero.includes(0));
    CHECK(with_zero.includes(10));
    CHECK(with_zero.includes(20));
    // An untagged frame on the port itself still joins the native VLAN.
    CHECK(with_zero.input_vlan(kUntagged) == 10);
  }
}

// bridge.c keeps the native mode without a tag and bundle_set makes VLAN 0
// the native VLAN; input_vid_is_valid always accepts untagged frames on a
// native port ("Port must always carry its native VLAN").
TEST_CASE("native modes without a tag keep native VLAN 0 (OVS bundle_set)", "[vlan]") {
  std::string w;
  for (const char* mode : {"native-tagged", "native-untagged"}) {
    INFO(mode);
    VlanConfig c = cfg(std::nullopt, {10, 20}, mode, &w);
    CHECK(c.input_vlan(kUntagged) == 0);
    CHECK(c.input_vlan(tagged(10)) == 10);
    CHECK(c.input_vlan(tagged(30)) == std::nullopt);
  }
}

TEST_CASE("an unknown vlan_mode without a tag falls back to trunk", "[vlan]") {
  std::string w;
  VlanConfig c = cfg(std::nullopt, {10}, "bogus", &w);
  CHECK(w == "unsupported vlan_mode \"bogus\", using trunk");
  CHECK(c.mode == VlanMode::kTrunk);
  CHECK(c.includes(10));
  CHECK_FALSE(c.includes(11));
}

TEST_CASE("mode names and equality", "[vlan]") {
  std::string w;
  CHECK(cfg(1, {}, "access", &w).mode_name() == "access");
  CHECK(cfg(1, {}, "trunk", &w).mode_name() == "trunk");
  CHECK(cfg(1, {}, "native-tagged", &w).mode_name() == "native-tagged");
  CHECK(cfg(1, {}, "native-untagged", &w).mode_name() == "native-untagged");
  CHECK(cfg(1, {}, "access", &w) == cfg(1, {2, 3}, "", &w));
  CHECK_FALSE(cfg(1, {}, "access", &w) == cfg(2, {}, "access", &w));
  CHECK_FALSE(cfg(std::nullopt, {2}, "", &w) == cfg(std::nullopt, {3}, "", &w));
  VlanConfig def;
  CHECK(def == cfg(std::nullopt, {}, "", &w));
}

}  // namespace ferry
