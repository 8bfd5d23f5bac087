// Groups without a datapath: the group table's group_mod semantics, action
// sets, the select group's hash table, and translation of group actions
// (buckets as clones, the bucket picked, the megaflow mask, counters).
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "datapath/group_select.h"
#include "datapath/xlate.h"
#include "lib/flow/flow_table.h"
#include "lib/flow/group.h"
#include "lib/ovs/group_hash.h"

namespace ferry {
namespace {

const Mac kX = {0x02, 0, 0, 0, 0, 0x99};

Bucket bucket(uint32_t id, ActionList acts, uint16_t weight = 0, uint32_t watch_port = kOfppNone,
              uint32_t watch_group = kGroupAny) {
  Bucket b;
  b.id = id;
  b.actions = std::move(acts);
  b.weight = weight;
  b.watch_port = watch_port;
  b.watch_group = watch_group;
  return b;
}

GroupMod add(uint32_t id, GroupType type, std::vector<Bucket> buckets) {
  GroupMod gm;
  gm.command = GroupModCommand::kAdd;
  gm.group_id = id;
  gm.type = type;
  gm.buckets = std::move(buckets);
  return gm;
}

FlowKey tcp_key(uint32_t src, uint16_t sport) {
  FlowKey k = zero_key();
  k.in_port = 1;
  k.dl_type = htons(kEthTypeIpv4);
  k.nw_proto = kIpProtoTcp;
  k.nw_src = htonl(src);
  k.nw_dst = htonl(0x0a000002);
  k.nw_ttl = 64;
  k.tp_src = htons(sport);
  k.tp_dst = htons(80);
  return k;
}

struct Walk {
  FlowTable flows;
  GroupTable groups;
  std::vector<uint32_t> live{1, 2, 3, 4};
  XlateOut out;
  FlowKey wc = zero_key();

  void flow(ActionList acts) {
    FlowMod fm;
    fm.match = Match().set_in_port(1);
    fm.priority = 10;
    fm.actions = std::move(acts);
    REQUIRE(flows.apply(fm, 0).ok());
  }
  void group(const GroupMod& gm) {
    Status st = groups.apply(gm, 0);
    INFO((st.ok() ? std::string() : st.error().message));
    REQUIRE(st.ok());
  }
  void run(const FlowKey& k) {
    auto cls = flows.classifier();
    auto snap = groups.snapshot(live);
    wc = zero_key();
    const Rule* r = cls->lookup(k, &wc);
    REQUIRE(r);
    xlate(*cls, k, *r, &wc, &out, snap.get());
    cls_ = cls;  // the rules the output points to stay alive
    snap_ = snap;
  }
  ActionList actions() const { return ActionList(out.actions, out.actions + out.n_actions); }

 private:
  std::shared_ptr<const Classifier> cls_;
  std::shared_ptr<const GroupSnapshot> snap_;
};

}  // namespace

TEST_CASE("group table: add, modify, delete with OVS's errors", "[group]") {
  GroupTable t;
  REQUIRE(t.apply(add(1, GroupType::kAll, {bucket(0, {Action::output(2)})}), 10).ok());
  Status again = t.apply(add(1, GroupType::kAll, {}), 20);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == GroupTable::kErrGroupExists);

  GroupMod mod = add(2, GroupType::kIndirect, {bucket(0, {Action::output(3)})});
  mod.command = GroupModCommand::kModify;
  Status missing = t.apply(mod, 20);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == GroupTable::kErrUnknownGroup);

  // Modify: new buckets, zero counters, the creation time kept.
  t.find(1)->stats->add_from_pmd(0, -1, 5, 500);
  mod.group_id = 1;
  REQUIRE(t.apply(mod, 30).ok());
  const Group* g = t.find(1);
  CHECK(g->type == GroupType::kIndirect);
  CHECK(g->created_ms == 10);
  CHECK(g->stats->packets() == 0);

  GroupMod aom = add(3, GroupType::kAll, {});
  aom.command = GroupModCommand::kAddOrModify;
  REQUIRE(t.apply(aom, 40).ok());
  CHECK(t.all().size() == 2);

  GroupMod del;
  del.command = GroupModCommand::kDelete;
  del.group_id = 99;  // a missing group: not an error
  CHECK(t.apply(del, 50).ok());
  del.group_id = kGroupAll;
  REQUIRE(t.apply(del, 50).ok());
  CHECK(t.all().empty());

  Status reserved = t.apply(add(kGroupAll, GroupType::kAll, {}), 60);
  REQUIRE_FALSE(reserved.ok());
  CHECK(reserved.error().code == GroupTable::kErrInvalidGroup);
}

TEST_CASE("group table: insert_bucket and remove_bucket", "[group]") {
  GroupTable t;
  REQUIRE(t.apply(add(1, GroupType::kAll,
                      {bucket(10, {Action::output(1)}), bucket(20, {Action::output(2)})}),
                  0)
              .ok());
  auto ids = [&] {
    std::vector<uint32_t> v;
    for (const Bucket& b : t.find(1)->buckets) v.push_back(b.id);
    return v;
  };
  GroupMod ins;
  ins.command = GroupModCommand::kInsertBucket;
  ins.group_id = 1;
  ins.type = GroupType::kSelect;  // ignored: buckets only
  ins.buckets = {bucket(15, {Action::output(3)})};
  ins.command_bucket_id = 10;  // after bucket 10
  REQUIRE(t.apply(ins, 0).ok());
  CHECK(ids() == std::vector<uint32_t>{10, 15, 20});
  CHECK(t.find(1)->type == GroupType::kAll);
  ins.buckets = {bucket(5, {Action::output(3)})};
  ins.command_bucket_id = kBucketFirst;
  REQUIRE(t.apply(ins, 0).ok());
  ins.buckets = {bucket(30, {Action::output(3)})};
  ins.command_bucket_id = kBucketLast;
  REQUIRE(t.apply(ins, 0).ok());
  CHECK(ids() == std::vector<uint32_t>{5, 10, 15, 20, 30});
  Status dup = t.apply(ins, 0);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == GroupTable::kErrBucketExists);
  ins.buckets = {bucket(40, {})};
  ins.command_bucket_id = 77;
  Status unknown = t.apply(ins, 0);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == GroupTable::kErrUnknownBucket);

  GroupMod rm;
  rm.command = GroupModCommand::kRemoveBucket;
  rm.group_id = 1;
  rm.command_bucket_id = 15;
  REQUIRE(t.apply(rm, 0).ok());
  rm.command_bucket_id = kBucketFirst;
  REQUIRE(t.apply(rm, 0).ok());
  rm.command_bucket_id = kBucketLast;
  REQUIRE(t.apply(rm, 0).ok());
  CHECK(ids() == std::vector<uint32_t>{10, 20});
  rm.command_bucket_id = kBucketAll;
  REQUIRE(t.apply(rm, 0).ok());
  CHECK(ids().empty());
}

TEST_CASE("a bucket's actions run as an OpenFlow action set", "[group]") {
  // One final action: the last output (a group beats it); the field writes
  // in order; strip/push/dec_ttl once each, in the set's order.
  CHECK(bucket_exec_actions({Action::output(1), Action::set_eth_src(kX), Action::output(2)}) ==
        ActionList{Action::set_eth_src(kX), Action::output(2)});
  CHECK(bucket_exec_actions({Action::output(1), Action::group(7), Action::output(2)}) ==
        ActionList{Action::group(7)});
  CHECK(bucket_exec_actions({Action::output(1), Action::push_vlan(), Action::dec_ttl(),
                             Action::strip_vlan(), Action::set_vlan_vid(5, false)}) ==
        ActionList{Action::strip_vlan(), Action::push_vlan(), Action::dec_ttl(),
                   Action::set_vlan_vid(5, false), Action::output(1)});
  // Without output, resubmit or group, nothing at all; clone has no place in a set.
  CHECK(bucket_exec_actions({Action::set_eth_src(kX)}).empty());
  CHECK(bucket_exec_actions({Action::clone(1), Action::output(3), Action::output(4)}) ==
        ActionList{Action::output(4)});
}

TEST_CASE("select groups: OVS's dp_hash table by weight", "[group]") {
  GroupTable t;
  REQUIRE(t.apply(add(1, GroupType::kSelect,
                      {bucket(0, {Action::output(1)}, 1), bucket(1, {Action::output(2)}, 1)}),
                  0)
              .ok());
  const Group* g = t.find(1);
  CHECK(g->selection == Selection::kDpHash);
  REQUIRE(g->hash_map.size() == 16);
  CHECK(g->hash_map[0] == 0);
  CHECK(g->hash_map[1] == 1);
  CHECK(g->hash_map[2] == 0);
  // 1:3 weights: a quarter of the values to bucket 0.
  REQUIRE(t.apply(add(2, GroupType::kSelect,
                      {bucket(0, {Action::output(1)}, 10), bucket(1, {Action::output(2)}, 30)}),
                  0)
              .ok());
  const Group* g2 = t.find(2);
  REQUIRE(g2->hash_map.size() == 16);
  CHECK(std::count(g2->hash_map.begin(), g2->hash_map.end(), 0) == 4);
  // Weights needing more than 256 values fall back to OVS's default hash.
  REQUIRE(t.apply(add(3, GroupType::kSelect,
                      {bucket(0, {Action::output(1)}, 1), bucket(1, {Action::output(2)}, 1000)}),
                  0)
              .ok());
  CHECK(t.find(3)->selection == Selection::kDefault);
}

TEST_CASE("xlate: an all group sends a copy per bucket and counts every bucket", "[group]") {
  Walk w;
  w.group(add(
      1, GroupType::kAll,
      {bucket(0, {Action::output(2)}), bucket(1, {Action::set_eth_dst(kX), Action::output(3)})}));
  w.flow({Action::group(1), Action::output(4)});
  w.run(tcp_key(0x0a000001, 1000));
  CHECK(w.actions() == ActionList{Action::clone(1), Action::output(2), Action::clone(2),
                                  Action::set_eth_dst(kX), Action::output(3), Action::output(4)});
  REQUIRE(w.out.n_groups == 1);
  CHECK(w.out.groups[0].bucket == -1);
  CHECK(w.out.groups[0].stats == w.groups.find(1)->stats.get());
  // Nothing of the packet was read beyond the rule's in_port.
  FlowKey want = zero_key();
  want.in_port = UINT32_MAX;
  CHECK(w.wc == want);
}

TEST_CASE("xlate: indirect and chained groups; a missing group does nothing", "[group]") {
  Walk w;
  w.group(add(2, GroupType::kIndirect, {bucket(0, {Action::output(3)})}));
  w.group(add(1, GroupType::kIndirect, {bucket(0, {Action::set_eth_src(kX), Action::group(2)})}));
  w.flow({Action::group(1), Action::group(9), Action::output(4)});
  w.run(tcp_key(0x0a000001, 1000));
  CHECK(w.actions() == ActionList{Action::clone(3), Action::set_eth_src(kX), Action::clone(1),
                                  Action::output(3), Action::output(4)});
  CHECK(w.out.n_groups == 2);
  CHECK_FALSE(w.out.stopped);
}

TEST_CASE("xlate: a group loop stops the walk as too deep", "[group]") {
  Walk w;
  w.group(add(1, GroupType::kIndirect, {bucket(0, {Action::group(2)})}));
  w.group(add(2, GroupType::kIndirect, {bucket(0, {Action::group(1)})}));
  w.flow({Action::group(1)});
  w.run(tcp_key(0x0a000001, 1000));
  CHECK(w.out.stopped);
}

TEST_CASE("xlate: a loop after a dp_hash select keeps what came before it", "[group]") {
  // ovs-vswitchd recirculates at the select group: the pass before it has
  // run when the pass after it fails.
  Walk w;
  w.group(add(1, GroupType::kSelect, {bucket(0, {Action::group(2)}, 1)}));
  w.group(add(2, GroupType::kIndirect, {bucket(0, {Action::group(1)})}));
  w.flow({Action::output(2), Action::group(1)});
  w.run(tcp_key(0x0a000001, 1000));
  CHECK_FALSE(w.out.stopped);
  // The output before the first recirculation, then (empty) clones of the
  // passes that came back to the group before the failed one.
  const ActionList acts = w.actions();
  REQUIRE(!acts.empty());
  CHECK(acts[0] == Action::output(2));
  CHECK(std::count_if(acts.begin(), acts.end(),
                      [](const Action& a) { return a.type == ActionType::kOutput; }) == 1);
}

TEST_CASE("xlate: fast_failover takes the first live bucket", "[group]") {
  Walk w;
  w.group(add(1, GroupType::kFastFailover,
              {bucket(0, {Action::output(2)}, 0, 2), bucket(1, {Action::output(3)}, 0, 3)}));
  w.group(add(5, GroupType::kFastFailover,
              {bucket(0, {Action::output(4)}, 0, kOfppNone, 1)}));  // watches group 1
  w.flow({Action::group(1)});
  w.run(tcp_key(0x0a000001, 1000));
  CHECK(w.actions() == ActionList{Action::clone(1), Action::output(2)});
  CHECK(w.out.groups[0].bucket == 0);
  w.live = {1, 3};  // port 2 went down
  w.run(tcp_key(0x0a000001, 1000));
  CHECK(w.actions() == ActionList{Action::clone(1), Action::output(3)});
  CHECK(w.out.groups[0].bucket == 1);
  w.live = {1};  // no live bucket: nothing, not counted
  w.run(tcp_key(0x0a000001, 1000));
  CHECK(w.actions().empty());
  CHECK(w.out.n_groups == 0);
  auto snap = w.groups.snapshot({3});
  CHECK(first_live_bucket(*w.groups.find(5), *snap) == 0);
  auto dead = w.groups.snapshot({});
  CHECK(first_live_bucket(*w.groups.find(5), *dead) == -1);
}

TEST_CASE("xlate: select picks by OVS's hash and the mask holds the hashed fields", "[group]") {
  Walk w;
  w.group(add(1, GroupType::kSelect,
              {bucket(0, {Action::output(2)}, 1), bucket(1, {Action::output(3)}, 1)}));
  w.flow({Action::group(1)});
  int seen[2] = {0, 0};
  for (uint16_t sport = 1000; sport < 1064; sport++) {
    const FlowKey k = tcp_key(0x0a000001, sport);
    w.run(k);
    REQUIRE(w.out.n_groups == 1);
    const int b = w.out.groups[0].bucket;
    REQUIRE((b == 0 || b == 1));
    seen[b]++;
    // The bucket is hash_map[dp_hash & 15], as ovs-vswitchd's second pass.
    OfKey scratch = zero_of_key();
    const uint32_t h = ovs::dp_hash(of_key(k), 1, 0, &scratch);
    CHECK(b == w.groups.find(1)->hash_map[h & 15]);
    CHECK(w.actions() == ActionList{Action::clone(1), Action::output(b == 0 ? 2 : 3)});
    // Symmetric L3/L4: addresses, protocol, TCP ports (and the fragment bits).
    CHECK(w.wc.nw_src == 0xffffffff);
    CHECK(w.wc.nw_dst == 0xffffffff);
    CHECK(w.wc.nw_proto == 0xff);
    CHECK(w.wc.tp_src == 0xffff);
    CHECK(w.wc.tp_dst == 0xffff);
    CHECK(w.wc.dl_src[0] == 0);  // not L2 for IP
  }
  CHECK(seen[0] > 10);
  CHECK(seen[1] > 10);
}

TEST_CASE("xlate: selection_method=hash hashes only its fields", "[group]") {
  Walk w;
  GroupMod gm = add(1, GroupType::kSelect,
                    {bucket(0, {Action::output(2)}, 1), bucket(1, {Action::output(3)}, 1)});
  gm.props.selection_method = "hash";
  auto f = ovs::hash_field_by_name("ip_src");
  REQUIRE(f);
  gm.props.fields = {*f};
  w.group(gm);
  w.flow({Action::group(1)});
  int seen[2] = {0, 0};
  for (uint32_t src = 1; src <= 32; src++) {
    w.run(tcp_key(0x0a000000 + src, static_cast<uint16_t>(1000 + src)));
    REQUIRE(w.out.n_groups == 1);
    seen[w.out.groups[0].bucket]++;
    // ip_src and its prerequisite (eth_type); not the ports.
    CHECK(w.wc.nw_src == 0xffffffff);
    CHECK(w.wc.dl_type == 0xffff);
    CHECK(w.wc.tp_src == 0);
    CHECK(w.wc.nw_dst == 0);
  }
  CHECK(seen[0] > 4);
  CHECK(seen[1] > 4);
  // Same source, other ports: the same bucket.
  w.run(tcp_key(0x0a000001, 1000));
  const int b = w.out.groups[0].bucket;
  w.run(tcp_key(0x0a000001, 2000));
  CHECK(w.out.groups[0].bucket == b);
}

TEST_CASE("xlate: select without dp_hash uses OVS's default symmetric L4 hash", "[group]") {
  Walk w;
  GroupMod gm = add(1, GroupType::kSelect,
                    {bucket(0, {Action::output(2)}, 1), bucket(1, {Action::output(3)}, 1000)});
  w.group(gm);  // too uneven for 256 hash values
  w.flow({Action::group(1)});
  w.run(tcp_key(0x0a000001, 1000));
  REQUIRE(w.out.n_groups == 1);
  CHECK(w.groups.find(1)->selection == Selection::kDefault);
  CHECK(w.wc.dl_src[0] == 0xff);  // symmetric L4 hashes the Ethernet addresses too
  CHECK(w.wc.nw_src == 0xffffffff);
  CHECK(w.wc.tp_src == 0xffff);
}

TEST_CASE("xlate: groups and the action set", "[group][xlate]") {
  SECTION("in the action set a group beats an output") {
    Walk w;
    w.group(add(1, GroupType::kIndirect, {bucket(0, {Action::output(2)})}));
    w.flow({Action::write_actions(2), Action::group(1), Action::output(5)});
    w.run(tcp_key(0x0a000001, 1000));
    CHECK(w.actions() == ActionList{Action::clone(1), Action::output(2)});
    CHECK(w.out.n_groups == 1);
  }
  SECTION("a bucket shares the walk's action set: it runs once, at the end") {
    Walk w;
    w.group(
        add(1, GroupType::kAll, {bucket(0, {Action::output(2)}), bucket(1, {Action::output(3)})}));
    w.flow({Action::write_actions(1), Action::output(5), Action::group(1)});
    w.run(tcp_key(0x0a000001, 1000));
    CHECK(w.actions() == ActionList{Action::clone(1), Action::output(2), Action::clone(1),
                                    Action::output(3), Action::output(5)});
  }
  SECTION("an output to the controller from the action set has reason action_set") {
    Walk w;
    w.flow({Action::write_actions(1), Action::output(kOfppController, 0xffff)});
    w.run(tcp_key(0x0a000001, 1000));
    REQUIRE(w.out.n_actions >= 1);
    CHECK(w.out.actions[0].type == ActionType::kPacketIn);
    CHECK(w.out.actions[0].u8 == static_cast<uint8_t>(PacketInReason::kActionSet));
  }
}

}  // namespace ferry
