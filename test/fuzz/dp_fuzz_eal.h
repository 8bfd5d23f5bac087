// The EAL of a fuzz target process: initialised once, without hugepages,
// under the file prefix ferry-fuzz-<pid>; at exit rte_eal_cleanup() runs
// and the prefix's runtime directory is removed. (A crash exits without
// cleaning up: scripts/fuzz.sh removes the directories of dead processes.)
#pragma once

#include <string>

namespace ferry::fuzz {

// Returns false with the reason in *error.
bool init_eal(std::string* error);

}  // namespace ferry::fuzz
