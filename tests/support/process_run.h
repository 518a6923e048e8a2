#pragma once

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "io/process_runner.h"
#include "tests/support/io_thread.h"

namespace novacron::testing {

/// Runs `spec` on the loop thread and waits (bounded, generously) for its result.
inline actions::ProcessResult runToEnd(IoThread& io, actions::ProcessSpec spec) {
  std::promise<actions::ProcessResult> p;
  auto f = p.get_future();
  boost::asio::post(io.io(), [&] {
    actions::runProcess(io.io(), std::move(spec),
                        [&](actions::ProcessResult r) { p.set_value(std::move(r)); });
  });
  EXPECT_EQ(f.wait_for(std::chrono::seconds(120)), std::future_status::ready);
  return f.get();
}

/// A process to run: `argv` with the base environment.
inline actions::ProcessSpec processSpec(std::vector<std::string> argv) {
  actions::ProcessSpec s;
  s.argv = std::move(argv);
  s.env = actions::baseEnvironment();
  return s;
}

}  // namespace novacron::testing
