// A flow table filled rule by rule, for the translation's unit tests.
#pragma once

#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "lib/flow/flow_table.h"

namespace ferry::test {

struct Tables {
  FlowTable t;
  void add(uint8_t table, const Match& m, uint16_t prio, ActionList acts) {
    FlowMod fm;
    fm.command = FlowModCommand::kAdd;
    fm.table_id = table;
    fm.match = m;
    fm.priority = prio;
    fm.actions = std::move(acts);
    Status st = t.apply(fm, 0);
    INFO((st.ok() ? std::string() : st.error().message));
    REQUIRE(st.ok());
  }
};

}  // namespace ferry::test
