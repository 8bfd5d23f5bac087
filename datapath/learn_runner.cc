#include "datapath/learn_runner.h"

#include <memory>

#include "datapath/classify.h"
#include "datapath/megaflow_cache.h"
#include "lib/flow/learn.h"

namespace ferry {

namespace {

class Collector : public XlateLearns {
 public:
  void learn(const Action* head, const OfKey& flow) override {
    LearnedFlow lf;
    lf.fm = learn_flow_mod(head, flow);
    lf.limit = learn_params(*head).limit;
    flows.push_back(std::move(lf));
  }
  std::vector<LearnedFlow> flows;
};

}  // namespace

std::vector<LearnedFlow> run_learns(const DpBridge& br, const FlowKey& key) {
  Collector col;
  auto xo = std::make_unique<XlateOut>();
  xo->learns = &col;
  FlowKey wc = zero_key();
  (void)classify(br, key, &wc, xo.get());
  return std::move(col.flows);
}

std::vector<FlowKey> learning_megaflows(const std::vector<const MegaflowCache*>& caches,
                                        int64_t since_ms) {
  std::vector<FlowKey> keys;
  for (const MegaflowCache* c : caches) {
    if (!c) continue;
    c->for_each([&](const MegaflowCache::EntryCopy& e) {
      if (e.xlate_learns && e.used_ms > since_ms) keys.push_back(e.key);
    });
  }
  return keys;
}

}  // namespace ferry
