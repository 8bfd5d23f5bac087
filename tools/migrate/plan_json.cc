// Plan steps as JSON, as the state database keeps them (state_db.h).
#include "tools/migrate/plan.h"

namespace ferry::migrate {

using rpc::Json;

Json command_to_json(const Command& c) {
  Json args = Json::array();
  for (const std::string& a : c.args) args.push_back(Json(a));
  Json o = Json::object();
  o.set("method", c.method);
  o.set("args", std::move(args));
  return o;
}

namespace {

Result<Command> command_from_json(const Json* j) {
  Command c;
  if (!j || !j->is_object()) return c;
  const Json* m = j->find("method");
  const Json* a = j->find("args");
  if (!m || !m->is_string() || !a || !a->is_array()) return make_error("bad command in step");
  c.method = m->as_string();
  for (const Json& x : a->as_array()) {
    if (!x.is_string()) return make_error("bad command argument in step");
    c.args.push_back(x.as_string());
  }
  return c;
}

}  // namespace

Json step_to_json(const Step& s) {
  Json o = Json::object();
  o.set("seq", s.seq);
  o.set("phase", s.phase);
  o.set("label", s.label);
  o.set("node", s.node);
  o.set("kind", step_kind_name(s.kind));
  o.set("apply", command_to_json(s.apply));
  if (!s.undo.empty()) o.set("undo", command_to_json(s.undo));
  if (!s.result_var.empty()) o.set("var", s.result_var);
  o.set("text", s.text);
  return o;
}

Result<Step> step_from_json(const Json& j) {
  Step s;
  auto get = [&](const char* k) -> std::string {
    const Json* v = j.find(k);
    return v && v->is_string() ? v->as_string() : "";
  };
  const Json* seq = j.find("seq");
  if (!seq || !seq->is_int()) return make_error("stored step without seq");
  s.seq = static_cast<int>(seq->as_int());
  s.phase = get("phase");
  s.label = get("label");
  s.node = get("node");
  s.text = get("text");
  s.result_var = get("var");
  std::string kind = get("kind");
  bool found = false;
  for (StepKind k : {StepKind::kCtl, StepKind::kVsctl, StepKind::kMark, StepKind::kMove,
                     StepKind::kFirstFrame, StepKind::kMoveWait, StepKind::kVlanPrune,
                     StepKind::kOfctl, StepKind::kMigrate, StepKind::kDrain})
    if (kind == step_kind_name(k)) {
      s.kind = k;
      found = true;
    }
  if (!found) return make_error("stored step with unknown kind \"" + kind + "\"");
  auto apply = command_from_json(j.find("apply"));
  auto undo = command_from_json(j.find("undo"));
  if (!apply) return apply.error();
  if (!undo) return undo.error();
  s.apply = *apply;
  s.undo = *undo;
  return s;
}

}  // namespace ferry::migrate
