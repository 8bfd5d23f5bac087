#include "datapath/classify.h"

#include "datapath/batchable.h"

namespace ferry {

namespace {

// c->rule nullptr: a table-0 miss that goes to the controllers.
void translate(const DpBridge& br, const FlowKey& key, Classification* c, FlowKey* wc,
               XlateOut* xo) {
  XlateParams params;
  params.packet_in_on_miss = br.packet_in_on_miss;
  params.groups = br.groups.get();
  if (xo) {
    xlate(*br.classifier, key, c->rule, wc, xo, params);
    c->xlate = xo->publish();
    return;
  }
  XlateOut scratch;  // only the mask is wanted
  xlate(*br.classifier, key, c->rule, wc, &scratch, params);
  c->untranslated = true;
}

}  // namespace

Classification classify(const DpBridge& br, const FlowKey& key, FlowKey* wc, XlateOut* xo) {
  Classification c;
  wc->in_port = UINT32_MAX;  // megaflows always match the input port exactly
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
    if (!c.rule) {
      if (br.packet_in_on_miss) translate(br, key, &c, wc, xo);
      return c;
    }
    if (c.rule->needs_xlate) {
      translate(br, key, &c, wc, xo);
      return c;
    }
    c.batchable = batchable_actions(*c.rule->actions);
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
