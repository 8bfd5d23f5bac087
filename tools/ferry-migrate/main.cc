// ferry-migrate: the migration orchestrator (logic in tools/migrate/).
#include <string>
#include <vector>

#include "tools/migrate/cli.h"

int main(int argc, char* argv[]) {
  return ferry::migrate::cli_main(std::vector<std::string>(argv + 1, argv + argc));
}
