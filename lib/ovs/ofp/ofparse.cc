// ovs-ofctl's flow syntax through libopenvswitch (fo-parse.c).
#include "lib/ovs/ofparse.h"

#include "lib/ovs/ofp/fo-ofp.h"
#include "lib/ovs/ofp/of_convert.h"

namespace ferry::ovs {

Result<FlowKey> parse_flow(const std::string& text, const PortNames& ports) {
  FoPortNames names(ports);
  fo_flow_key key;
  char* error = fo_parse_flow(text.c_str(), names.data(), names.size(), &key);
  if (error) return make_error(take_string(error));
  return from_fo(key);
}

Result<FlowMod> parse_flow_mod(const std::string& text, FlowModCommand command,
                               const PortNames& ports) {
  FoPortNames names(ports);
  fo_flow_mod fm;
  char* error =
      fo_parse_flow_mod(text.c_str(), static_cast<int>(command), names.data(), names.size(), &fm);
  if (error) return make_error(take_string(error));
  FlowMod out = from_fo(fm);
  fo_ofp_free(fm.actions);
  return out;
}

std::string format_match(const Match& match, uint16_t priority, const PortNames& ports) {
  FoPortNames names(ports);
  fo_match m = to_fo(match);
  return take_string(fo_format_match(&m, priority, names.data(), names.size()));
}

std::string format_actions(const ActionList& actions, const PortNames& ports) {
  FoPortNames names(ports);
  std::vector<fo_action> fo;
  append_fo(actions, &fo);
  return take_string(fo_format_actions(fo.data(), fo.size(), names.data(), names.size()));
}

}  // namespace ferry::ovs
