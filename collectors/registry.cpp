#include "collectors/registry.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "collectors/host/cpu.h"
#include "collectors/host/disk_io.h"
#include "collectors/host/disk_space.h"
#include "collectors/host/load.h"
#include "collectors/host/memory.h"
#include "collectors/host/network.h"
#include "collectors/host/pressure.h"
#include "collectors/host/processes.h"

namespace novacron::collectors {

namespace {

using namespace std::chrono_literals;

// A sweep may wait this long for slow sources (statvfs on a network mount) before it reports
// what it has: a quarter of the interval, and never more than 250 ms.
milliseconds sweepBudget(milliseconds interval) {
  return std::min<milliseconds>(interval / 4, 250ms);
}

}  // namespace

CollectorDeps CollectorDeps::current() {
  CollectorDeps d;
  d.page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  d.ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return d;
}

std::vector<CollectorPtr> makeHostCollectors(const HostOptions& o, const CollectorDeps& deps) {
  DiskSpaceOptions disk;
  disk.exclude_fstypes = o.disk_exclude_fstypes;
  disk.statfs_timeout = o.disk_statfs_timeout;
  std::vector<CollectorPtr> out;
  out.push_back(std::make_unique<CpuCollector>(o.root));
  out.push_back(std::make_unique<MemoryCollector>(o.root, deps.page_size));
  out.push_back(std::make_unique<LoadCollector>(o.root));
  std::error_code ec;
  if (std::filesystem::is_directory(o.root / "proc/pressure", ec))
    out.push_back(std::make_unique<PressureCollector>(o.root));
  out.push_back(std::make_unique<DiskSpaceCollector>(o.root, disk, deps.statfs));
  out.push_back(std::make_unique<DiskIoCollector>(o.root));
  out.push_back(std::make_unique<NetworkCollector>(o.root));
  return out;
}

std::vector<CollectorPtr> makeProcessCollectors(const ProcessOptions& o,
                                                const CollectorDeps& deps) {
  std::vector<CollectorPtr> out;
  out.push_back(std::make_unique<ProcessesCollector>(o.root, o.top, deps.page_size,
                                                     deps.ticks_per_second, deps.open_tasks));
  return out;
}

std::vector<const metrics::MetricDef*> sourceMetrics() {
  SourceOptions defaults;
  CollectorDeps deps;
  std::vector<const metrics::MetricDef*> out;
  auto add = [&](auto&& defs) {
    for (const auto* m : defs) out.push_back(m);
  };
  for (const auto& c : makeHostCollectors(defaults.host, deps)) add(c->metrics());
  for (const auto& c : makeProcessCollectors(defaults.processes, deps)) add(c->metrics());
  add(pressureMetrics());
  for (const ListedSource* l : listedSources()) add(l->metrics());
  for (const SourcePlugin* p : sourcePlugins()) add(p->metrics());
  // Pressure's are listed twice where the host has PSI.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool isHostMetricName(std::string_view name) {
  // Made once: the sources' definitions are constants, and a scrape asks once per new name.
  static const auto* kNames = [] {
    auto* names = new std::vector<std::string_view>;
    for (const metrics::MetricDef* d : sourceMetrics()) {
      std::string_view full = d->name;
      names->push_back(full);
      if (full.starts_with("novacron_")) names->push_back(full.substr(9));
    }
    std::sort(names->begin(), names->end());
    return names;
  }();
  return std::binary_search(kNames->begin(), kNames->end(), name);
}

Sources::Sources(boost::asio::io_context& io, const Clock& clock, std::string systemctl, Sink sink,
                 SourceOptions options, CollectorDeps deps)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      host_("host", makeHostCollectors(options_.host, deps_)),
      processes_("processes", makeProcessCollectors(options_.processes, deps_)),
      plugin_context_{io, clock, std::move(sink), std::move(systemctl)} {
  for (const ListedSource* l : listedSources()) listed_.push_back(l->make(plugin_context_));
  makeSweeps();
}

void Sources::start() {
  started_ = true;
  for (size_t i = 0; i < listed_.size(); ++i) listedSources()[i]->configure(*listed_[i], options_);
  configurePlugins(options_);
}

// A plugin whose settings changed is made again; one no longer configured stops.
void Sources::configurePlugins(const SourceOptions& next) {
  for (auto it = plugins_.begin(); it != plugins_.end();) {
    auto now = next.plugins.find(it->first);
    auto before = options_.plugins.find(it->first);
    bool same = now != next.plugins.end() && before != options_.plugins.end() &&
                now->second == before->second;
    if (same) {
      ++it;
      continue;
    }
    it->second->stop();
    it = plugins_.erase(it);
  }
  for (const auto& [name, settings] : next.plugins) {
    if (plugins_.count(name)) continue;
    if (const SourcePlugin* p = findSourcePlugin(name))
      plugins_.emplace(name, p->make(plugin_context_, settings));
  }
}

bool Sources::configure(const SourceOptions& next) {
  // Groups are replaced in place: the agent's own collector watches them by address.
  if (next.host != options_.host) {
    host_ = CollectorGroup("host", makeHostCollectors(next.host, deps_));
  }
  if (next.processes.root != options_.processes.root) {
    processes_ = CollectorGroup("processes", makeProcessCollectors(next.processes, deps_));
  } else if (next.processes.top != options_.processes.top) {
    for (const auto& c : processes_.collectors()) {
      if (auto* p = dynamic_cast<ProcessesCollector*>(c.get())) p->setTop(next.processes.top);
    }
  }
  for (size_t i = 0; started_ && i < listed_.size(); ++i) {
    const ListedSource* l = listedSources()[i];
    if (l->changed(options_, next)) l->configure(*listed_[i], next);
  }
  if (started_ && next.plugins != options_.plugins) configurePlugins(next);
  bool reschedule = next.host_interval != options_.host_interval ||
                    next.processes_interval != options_.processes_interval;
  options_ = next;
  makeSweeps();
  return reschedule;
}

void Sources::stop() {
  for (auto* s : all()) s->stop();
}

std::vector<Source*> Sources::all() {
  std::vector<Source*> out = {&host_, &processes_};
  for (const auto& source : listed_) out.push_back(source.get());
  for (const auto& [name, source] : plugins_) out.push_back(source.get());
  return out;
}

std::vector<const Source*> Sources::all() const {
  std::vector<const Source*> out = {&host_, &processes_};
  for (const auto& source : listed_) out.push_back(source.get());
  for (const auto& [name, source] : plugins_) out.push_back(source.get());
  return out;
}

void Sources::makeSweeps() {
  sweeps_ = {
      {&host_, options_.host_interval, sweepBudget(options_.host_interval), "the host sweep"},
      {&processes_, options_.processes_interval, 0ms, "the process sweep"}};
}

nlohmann::json Sources::describe(std::string_view source) const {
  for (const Source* s : all()) {
    if (s->name() == source) return s->describe();
  }
  return nullptr;
}

}  // namespace novacron::collectors
