#include "lib/rpc/command.h"

#include <cstdio>

namespace ferry::rpc {

void CommandRegistry::add(CommandSpec spec) {
  std::string name = spec.name;
  commands_[name] = std::move(spec);
}

void CommandRegistry::add_table(const std::vector<CommandSpec>& table) {
  for (const CommandSpec& spec : table) add(spec);
}

void CommandRegistry::remove(const std::string& name) { commands_.erase(name); }

const CommandSpec* CommandRegistry::find(const std::string& name) const {
  auto it = commands_.find(name);
  return it == commands_.end() ? nullptr : &it->second;
}

std::string CommandRegistry::list() const {
  // The format of OVS's unixctl list-commands: "  %-23s %s\n", by name.
  std::string out = "The available commands are:\n";
  for (const auto& [name, spec] : commands_) {
    out += "  ";
    out += name;
    if (name.size() < 23) out.append(23 - name.size(), ' ');
    out += ' ';
    out += spec.usage;
    out += '\n';
  }
  return out;
}

}  // namespace ferry::rpc
