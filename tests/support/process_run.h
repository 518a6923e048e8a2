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
inline io::ProcessResult runToEnd(IoThread& io, io::ProcessSpec spec) {
  std::promise<io::ProcessResult> p;
  auto f = p.get_future();
  boost::asio::post(io.io(), [&] {
    io::runProcess(io.io(), std::move(spec),
                   [&](io::ProcessResult r) { p.set_value(std::move(r)); });
  });
  EXPECT_EQ(f.wait_for(std::chrono::seconds(120)), std::future_status::ready);
  return f.get();
}

/// A process to run: `argv` with the base environment.
inline io::ProcessSpec processSpec(std::vector<std::string> argv) {
  io::ProcessSpec s;
  s.argv = std::move(argv);
  s.env = io::baseEnvironment();
  return s;
}

}  // namespace novacron::testing
