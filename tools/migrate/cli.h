// ferry-migrate's command line (tools/ferry-migrate/main.cc calls it).
#pragma once

#include <string>
#include <vector>

namespace ferry::migrate {

// Runs one ferry-migrate command; returns the exit status.
int cli_main(const std::vector<std::string>& args);

}  // namespace ferry::migrate
