#include <memory>

#include "actions/action_runners.h"
#include "base/text.h"
#include "io/redis/recovery_commands.h"
#include "io/redis/redis_connection.h"

namespace novacron::actions {

namespace {

using io::RedisReply;

nlohmann::json replyJson(const RedisReply& r) {
  switch (r.type) {
    case RedisReply::Type::kInteger:
      return r.integer;
    case RedisReply::Type::kNil:
      return nullptr;
    default:
      return quoteForMessage(r.str, 200);
  }
}

// The commands one after the other on one connection; the first error reply ends the run.
struct RedisRun : std::enable_shared_from_this<RedisRun> {
  std::shared_ptr<io::RedisConnection> conn;
  std::vector<std::vector<std::string>> commands;
  std::chrono::steady_clock::time_point deadline;
  nlohmann::json result;
  ActionDone done;

  void end(ActionOutcome outcome) {
    conn->close();
    done(std::move(outcome));
  }
  void next(size_t i) {
    if (i == commands.size()) return end({RunState::kDone, result});
    auto left = std::max(
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now()),
        milliseconds(1));
    conn->command(commands[i], left, [self = shared_from_this(), i](Result<RedisReply> r) {
      if (!r) return self->end(failed(r.error().message));
      if (r->type == RedisReply::Type::kError) {
        return self->end(failed(self->commands[i][0] + ": the server answered " +
                                escapeControl(quoteForMessage(r->str, 160))));
      }
      if (i + 1 == self->commands.size()) self->result["reply"] = replyJson(*r);
      self->next(i + 1);
    });
  }
};

}  // namespace

// One of the allow-listed recovery commands (io/redis/recovery_commands.h) on a configured
// instance, over its own connection named novacron-agent-action, within the action's timeout.
void runRedisCommand(const ActionEnv& env, ActionRequest request, ActionDone done) {
  const auto& instances = env.settings.redis;
  std::string name = request.spec.with.value("instance", std::string());
  const collectors::RedisConfig* target = nullptr;
  for (const auto& r : instances) {
    if (name.empty() || r.name == name) {
      target = &r;
      break;
    }
  }
  if (!target) {
    return done(failed(instances.empty() ? "no Redis instance is configured (collectors.redis)"
                                         : "no Redis instance named " + quoteForMessage(name, 64)));
  }
  // Checked when the playbook loaded; checked again here, since this is what is sent.
  auto argv = io::recoveryCommand(request.spec.with.value("command", std::string()));
  if (!argv) return done(failed(argv.error().message));
  std::vector<std::vector<std::string>> commands;
  if (auto db = request.spec.with.find("db"); db != request.spec.with.end() && db->is_number())
    commands.push_back({"SELECT", std::to_string(db->get<long long>())});
  commands.push_back(*argv);

  auto run = std::make_shared<RedisRun>();
  run->conn = io::RedisConnection::create(env.io);
  run->commands = std::move(commands);
  run->deadline = std::chrono::steady_clock::now() + request.spec.timeout;
  run->result = {{"instance", target->name}};
  run->done = std::move(done);
  std::string sent;
  for (const auto& w : *argv) sent += (sent.empty() ? "" : " ") + w;
  run->result["command"] = sent;
  run->conn->connect(target->address, target->credentials, "novacron-agent-action",
                     std::min(request.spec.timeout, milliseconds(10000)), [run](Result<void> r) {
                       if (!r) return run->end(failed(r.error().message));
                       run->next(0);
                     });
}

}  // namespace novacron::actions
