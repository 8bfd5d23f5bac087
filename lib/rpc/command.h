// Control-socket commands: each component declares a table of
// {name, usage, min/max args, handler} next to its code and registers it.
// A handler answers through a Reply, at once or later (deferred: the reply
// object is kept and completed from the control loop, e.g. after a change
// is visible to every PMD, or for a long poll).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ferry::rpc {

class Reply {
 public:
  virtual ~Reply() = default;
  // Completes the request with a result text (ovs-appctl prints it).
  virtual void ok(const std::string& text) = 0;
  // Completes the request with an error (ovs-appctl prints it, exits 2).
  virtual void error(const std::string& text) = 0;
  // False once completed, or when the client went away.
  virtual bool pending() const = 0;
};
using ReplyPtr = std::shared_ptr<Reply>;

using CommandHandler =
    std::function<void(const std::vector<std::string>& args, const ReplyPtr& reply)>;

struct CommandSpec {
  std::string name;   // "component/verb"
  std::string usage;  // "BRIDGE [FLOW]"
  int min_args = 0;
  int max_args = 0;
  CommandHandler handler;
};

class CommandRegistry {
 public:
  void add(CommandSpec spec);
  void add_table(const std::vector<CommandSpec>& table);
  void remove(const std::string& name);
  const CommandSpec* find(const std::string& name) const;
  // The text of `list-commands`, as ovs-appctl shows it.
  std::string list() const;

 private:
  std::map<std::string, CommandSpec> commands_;
};

}  // namespace ferry::rpc
