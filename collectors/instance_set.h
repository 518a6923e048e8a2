#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/instance_health.h"
#include "collectors/source.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// The configured instances of one kind of server (PostgreSQL, Redis), each collected by its own
/// `Collector` on its own timer; the instances' samples and status rows, in configuration order.
/// Event-loop only.
template <class Collector, class Config>
class InstanceSet : public Source {
 public:
  using Sink = typename Collector::Sink;
  InstanceSet(boost::asio::io_context& io, const Clock& clock, Sink sink, std::string kind)
      : io_(io), clock_(clock), sink_(std::move(sink)), kind_(std::move(kind)) {}
  ~InstanceSet() override { stop(); }

  /// Replaces the instances (start and reload): each new one connects at once.
  void configure(const std::vector<Config>& configs) {
    stop();
    for (const auto& c : configs) {
      instances_.push_back(std::make_unique<Collector>(io_, clock_, c, sink_));
      instances_.back()->start();
    }
  }
  void stop() override {
    for (auto& i : instances_) i->stop();
    instances_.clear();
  }
  void latest(Batches& out) const override {
    for (const auto& i : instances_) out.add(i->health().latest);
  }
  void status(std::vector<SourceStatus>& rows) const override {
    for (const auto& i : instances_) rows.push_back(i->health().row(kind_));
  }

 protected:
  const std::vector<std::unique_ptr<Collector>>& instances() const { return instances_; }

 private:
  boost::asio::io_context& io_;
  const Clock& clock_;
  Sink sink_;
  std::string kind_;
  std::vector<std::unique_ptr<Collector>> instances_;
};

}  // namespace novacron::collectors
