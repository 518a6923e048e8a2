#include "agent/replay.h"
#include "actions/registry.h"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <ostream>

#include "agent/catalog.h"
#include "metrics/sample_json.h"
#include "policy/playbook_loader.h"

namespace novacron::agent {

std::string withLabels(const std::string& name, const metrics::Labels& labels) {
  if (labels.empty()) return name;
  std::string s = name + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    s += (i ? "," : "") + labels[i].name + "=\"" + labels[i].value + "\"";
  }
  return s + "}";
}

namespace {

constexpr size_t kMaxBatch = 200'000;

// Lines of a file, read a megabyte at a time and handed out as views (getline copies each one).
// A line longer than the buffer is handed out in pieces, which then fail to parse.
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& path)
      : file_(std::fopen(path.c_str(), "rb")), buf_(1 << 20) {}
  ~LineReader() {
    if (file_) std::fclose(file_);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  bool open() const { return file_ != nullptr; }

  bool next(std::string_view& line) {
    for (;;) {
      const char* nl = static_cast<const char*>(std::memchr(buf_.data() + at_, '\n', end_ - at_));
      if (nl) {
        line = std::string_view(buf_.data() + at_, static_cast<size_t>(nl - buf_.data()) - at_);
        at_ = static_cast<size_t>(nl - buf_.data()) + 1;
        return true;
      }
      if (eof_ || (at_ == 0 && end_ == buf_.size())) {
        if (at_ == end_) return false;
        line = std::string_view(buf_.data() + at_, end_ - at_);  // no final newline, or too long
        at_ = end_;
        return true;
      }
      std::memmove(buf_.data(), buf_.data() + at_, end_ - at_);
      end_ -= at_;
      at_ = 0;
      size_t got = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_);
      end_ += got;
      eof_ = got == 0;
    }
  }

 private:
  std::FILE* file_;
  std::vector<char> buf_;
  size_t at_ = 0, end_ = 0;
  bool eof_ = false;
};

// The first step of an incident that opens, as the incident manager would take it when nothing
// passes it over (an only_if, the kill switch, a budget): the replay has no manager, and says
// what it would do.
struct FirstStep {
  const char* kind;  // "run" or "await_approval"
  std::string what;
};
std::optional<FirstStep> firstStep(const policy::Playbook& p) {
  if (p.actions.empty()) return std::nullopt;
  const policy::ActionSpec& a = p.actions.front();
  if (a.automated) return FirstStep{"run", a.id + " (" + a.type + ") would run"};
  return FirstStep{"await_approval", a.id + " (" + a.type + ") would wait for approval"};
}

}  // namespace

int runReplay(const ReplayOptions& options, std::ostream& out, std::ostream& err) {
  std::span<const policy::PlaybookSource> builtins;
  if (options.with_builtins) builtins = policy::builtinPlaybooks();
  auto load = policy::loadPolicy(
      builtins, options.playbooks_dir,
      {[](std::string_view n) { return findMetric(n); }, false, actions::actionCatalog(), ""});
  if (!load.policy) {
    for (const auto& e : load.errors) err << e.str() << "\n";
    return 1;
  }
  if (load.policy->playbooks.empty()) {
    err << "replay: no playbooks to evaluate (give --playbooks DIR or --builtin)\n";
    return 2;
  }
  LineReader in(options.metrics);
  if (!in.open()) {
    err << options.metrics.string() << ": cannot open\n";
    return 1;
  }

  // Definitions for metric names the catalog does not know live as long as the store.
  metrics::RecordedMetrics metrics([](std::string_view n) { return findMetric(n); });
  metrics::MetricStore store;
  metrics::MetricStore::AppendHint hint;  // a recording's moments list their series alike
  policy::Evaluator eval(load.policy, options.evaluator);
  std::map<policy::DecisionKind, int> counts;
  int would_run = 0, would_wait = 0;
  std::vector<metrics::Sample> batch;
  std::optional<TimePoint> batch_time, first, last;
  size_t samples = 0;

  auto flush = [&] {
    if (!batch_time) return;
    store.append(*batch_time, batch, &hint);
    store.trim(*batch_time);
    auto print = [&](TimePoint at, std::string_view kind, const policy::Decision& d,
                     const std::string& what) {
      char padded[16];
      std::snprintf(padded, sizeof(padded), "%-9s", std::string(kind).c_str());
      out << formatTimestamp(at) << "  " << padded << " " << withLabels(d.playbook, d.labels)
          << "  " << what << "\n";
    };
    for (const policy::Decision& d : eval.evaluate(store, *batch_time)) {
      ++counts[d.kind];
      bool open = d.kind == policy::DecisionKind::kOpen;
      print(d.at, policy::decisionName(d.kind), d,
            open ? "SEV-" + std::to_string(d.severity) + "  " + d.reason : d.reason);
      if (!open) continue;
      const policy::Playbook* p = load.policy->find(d.playbook);
      if (d.flapping || !p) continue;  // opened while flapping: no step is taken
      if (auto step = firstStep(*p)) {
        ++(std::string_view(step->kind) == "run" ? would_run : would_wait);
        print(d.at, step->kind, d, step->what);
      }
    }
    batch.clear();
  };

  std::string_view line;
  int lineno = 0;
  while (in.next(line)) {
    ++lineno;
    if (line.empty()) continue;
    auto s = metrics::parseSampleJsonLine(line, metrics);
    if (!s) {
      err << options.metrics.string() << ":" << lineno << ": " << s.error().message << "\n";
      return 1;
    }
    if (batch_time && s->t < *batch_time) {
      err << options.metrics.string() << ":" << lineno << ": samples go back in time ("
          << formatTimestamp(s->t) << " after " << formatTimestamp(*batch_time) << ")\n";
      return 1;
    }
    if (!batch_time || s->t != *batch_time) {
      flush();
      batch_time = s->t;
    }
    // Memory stays bounded whatever the file: a batch is one moment of one host.
    if (batch.size() >= kMaxBatch) {
      err << options.metrics.string() << ":" << lineno << ": more than " << kMaxBatch
          << " samples at " << formatTimestamp(s->t) << "\n";
      return 1;
    }
    if (!first) first = s->t;
    last = s->t;
    batch.push_back(std::move(s->sample));
    ++samples;
  }
  flush();
  if (!first) {
    err << options.metrics.string() << ": no samples\n";
    return 1;
  }
  out << "summary: " << counts[policy::DecisionKind::kOpen] << " opened, "
      << counts[policy::DecisionKind::kResolve] << " resolved, " << eval.open().size()
      << " still open at the end; actions that would run: " << would_run
      << ", waiting for approval: " << would_wait << "; " << samples << " samples from "
      << formatTimestamp(*first) << " to " << formatTimestamp(*last) << "\n";
  return 0;
}

}  // namespace novacron::agent
