// fo_db's plain C rows (fo-db.h) into Ferry's Config (lib/ovs/database.h).
#pragma once

#include <optional>

#include "lib/ovs/database.h"

struct fo_db_config;

namespace ferry::ovs {

// Bridges, ports and interfaces come out sorted by name. A value Ferry cannot
// use (a tag out of 0..4095, an unknown vlan_mode, a malformed MAC, ...) leaves
// that field unset and is logged; the row itself is kept. A port or interface
// that appears twice is kept once (logged). nullptr gives nullopt.
std::optional<Config> convert_config(const fo_db_config* c);

}  // namespace ferry::ovs
