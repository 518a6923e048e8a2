#pragma once

#include <memory>

#include "coordinator/config.h"

namespace novacron::coordinator {

/// The server: applies pending migrations (under the advisory lock), then serves the API until
/// SIGTERM or SIGINT; SIGHUP reads the TLS certificate and key again. Keeps nothing of its own:
/// every fact is in PostgreSQL, so any number of coordinators may serve one fleet.
class Coordinator {
 public:
  explicit Coordinator(Config config);
  ~Coordinator();
  /// The exit status: 0 after a signal, 1 when it could not start.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace novacron::coordinator
