#include "datapath/classify.h"

#include "datapath/batchable.h"

namespace ferry {

Classification classify(const DpBridge& br, const FlowKey& key, FlowKey* wc) {
  Classification c;
  wc->in_port = UINT32_MAX;  // megaflows always match the input port exactly
  if (br.conversions) c.conv = br.conversions->lookup(key, wc);
  if (!c.conv) {
    c.rule = br.classifier->lookup(key, wc);
    c.batchable = c.rule && batchable_actions(*c.rule->actions);
    return c;
  }
  // The conversion fixed dl_dst for every packet of this megaflow, so the
  // classifier's view of the converted key is determined by the same bits.
  c.rule = br.classifier->lookup(converted_key(key, *c.conv), wc);
  if (c.conv->mirror) c.mirror_rule = br.classifier->lookup(key, wc);
  return c;
}

}  // namespace ferry
