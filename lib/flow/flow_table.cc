// FlowTable: flow_mod application (add, modify, delete), bundles and the
// rule index. Queries, timeouts and validation: flow_table_query.cc.
#include "lib/flow/flow_table.h"

#include "lib/flow/learn.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

size_t key_hash(const Match& m, uint16_t priority, uint8_t table) {
  return static_cast<size_t>(m.hash()) * 0x9e3779b97f4a7c15ULL ^ priority ^
         (static_cast<size_t>(table) << 16);
}

bool in_table(const Rule& r, uint8_t table) { return table == kAllTables || r.table_id == table; }

bool cookie_agrees(const Rule& r, uint64_t cookie, uint64_t cookie_mask) {
  return ((r.cookie ^ cookie) & cookie_mask) == 0;
}

const char* command_name(FlowModCommand c) {
  switch (c) {
    case FlowModCommand::kAdd:
      return "add";
    case FlowModCommand::kModify:
      return "modify";
    case FlowModCommand::kModifyStrict:
      return "modify_strict";
    case FlowModCommand::kDelete:
      return "delete";
    case FlowModCommand::kDeleteStrict:
      return "delete_strict";
  }
  return "flow_mod";
}

}  // namespace

size_t FlowTable::KeyHash::operator()(const RulePtr& r) const {
  return key_hash(r->match, r->priority, r->table_id);
}
size_t FlowTable::KeyHash::operator()(const MatchRef& k) const {
  return key_hash(*k.match, k.priority, k.table);
}
bool FlowTable::KeyEq::operator()(const RulePtr& a, const RulePtr& b) const {
  return a->priority == b->priority && a->table_id == b->table_id && a->match == b->match;
}
bool FlowTable::KeyEq::operator()(const MatchRef& a, const RulePtr& b) const {
  return a.priority == b->priority && a.table == b->table_id && *a.match == b->match;
}
bool FlowTable::KeyEq::operator()(const RulePtr& a, const MatchRef& b) const {
  return (*this)(b, a);
}

FlowTable::FlowTable(size_t max_rules) : max_rules_(max_rules) {}

void FlowTable::insert_rule(const RulePtr& rule) {
  rules_.insert(rule);
  if (rule->idle_timeout || rule->hard_timeout) timed_.insert(rule);
  count_learns(*rule, +1);
}

void FlowTable::erase_rule(const RulePtr& rule) {
  rules_.erase(rule);
  if (rule->idle_timeout || rule->hard_timeout) timed_.erase(rule);
  count_learns(*rule, -1);
}

// As OVS's learned_cookies: how many learn(delete_learned) actions name each
// (cookie, table); when the last one goes, so do the flows it learned.
void FlowTable::count_learns(const Rule& rule, int delta) {
  const ActionList& acts = *rule.actions;
  for (size_t i = 0; i < acts.size(); i++) {
    const Action& a = acts[i];
    if (a.type != ActionType::kLearn) continue;
    n_learns_ += delta;
    const LearnParams p = learn_params(a);
    if (!(p.flags & kLearnDeleteLearned)) continue;
    auto key = std::make_pair(p.cookie, p.table);
    int& n = learned_cookies_[key];
    n += delta;
    if (n == 0) {
      learned_cookies_.erase(key);
      dead_cookies_.push_back(key);
    }
  }
}

size_t FlowTable::flush_learned() {
  size_t n = 0;
  while (!dead_cookies_.empty()) {
    auto [cookie, table] = dead_cookies_.back();
    dead_cookies_.pop_back();
    if (learned_cookies_.count({cookie, table})) continue;  // learned again since
    for (const RulePtr& r : select(table, Match(), 0, false, cookie, UINT64_MAX, kOfppNone)) {
      erase_rule(r);
      n++;
    }
  }
  if (n) generation_++;
  return n;
}

void FlowTable::rollback(Journal& journal) {
  for (auto it = journal.rbegin(); it != journal.rend(); ++it) {
    if (it->added) erase_rule(it->added);
    if (it->removed) insert_rule(it->removed);
  }
  journal.clear();
}

std::vector<RulePtr> FlowTable::select(uint8_t table, const Match& match, uint16_t priority,
                                       bool strict, uint64_t cookie, uint64_t cookie_mask,
                                       uint32_t out_port) const {
  std::vector<RulePtr> out;
  auto wanted = [&](const Rule& r) {
    return in_table(r, table) && cookie_agrees(r, cookie, cookie_mask) &&
           actions_output_to(*r.actions, out_port);
  };
  if (strict) {
    if (table != kAllTables) {
      auto it = rules_.find(MatchRef{&match, priority, table});
      if (it != rules_.end() && wanted(**it)) out.push_back(*it);
      return out;
    }
    for (const RulePtr& r : rules_) {
      if (r->priority == priority && r->match == match && wanted(*r)) out.push_back(r);
    }
    return out;
  }
  for (const RulePtr& r : rules_) {
    if (r->match.is_subset_of(match) && wanted(*r)) out.push_back(r);
  }
  return out;
}

Status FlowTable::add(const FlowMod& fm, const Match& match, uint64_t cookie, int64_t now_ms,
                      Journal* journal) {
  RulePtr old;
  const uint8_t table = fm.table_id == kAllTables ? 0 : fm.table_id;
  if (auto it = rules_.find(MatchRef{&match, fm.priority, table}); it != rules_.end()) old = *it;
  if (!old) {
    if (fm.flags & kFlowCheckOverlap) {
      for (const RulePtr& r : rules_) {
        if (r->table_id == table && r->priority == fm.priority && r->match.overlaps(match)) {
          return make_error(strprintf("priority=%u,%s overlaps the existing rule priority=%u,%s "
                                      "(check_overlap is set)",
                                      fm.priority, match.to_string().c_str(), r->priority,
                                      r->match.to_string().c_str()),
                            kErrOverlap);
        }
      }
    }
    if (rules_.size() >= max_rules_) {
      return make_error(strprintf("flow table is full (%zu rules): cannot add priority=%u,%s",
                                  max_rules_, fm.priority, match.to_string().c_str()),
                        kErrTableFull);
    }
  }
  auto rule = std::make_shared<Rule>();
  rule->match = match;
  rule->priority = fm.priority;
  rule->table_id = table;
  rule->cookie = cookie;
  rule->idle_timeout = fm.idle_timeout;
  rule->hard_timeout = fm.hard_timeout;
  rule->flags = fm.flags;
  rule->created_ms = rule->modified_ms = now_ms;
  rule->actions = std::make_shared<const ActionList>(fm.actions);
  rule->needs_xlate = actions_need_xlate(fm.actions);
  const bool keep = old && !(fm.flags & kFlowResetCounts);
  rule->id = old ? old->id : next_id_++;
  rule->stats = keep ? old->stats : std::make_shared<RuleStats>();
  RulePtr added = std::move(rule);
  if (old) erase_rule(old);
  insert_rule(added);
  journal->push_back(Step{old, added});
  return {};
}

Status FlowTable::modify(const FlowMod& fm, const Match& match, bool strict, int64_t now_ms,
                         Journal* journal) {
  std::vector<RulePtr> old =
      select(fm.table_id, match, fm.priority, strict, fm.cookie, fm.cookie_mask, kOfppNone);
  if (old.empty()) {
    // As OVS: a modify that finds nothing adds, unless it filtered on the
    // cookie or has no cookie to give the new rule.
    if (fm.new_cookie != kNoNewCookie && fm.cookie_mask == 0)
      return add(fm, match, fm.new_cookie, now_ms, journal);
    return {};
  }
  auto actions = std::make_shared<const ActionList>(fm.actions);
  const bool reset = fm.flags & kFlowResetCounts;
  journal->reserve(journal->size() + old.size());
  for (const RulePtr& o : old) {
    auto rule = std::make_shared<Rule>(*o);
    rule->actions = actions;
    rule->needs_xlate = actions_need_xlate(*actions);
    if (fm.new_cookie != kNoNewCookie) rule->cookie = fm.new_cookie;
    rule->modified_ms = now_ms;
    if (reset) rule->stats = std::make_shared<RuleStats>();
    RulePtr added = std::move(rule);
    erase_rule(o);
    insert_rule(added);
    journal->push_back(Step{o, added});
  }
  return {};
}

void FlowTable::remove(const FlowMod& fm, const Match& match, bool strict, Journal* journal) {
  std::vector<RulePtr> old =
      select(fm.table_id, match, fm.priority, strict, fm.cookie, fm.cookie_mask, fm.out_port);
  journal->reserve(journal->size() + old.size());
  for (RulePtr& o : old) {
    erase_rule(o);
    journal->push_back(Step{std::move(o), nullptr});
  }
}

Status FlowTable::apply_to(const FlowMod& fm, int64_t now_ms, Journal* journal) {
  Match match = fm.match;
  match.normalize();
  const size_t before = journal->size();
  Status st = validate(fm);
  if (st) {
    switch (fm.command) {
      case FlowModCommand::kAdd:
        st = add(fm, match, fm.new_cookie != kNoNewCookie ? fm.new_cookie : fm.cookie, now_ms,
                 journal);
        break;
      case FlowModCommand::kModify:
      case FlowModCommand::kModifyStrict:
        st = modify(fm, match, fm.command == FlowModCommand::kModifyStrict, now_ms, journal);
        break;
      case FlowModCommand::kDelete:
      case FlowModCommand::kDeleteStrict:
        remove(fm, match, fm.command == FlowModCommand::kDeleteStrict, journal);
        break;
    }
  }
  if (!st) {
    return make_error(std::string(command_name(fm.command)) + ": " + st.error().message,
                      st.error().code);
  }
  if (journal->size() != before) generation_++;
  return {};
}

Status FlowTable::apply(const FlowMod& fm, int64_t now_ms) {
  Journal journal;
  const uint64_t generation = generation_, next_id = next_id_;
  Status st = apply_to(fm, now_ms, &journal);
  if (!st) {
    rollback(journal);
    generation_ = generation;
    next_id_ = next_id;
    dead_cookies_.clear();
    return st;
  }
  flush_learned();
  return st;
}

Status FlowTable::apply_bundle(const std::vector<FlowMod>& fms, int64_t now_ms,
                               size_t* failed_index) {
  Journal journal;
  const uint64_t generation = generation_, next_id = next_id_;
  for (size_t i = 0; i < fms.size(); i++) {
    Status st = apply_to(fms[i], now_ms, &journal);
    if (!st) {
      rollback(journal);
      generation_ = generation;
      next_id_ = next_id;
      dead_cookies_.clear();
      if (failed_index) *failed_index = i;
      return make_error(strprintf("bundle of %zu flow_mods rolled back: flow_mod %zu failed: %s",
                                  fms.size(), i, st.error().message.c_str()),
                        st.error().code);
    }
  }
  flush_learned();
  return {};
}

}  // namespace ferry
