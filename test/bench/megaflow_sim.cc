// The megaflow economy of a rule table, measured without a datapath: the
// rules go into a flow table as ovs-ofctl would add them, the packets are
// classified in order, and a simulated megaflow cache counts the entries a
// datapath would install (a packet covered by an existing entry, masked key
// under its mask, is a hit; otherwise it is looked up with wildcards and its
// answer inserted under the consulted bits plus the exact input port, as
// datapath/classify.cc does). Deterministic: same input, same count.
//
//   megaflow-sim --rules FILE (--pcap FILE | --flows FILE) [--in-port N] [--dump N]
//
// --rules   one flow per line in ovs-ofctl syntax ('#' comments; ports
//           "src" and "sink" are 1 and 2);
// --pcap    the packets, as the benchmark replays them;
// --flows   or one packet per line: "SRC DST PROTO SPORT DPORT" (IPv4,
//           PROTO udp|tcp);
// --dump N  also print the first N megaflows' masks;
// --hex 1   instead, print the packets' frames in hex, one a line (for
//           ovs-appctl netdev-dummy/receive).
// Prints: megaflows=M masks=K packets=P hits=H rules=R lookup_ns_total=T
// (T: time spent in the classifier's lookups, measured, machine-dependent).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "lib/flow/classifier.h"
#include "lib/flow/flow_table.h"
#include "lib/ovs/ofparse.h"
#include "lib/packet/builder.h"
#include "lib/packet/parser.h"

using namespace ferry;

namespace {

struct KeyHash {
  size_t operator()(const FlowKey& k) const { return hash_key(k); }
};

struct MaskLess {
  bool operator()(const FlowKey& a, const FlowKey& b) const {
    return std::memcmp(&a, &b, sizeof a) < 0;
  }
};

FlowKey masked(const FlowKey& k, const FlowKey& m) {
  FlowKey out;
  for (size_t w = 0; w < FlowKey::kWords; w++) out.words()[w] = k.words()[w] & m.words()[w];
  return out;
}

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "megaflow-sim: %s\n", msg.c_str());
  std::exit(1);
}

bool read_rules(const std::string& path, const ovs::PortNames& ports, FlowTable* t) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path);
  std::string line;
  size_t n = 0;
  std::vector<FlowMod> fms;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto fm = ovs::parse_flow_mod(line, FlowModCommand::kAdd, ports);
    if (!fm) die(path + ":" + std::to_string(n + 1) + ": " + fm.error().message);
    fms.push_back(std::move(*fm));
    n++;
  }
  Status st = t->apply_bundle(fms, 0, nullptr);
  if (!st) die("adding the rules: " + st.error().message);
  return true;
}

using Frames = std::vector<std::vector<uint8_t>>;

void read_pcap(const std::string& path, Frames* frames) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) die("cannot read " + path);
  uint8_t hdr[24];
  if (std::fread(hdr, 1, 24, f) != 24) die(path + ": no pcap header");
  uint8_t rec[16];
  while (std::fread(rec, 1, 16, f) == 16) {
    uint32_t caplen;
    std::memcpy(&caplen, rec + 8, 4);
    std::vector<uint8_t> frame(caplen);
    if (std::fread(frame.data(), 1, caplen, f) != caplen) break;
    frames->push_back(std::move(frame));
  }
  std::fclose(f);
}

// The frames ferry-pcapgen would write for these 5-tuples.
void read_flows(const std::string& path, Frames* frames) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path);
  std::string line;
  const Mac dst{0x02, 0, 0, 0, 0, 0x01}, src{0x02, 0, 0, 0, 0, 0x10};
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string sa, da, proto;
    unsigned sport = 0, dport = 0;
    if (!(s >> sa >> da >> proto >> sport >> dport)) continue;
    uint32_t nw_src, nw_dst;
    if (inet_pton(AF_INET, sa.c_str(), &nw_src) != 1 ||
        inet_pton(AF_INET, da.c_str(), &nw_dst) != 1)
      die(path + ": bad address in \"" + line + "\"");
    FrameBuilder b;
    b.eth(dst, src).ipv4(nw_src, nw_dst).ttl(64);
    if (proto == "tcp")
      b.tcp(static_cast<uint16_t>(sport), static_cast<uint16_t>(dport));
    else
      b.udp(static_cast<uint16_t>(sport), static_cast<uint16_t>(dport));
    frames->push_back(b.build());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string rules, pcap, flows;
  uint32_t in_port = 1;
  size_t dump = 0;
  bool hex = false;
  ovs::PortNames ports = {{"src", 1}, {"sink", 2}};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--rules")
      rules = v;
    else if (a == "--pcap")
      pcap = v;
    else if (a == "--flows")
      flows = v;
    else if (a == "--in-port")
      in_port = static_cast<uint32_t>(std::stoul(v));
    else if (a == "--dump")
      dump = std::stoul(v);
    else if (a == "--hex")
      hex = v == "1";
    else
      die("unknown option " + a);
  }
  if ((rules.empty() && !hex) || pcap.empty() == flows.empty())
    die("usage: megaflow-sim --rules FILE (--pcap FILE | --flows FILE) [--in-port N] [--dump N]\n"
        "       megaflow-sim (--pcap FILE | --flows FILE) --hex 1");
  FlowTable table;
  if (!hex) read_rules(rules, ports, &table);
  std::shared_ptr<const Classifier> cls = table.classifier();
  Frames frames;
  if (!pcap.empty())
    read_pcap(pcap, &frames);
  else
    read_flows(flows, &frames);
  if (hex) {  // for ovs-appctl netdev-dummy/receive
    for (const auto& f : frames) {
      for (uint8_t b : f) std::printf("%02x", b);
      std::printf("\n");
    }
    return 0;
  }
  std::vector<FlowKey> keys;
  for (const auto& f : frames) {
    FlowKey k;
    if (parse_frame(f.data(), static_cast<uint32_t>(f.size()), in_port, &k) == ParseStatus::kOk)
      keys.push_back(k);
  }

  // The cache: per distinct mask, the set of masked keys.
  std::map<FlowKey, std::unordered_set<FlowKey, KeyHash>, MaskLess> cache;
  size_t n_megaflows = 0, hits = 0;
  double lookup_ns = 0;  // time in the classifier (the misses' lookups)
  std::vector<std::pair<FlowKey, FlowKey>> dumped;
  for (const FlowKey& k : keys) {
    bool hit = false;
    for (const auto& [mask, entries] : cache) {
      if (entries.count(masked(k, mask))) {
        hit = true;
        break;
      }
    }
    if (hit) {
      hits++;
      continue;
    }
    FlowKey wc = zero_key();
    wc.in_port = UINT32_MAX;
    const auto t0 = std::chrono::steady_clock::now();
    cls->lookup(k, &wc);
    lookup_ns +=
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    cache[wc].insert(masked(k, wc));
    n_megaflows++;
    if (dumped.size() < dump) dumped.emplace_back(masked(k, wc), wc);
  }
  for (const auto& [key, mask] : dumped) {
    std::printf("megaflow key %s\n         mask %s\n", key.to_string().c_str(),
                mask.to_string().c_str());
  }
  std::printf("megaflows=%zu masks=%zu packets=%zu hits=%zu rules=%zu lookup_ns_total=%.0f\n",
              n_megaflows, cache.size(), keys.size(), hits, cls->size(), lookup_ns);
  return 0;
}
