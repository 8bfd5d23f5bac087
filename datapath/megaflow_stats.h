// Statistics of cached answers, as OVS keeps them: a PMD counts a hit only
// on its megaflow entry (packets, bytes, last use). The rules an answer
// stands for (its rule, a mirror's rule, every rule a translated walk
// visited) are credited later from the entry's counters: by the control
// thread (MegaflowCache::pull_stats, periodically and before anything
// reports rule statistics: Datapath::sync_stats), and by the owning PMD for
// the part still uncredited when an answer is revalidated, removed or
// flushed. So a translated hit costs the PMD one entry's counters however
// many tables the walk crossed.
//
// Lifetime: a rule is freed with the last classifier snapshot that holds
// it. An entry can still point at it afterwards (a large cache revalidates
// lazily), but then nothing is left to credit: before freeing a snapshot
// whose rules may go, the datapath waits for a grace period (no PMD counts
// on an answer of an older generation after it), pulls every cache (every
// older answer fully credited), and waits one more grace period (a PMD that
// was crediting an answer it retired has finished). Only an entry with
// something to credit has its rules followed.
#pragma once

#include <cstdint>

#include "datapath/classify.h"

namespace ferry {

// Adds packets and bytes to every rule the answer stands for, and moves
// their last use to used_ms if that is later.
void credit_answer(const Classification& c, uint64_t packets, uint64_t bytes, int64_t used_ms);

}  // namespace ferry
