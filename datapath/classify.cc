#include "datapath/classify.h"

#include "datapath/batchable.h"

namespace ferry {

namespace {

void translate(const DpBridge& br, const FlowKey& key, Classification* c, FlowKey* wc,
               XlateOut* xo) {
  if (xo) {
    xlate(*br.classifier, key, *c->rule, wc, xo, br.groups.get());
    c->xlate = xo->publish();
    return;
  }
  XlateOut scratch;  // only the mask is wanted
  xlate(*br.classifier, key, *c->rule, wc, &scratch, br.groups.get());
  c->untranslated = true;
}

}  // namespace

Classification classify(const DpBridge& br, const FlowKey& key, FlowKey* wc, XlateOut* xo) {
  Classification c;
  wc->in_port = UINT32_MAX;  // megaflows always match the input port exactly
  if (br.conversions) c.conv = br.conversions->lookup(key, wc);
  if (!c.conv) {
    c.rule = br.classifier->lookup(key, wc);
    if (!c.rule) return c;
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
