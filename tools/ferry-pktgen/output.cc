#include <unistd.h>

#include <cstdio>

#include "lib/util/text.h"
#include "tools/ferry-pktgen/commands.h"

namespace ferry::pktgen {

int fail(std::string_view cmd, const Error& e) {
  std::fprintf(stderr, "ferry-pktgen %.*s: %s\n", static_cast<int>(cmd.size()), cmd.data(),
               e.message.c_str());
  return 1;
}

void emit(const Options& opts, const rpc::Json& json, const std::string& human) {
  std::string out = opts.has("json") ? json.dump() : human;
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

Status write_ready_file(const Options& opts) {
  if (!opts.has("ready-file")) return {};
  const std::string& path = opts.get("ready-file");
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return make_error("cannot write " + tmp);
  std::fprintf(f, "%d\n", static_cast<int>(getpid()));
  bool ok = std::fclose(f) == 0 && std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) return make_error("cannot write " + path);
  return {};
}

}  // namespace ferry::pktgen
