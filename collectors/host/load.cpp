#include "collectors/host/load.h"

#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kLoad1{
    "novacron_load1", metrics::MetricType::kGauge, "",
    "Load average over 1 minute (runnable plus uninterruptible tasks)."};
constexpr metrics::MetricDef kLoad5{"novacron_load5", metrics::MetricType::kGauge, "",
                                    "Load average over 5 minutes."};
constexpr metrics::MetricDef kLoad15{"novacron_load15", metrics::MetricType::kGauge, "",
                                     "Load average over 15 minutes."};
constexpr metrics::MetricDef kRunQueue{"novacron_load_run_queue", metrics::MetricType::kGauge, "",
                                       "Tasks runnable at the time of the sample (the run queue)."};
constexpr metrics::MetricDef kTasks{"novacron_load_tasks", metrics::MetricType::kGauge, "",
                                    "Scheduling entities (processes and threads) that exist."};
constexpr const metrics::MetricDef* kMetrics[] = {&kLoad1, &kLoad5, &kLoad15, &kRunQueue, &kTasks};

}  // namespace

Result<LoadAvg> parseLoadavg(std::string_view text) {
  FieldCursor f(text.substr(0, text.find('\n')));
  auto l1 = FieldCursor::parseDouble(f.next());
  auto l5 = FieldCursor::parseDouble(f.next());
  auto l15 = FieldCursor::parseDouble(f.next());
  std::string_view queue = f.next();
  size_t slash = queue.find('/');
  if (!l1 || !l5 || !l15 || slash == std::string_view::npos) {
    return makeError(ErrorCode::kMalformed, "/proc/loadavg: unexpected format");
  }
  auto runnable = FieldCursor::parseU64(queue.substr(0, slash));
  auto tasks = FieldCursor::parseU64(queue.substr(slash + 1));
  if (!runnable || !tasks) return makeError(ErrorCode::kMalformed, "/proc/loadavg: bad run queue");
  return LoadAvg{*l1, *l5, *l15, *runnable, *tasks};
}

LoadCollector::LoadCollector(const std::filesystem::path& root) : loadavg_(root / "proc/loadavg") {}

std::span<const metrics::MetricDef* const> LoadCollector::metrics() const { return kMetrics; }

Result<std::vector<metrics::Sample>> LoadCollector::collect(TimePoint /*now*/,
                                                            milliseconds /*budget*/) {
  auto text = loadavg_.read();
  if (!text) return text.error();
  auto l = parseLoadavg(*text);
  if (!l) return l.error();
  return std::vector<metrics::Sample>{{&kLoad1, {}, l->load1},
                                      {&kLoad5, {}, l->load5},
                                      {&kLoad15, {}, l->load15},
                                      {&kRunQueue, {}, static_cast<double>(l->runnable)},
                                      {&kTasks, {}, static_cast<double>(l->tasks)}};
}

}  // namespace novacron::collectors
