#include "test/unit/migrate/fixture.h"

#include <catch2/catch.hpp>

namespace ferry::migrate::test {

rpc::Json lab_inventory_json(int vlan) {
  std::string text = R"({
    "driver": "netns",
    "staging_fabric": "F2",
    "host_entries": true,
    "vmac_pool": {"first": "0a:00:00:00:00:10", "count": 4},
    "hosts": [
      {"name": "S1", "ctl": "/run/s1.ctl", "db": "unix:/run/s1.db", "netns": "hv1",
       "uplinks": {"F1": "u1", "F2": "u2"}},
      {"name": "S2", "ctl": "/run/s2.ctl", "db": "unix:/run/s2.db", "netns": "hv2",
       "uplinks": {"F1": "u1", "F2": "u2"}},
      {"name": "S3", "ctl": "/run/s3.ctl", "db": "unix:/run/s3.db", "netns": "hv3",
       "uplinks": {"F1": "u1", "F2": "u2"}}],
    "fabric": [
      {"name": "F1", "ctl": "/run/f1.ctl", "ports": {"S1": "s1", "S2": "s2", "S3": "s3"}},
      {"name": "F2", "ctl": "/run/f2.ctl", "ports": {"S1": "s1", "S2": "s2", "S3": "s3"}}],
    "vms": [
      {"name": "A0", "mac": "02:00:00:00:00:A0", "ip": "10.0.0.10", "host": "S1", "port": "a0",
       "netns": "vm-a0", "vlan": VLAN},
      {"name": "A1", "mac": "02:00:00:00:00:a1", "ip": "10.0.0.11", "host": "S3", "port": "a1"}],
    "flows": [{"from": "A1", "to": "A0", "priority": 2}]})";
  text.replace(text.find("VLAN"), 4, std::to_string(vlan));
  auto j = rpc::parse_json(text);
  REQUIRE(j.ok());
  return *j;
}

Inventory lab_inventory(int vlan) {
  auto inv = parse_inventory(lab_inventory_json(vlan));
  REQUIRE(inv.ok());
  return *inv;
}

}  // namespace ferry::migrate::test
