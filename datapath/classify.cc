#include "datapath/classify.h"

#include "datapath/batchable.h"

namespace ferry {

namespace {

// c->rule nullptr: a table-0 miss that goes to the controllers.
XlateParams params_of(const DpBridge& br) {
  XlateParams params;
  params.packet_in_on_miss = br.packet_in_on_miss;
  params.groups = br.groups.get();
  params.recirc = br.recirc.get();
  params.tunnels = br.tunnel_xlate.get();
  params.mirrors = br.mirrors.get();
  return params;
}

// A single-table rule that outputs to a tunnel port is translated too: its
// encapsulation goes into the megaflow (datapath/tunnel_xlate.h).
bool outputs_to_tunnel(const DpBridge& br, const ActionList& actions) {
  if (!br.tunnel_xlate) return false;
  for (const Action& a : actions) {
    if (a.type == ActionType::kOutput && br.tunnel_xlate->is_tunnel(a.port)) return true;
  }
  return false;
}

void translate(const DpBridge& br, const FlowKey& key, Classification* c, FlowKey* wc,
               XlateOut* xo) {
  const XlateParams params = params_of(br);
  if (xo) {
    xlate(*br.classifier, key, c->rule, wc, xo, params);
    c->xlate = xo->publish();
    return;
  }
  XlateOut scratch;  // only the mask is wanted
  xlate(*br.classifier, key, c->rule, wc, &scratch, params);
  c->untranslated = true;
}

// A recirculated packet: the walk resumes where its id says.
[[gnu::cold]] Classification resume(const DpBridge& br, const FlowKey& key, FlowKey* wc,
                                    XlateOut* xo) {
  static const Translation kUnknownId = [] {
    Translation t;
    t.stopped = true;
    return t;
  }();
  Classification c;
  const FrozenState* st = br.recirc ? br.recirc->find(key.recirc_id) : nullptr;
  if (!st) {
    c.xlate = &kUnknownId;
    return c;
  }
  const XlateParams params = params_of(br);
  if (xo) {
    xlate_resume(*br.classifier, key, *st, wc, xo, params);
    c.xlate = xo->publish();
    return c;
  }
  XlateOut scratch;
  xlate_resume(*br.classifier, key, *st, wc, &scratch, params);
  c.untranslated = true;
  return c;
}

}  // namespace

Classification classify(const DpBridge& br, const FlowKey& key, FlowKey* wc, XlateOut* xo) {
  Classification c;
  wc->in_port = UINT32_MAX;    // megaflows always match the input port exactly
  wc->recirc_id = UINT32_MAX;  // ... and the recirculation point
  if (__builtin_expect(key.recirc_id != 0, 0)) return resume(br, key, wc, xo);
  if (br.fail_open) {
    static const Action kNormal = Action::output(kOfppNormal);
    static const Translation kFailOpen = [] {
      Translation t;
      t.actions = &kNormal;
      t.n_actions = 1;
      return t;
    }();
    c.xlate = &kFailOpen;
    return c;
  }
  if (br.conversions) c.conv = br.conversions->lookup(key, wc);
  if (!c.conv) {
    c.rule = br.classifier->lookup(key, wc);
    // With mirrors every answer is translated: the copies are datapath
    // actions (datapath/mirror.h).
    if (!c.rule) {
      if (br.packet_in_on_miss || br.mirrors) translate(br, key, &c, wc, xo);
      return c;
    }
    if (c.rule->needs_xlate || br.mirrors || outputs_to_tunnel(br, *c.rule->actions)) {
      translate(br, key, &c, wc, xo);
      return c;
    }
    c.batchable =
        batchable_actions(*c.rule->actions) && !br.is_special(c.rule->actions->back().port);
    return c;
  }
  // The conversion fixed dl_dst for every packet of this megaflow, so the
  // classifier's view of the converted key is determined by the same bits.
  const FlowKey converted = converted_key(key, *c.conv);
  c.rule = br.classifier->lookup(converted, wc);
  if (c.rule && c.rule->needs_xlate) translate(br, converted, &c, wc, xo);
  if (c.conv->mirror) c.mirror_rule = br.classifier->lookup(key, wc);
  return c;
}

}  // namespace ferry
