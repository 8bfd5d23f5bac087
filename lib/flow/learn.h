// The learn action: a kLearn header followed by its kLearnSpec actions (as
// a clone counts its nested actions), and what executing it means: the
// flow_mod it makes from a packet's key, the key bits it reads, and how the
// control thread applies that flow_mod to a flow table (OVS's learn
// semantics: a strict modify that adds when missing, an identical flow only
// refreshed, `limit` counting the table's flows with the learn's cookie,
// `delete_learned` handled by FlowTable).
//
// Encoding of the header (Action fields): u8 = table, u16 = number of
// specs, port = idle_timeout | hard_timeout << 16, value = cookie, mask =
// priority | fin_idle << 16 | fin_hard << 32 | OVS's NX_LEARN_F_* flags << 48,
// mac[0..3] = limit (host order), mac[4] = result_dst Field, mac[5] = its
// offset. A spec: mac[0] = source Field, mac[1] = destination Field,
// mac[2]/mac[3] = their offsets, mac[4] = n_bits, mac[5] = LearnDst, u8 = 1
// for an immediate source (in value), port/u16 = OVS's field ids, pad =
// OVS's spelling of a load (for formatting the learned flow).
#pragma once

#include <cstdint>

#include "lib/flow/action.h"
#include "lib/flow/flow_mod.h"
#include "lib/flow/of_key.h"
#include "lib/util/result.h"

namespace ferry {

class FlowTable;

enum class LearnDst : uint8_t { kMatch = 0, kLoad = 1, kOutput = 2 };

// NX_LEARN_F_*.
constexpr uint16_t kLearnSendFlowRem = 1 << 0;
constexpr uint16_t kLearnDeleteLearned = 1 << 1;
constexpr uint16_t kLearnWriteResult = 1 << 2;

struct LearnParams {
  uint8_t table = 0;
  uint16_t priority = kDefaultPriority;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint16_t fin_idle = 0;
  uint16_t fin_hard = 0;
  uint64_t cookie = 0;
  uint16_t flags = 0;  // kLearn*
  uint32_t limit = 0;  // 0: none
  uint8_t result_field = 0;
  uint8_t result_ofs = 0;
};

Action learn_header(const LearnParams& p, uint16_t n_specs);
LearnParams learn_params(const Action& head);

// A spec whose source is bits of a field of the packet's key, or (src ==
// Field::kNone) the immediate `imm`.
Action learn_spec(LearnDst dst_type, uint8_t src, unsigned src_ofs, uint64_t imm, uint8_t dst,
                  unsigned dst_ofs, unsigned n_bits);

// Marks the key bits the learn reads (its field sources) in *wc.
void learn_mask(const Action* head, OfKey* wc);
// The learned flow's match and priority/table (for checks that must not
// allocate, on PMDs).
Match learn_match(const Action* head, const OfKey& flow);
// The flow_mod the learn makes for a packet with this key (control thread).
FlowMod learn_flow_mod(const Action* head, const OfKey& flow);

// Applies a learned flow_mod as OVS does: an identical flow (same match,
// priority, actions, timeouts, cookie) is only refreshed (its idle and hard
// timeouts restart); otherwise, unless `limit` flows with its cookie are
// already in its table, it is a strict modify that adds when missing.
// Returns false (nothing changed) when the limit refused it.
Result<bool> apply_learned(FlowTable& table, const FlowMod& fm, uint32_t limit, int64_t now_ms);

}  // namespace ferry
