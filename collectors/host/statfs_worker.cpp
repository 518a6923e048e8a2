#include "collectors/host/statfs_worker.h"

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace novacron::collectors {

StatfsFn realStatfs() {
  return [](const std::string& path, struct statvfs* out) {
    return ::statvfs(path.c_str(), out) == 0 ? 0 : errno;
  };
}

// Owned jointly by the worker object and every thread, so that a thread stuck in the kernel can
// outlive the collector that started it.
struct StatfsWorker::Shared {
  StatfsFn fn;
  mutable std::mutex mu;
  std::condition_variable work_cv;  // threads wait here for paths
  std::condition_variable done_cv;  // waitFor waits here for answers
  std::deque<std::string> queue;
  std::unordered_map<std::string, State> states;
  std::vector<std::thread> threads;
  size_t idle = 0;
  bool stopping = false;

  void loop() {
    std::unique_lock lock(mu);
    for (;;) {
      ++idle;
      work_cv.wait(lock, [&] { return stopping || !queue.empty(); });
      --idle;
      if (stopping) return;
      std::string path = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      struct statvfs st {};
      int err = fn(path, &st);
      lock.lock();
      State& s = states[path];
      s.in_flight = false;
      s.error = err;
      if (err == 0) s.result = st;
      ++s.answers;
      // One wake-up for the waiter per batch, not per mount: it rechecks every path it asked for,
      // and a path still out (a hung mount) is noticed at its next time slice anyway.
      if (queue.empty()) done_cv.notify_all();
    }
  }
};

StatfsWorker::StatfsWorker(StatfsFn fn, size_t max_threads)
    : shared_(std::make_shared<Shared>()), max_threads_(std::max<size_t>(1, max_threads)) {
  shared_->fn = std::move(fn);
}

StatfsWorker::~StatfsWorker() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(shared_->mu);
    shared_->stopping = true;
    threads.swap(shared_->threads);
  }
  shared_->work_cv.notify_all();
  // A thread stuck in statvfs cannot be joined without hanging shutdown; it holds a reference
  // to Shared and exits on its own when the kernel returns.
  for (std::thread& t : threads) t.detach();
}

void StatfsWorker::maybeSpawnLocked() {
  auto& s = *shared_;
  if (s.queue.empty() || s.idle > 0 || s.threads.size() >= max_threads_) return;
  // Each thread costs a stack and a malloc arena: one more only for a call left waiting.
  auto waited = std::chrono::steady_clock::now() - s.states[s.queue.front()].since;
  if (s.threads.empty() || waited >= kQueueWait)
    s.threads.emplace_back([shared = shared_] { shared->loop(); });
}

bool StatfsWorker::request(const std::string& path) {
  return !request(std::vector<std::string>{path}).empty();
}

std::vector<std::string> StatfsWorker::request(const std::vector<std::string>& paths) {
  std::vector<std::string> queued;
  {
    std::lock_guard lock(shared_->mu);
    auto now = std::chrono::steady_clock::now();
    for (const std::string& path : paths) {
      State& s = shared_->states[path];
      if (s.in_flight) continue;
      s.in_flight = true;
      s.since = now;
      shared_->queue.push_back(path);
      queued.push_back(path);
    }
    maybeSpawnLocked();
  }
  // One wake-up for the whole sweep's mounts: a thread woken per mount went back to sleep
  // between them, two context switches each.
  if (!queued.empty()) shared_->work_cv.notify_one();
  return queued;
}

void StatfsWorker::waitFor(const std::vector<std::string>& paths, SteadyTime deadline) {
  // Wake up every few milliseconds to notice a thread stuck with work still queued behind it.
  constexpr auto kSlice = std::chrono::milliseconds(5);
  std::unique_lock lock(shared_->mu);
  for (;;) {
    bool pending = false;
    for (const std::string& p : paths) {
      auto it = shared_->states.find(p);
      if (it != shared_->states.end() && it->second.in_flight) {
        pending = true;
        break;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (!pending || now >= deadline) return;
    maybeSpawnLocked();
    shared_->work_cv.notify_one();
    shared_->done_cv.wait_until(lock, std::min(deadline, now + kSlice));
  }
}

StatfsWorker::State StatfsWorker::state(const std::string& path) const {
  std::lock_guard lock(shared_->mu);
  auto it = shared_->states.find(path);
  return it == shared_->states.end() ? State{} : it->second;
}

size_t StatfsWorker::threads() const {
  std::lock_guard lock(shared_->mu);
  return shared_->threads.size();
}

}  // namespace novacron::collectors
