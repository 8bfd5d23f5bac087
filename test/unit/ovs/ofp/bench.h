// A FakeSwitch on punix:DIR/br0.mgmt in a private temporary directory, and
// a way to run the real ovs-ofctl against it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "lib/ovs/ofparse.h"
#include "lib/ovs/openflow.h"
#include "test/unit/ovs/ofp/fake_switch.h"
#include "test/unit/ovs/ofp/subprocess.h"

namespace ferry::ovs {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ferry-ofp-XXXXXX";
    path_ = mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Bench {
  TempDir dir;
  std::string sock = dir.path() + "/br0.mgmt";
  std::unique_ptr<FakeSwitch> sw;

  Bench() {
    auto listener = OfListener::open("punix:" + sock);
    REQUIRE(listener.ok());
    sw = std::make_unique<FakeSwitch>(std::move(listener.value()));
  }
  CmdResult ofctl(std::vector<std::string> args) {
    args.insert(args.begin(), "ovs-ofctl");
    CmdResult r = run_command(args);
    UNSCOPED_INFO("stdout: " << r.out << "\nstderr: " << r.err);
    return r;
  }
  std::vector<OfMessage> received(OfType type) {
    std::vector<OfMessage> out;
    for (auto& m : sw->received()) {
      if (m.type == type) out.push_back(m);
    }
    return out;
  }
};

inline std::string flow_text(const FlowMod& fm) {
  return format_match(fm.match, fm.priority) + " actions=" + ovs::format_actions(fm.actions);
}

}  // namespace ferry::ovs
