#include "datapath/vswitchd/switch_user.h"

#include <grp.h>
#include <pwd.h>

#include <catch2/catch.hpp>

namespace ferry {
namespace {

TEST_CASE("--user resolves as ovs-vswitchd does") {
  const passwd* nobody = getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  auto u = resolve_user("nobody");
  REQUIRE(u.ok());
  CHECK(u->user == "nobody");
  CHECK(u->uid == nobody->pw_uid);
  CHECK(u->gid == nobody->pw_gid);  // the primary group

  auto own = resolve_user("root:root");
  REQUIRE(own.ok());
  CHECK(own->uid == 0);
  CHECK(own->gid == 0);

  // No user: the current one.
  auto cur = resolve_user(":");
  REQUIRE(cur.ok());
  CHECK(cur->uid == getuid());

  auto bad = resolve_user("no-such-user-ferry");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "--user: user no-such-user-ferry not found");

  // A group the user is not a member of.
  auto notin = resolve_user("nobody:root");
  REQUIRE_FALSE(notin.ok());
  CHECK(notin.error().message ==
        "--user: invalid --user option nobody:root (user nobody is not in group root)");
  auto nogroup = resolve_user("nobody:no-such-group-ferry");
  REQUIRE_FALSE(nogroup.ok());
  CHECK(nogroup.error().message == "--user: group no-such-group-ferry not found");
}

}  // namespace
}  // namespace ferry
