// Groups end to end with the real ovs-ofctl: group_mods decoded into
// GroupMods, and the switch's group stats and descriptions as ovs-ofctl
// prints them.
#include <catch2/catch.hpp>

#include "test/unit/ovs/ofp/bench.h"

namespace ferry::ovs {
namespace {

TEST_CASE("ovs-ofctl add-group reaches the switch as a GroupMod", "[openflow][ofctl][group]") {
  Bench b;
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "add-group", b.sock,
                   "group_id=5,type=select,bucket=weight:10,output:1,"
                   "bucket=weight:20,mod_dl_dst:02:00:00:00:00:09,output:2"})
              .status == 0);
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "add-group", b.sock,
                   "group_id=6,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:2,output:2"})
              .status == 0);
  REQUIRE(b.ofctl({"-O", "OpenFlow15", "add-group", b.sock,
                   "group_id=8,type=select,selection_method=hash,fields(ip_src,nw_proto),"
                   "bucket=bucket_id:3,output:1,bucket=bucket_id:4,output:2"})
              .status == 0);
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "del-groups", b.sock, "group_id=5"}).status == 0);
  auto gms = b.received(OfType::kGroupMod);
  REQUIRE(gms.size() == 4);
  const GroupMod& sel = std::get<GroupMod>(gms[0].body);
  CHECK(sel.command == GroupModCommand::kAdd);
  CHECK(sel.type == GroupType::kSelect);
  CHECK(sel.group_id == 5);
  REQUIRE(sel.buckets.size() == 2);
  CHECK(sel.buckets[0].id == 0);  // OpenFlow 1.3: numbered in order
  CHECK(sel.buckets[0].weight == 10);
  CHECK(sel.buckets[0].actions == ActionList{Action::output(1)});
  CHECK(sel.buckets[1].id == 1);
  CHECK(sel.buckets[1].actions ==
        ActionList{Action::set_eth_dst({2, 0, 0, 0, 0, 9}), Action::output(2)});
  CHECK(sel.buckets[1].watch_port == kOfppNone);
  CHECK(sel.buckets[1].watch_group == kGroupAny);
  const GroupMod& ff = std::get<GroupMod>(gms[1].body);
  CHECK(ff.type == GroupType::kFastFailover);
  CHECK(ff.buckets[1].watch_port == 2);
  const GroupMod& hash = std::get<GroupMod>(gms[2].body);
  CHECK(hash.props.selection_method == "hash");
  REQUIRE(hash.props.fields.size() == 2);
  CHECK(hash.props.fields[0].n_bytes + hash.props.fields[1].n_bytes == 5);  // nw_proto, ip_src
  CHECK(hash.buckets[1].id == 4);
  const GroupMod& del = std::get<GroupMod>(gms[3].body);
  CHECK(del.command == GroupModCommand::kDelete);
  CHECK(del.group_id == 5);
}

TEST_CASE("a refused group_mod fails ovs-ofctl with the error", "[openflow][ofctl][group]") {
  Bench b;
  CmdResult r =
      b.ofctl({"-O", "OpenFlow13", "add-group", b.sock, "group_id=666,type=all,bucket=output:1"});
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("OFPGMFC_GROUP_EXISTS"));
}

TEST_CASE("ovs-ofctl dump-groups and dump-group-stats print the switch's groups",
          "[openflow][ofctl][group]") {
  Bench b;
  CmdResult d = b.ofctl({"-O", "OpenFlow13", "dump-groups", b.sock});
  REQUIRE(d.status == 0);
  CHECK_THAT(d.out, Catch::Contains("group_id=7,type=select,bucket=weight:10,actions=output:1,"
                                    "bucket=weight:20,actions=set_field:02:00:00:00:00:09->eth_dst,"
                                    "output:2"));
  CmdResult s = b.ofctl({"-O", "OpenFlow13", "dump-group-stats", b.sock});
  REQUIRE(s.status == 0);
  CHECK_THAT(s.out, Catch::Contains("group_id=7,duration=2s,ref_count=1,packet_count=30,"
                                    "byte_count=1920,bucket0:packet_count=10,byte_count=640,"
                                    "bucket1:packet_count=20,byte_count=1280"));
  CmdResult f = b.ofctl({"-O", "OpenFlow13", "dump-group-features", b.sock});
  REQUIRE(f.status == 0);
  CHECK_THAT(f.out, Catch::Contains("Group table:"));
  CHECK_THAT(f.out, Catch::Contains("select group:"));
  CHECK_THAT(f.out, Catch::Contains("group"));
}

}  // namespace
}  // namespace ferry::ovs
