#include "metrics/metric_store.h"

#include <algorithm>
#include <atomic>
#include <utility>

namespace novacron::metrics {
namespace {

size_t hashKey(std::string_view name, const Labels& labels) {
  size_t h = std::hash<std::string_view>{}(name);
  for (const Label& l : labels) {
    h = h * 1000003u ^ std::hash<std::string_view>{}(l.name);
    h = h * 1000003u ^ std::hash<std::string_view>{}(l.value);
  }
  return h;
}

uint64_t newGeneration() {
  static std::atomic<uint64_t> last{0};
  return ++last;
}

}  // namespace

void sortLabels(Labels& labels) {
  if (!std::is_sorted(labels.begin(), labels.end())) std::sort(labels.begin(), labels.end());
}

size_t MetricStore::Hash::operator()(const KeyView& k) const { return hashKey(k.name, *k.labels); }
size_t MetricStore::Hash::operator()(const std::unique_ptr<Series>& s) const {
  return hashKey(s->metric().name, s->labels());
}
bool MetricStore::Eq::operator()(const KeyView& a, const std::unique_ptr<Series>& b) const {
  return a.name == b->metric().name && *a.labels == b->labels();
}
bool MetricStore::Eq::operator()(const std::unique_ptr<Series>& a, const KeyView& b) const {
  return (*this)(b, a);
}
bool MetricStore::Eq::operator()(const std::unique_ptr<Series>& a,
                                 const std::unique_ptr<Series>& b) const {
  return a == b;
}

MetricStore::MetricStore(StoreOptions options) : options_(options), generation_(newGeneration()) {}
MetricStore::~MetricStore() = default;

MetricStore::MetricStore(MetricStore&& other) noexcept
    : options_(other.options_), generation_(newGeneration()) {
  *this = std::move(other);
}

MetricStore& MetricStore::operator=(MetricStore&& other) noexcept {
  if (this == &other) return *this;
  options_ = std::move(other.options_);
  history_ = std::exchange(other.history_, std::nullopt);
  series_ = std::exchange(other.series_, {});
  by_name_ = std::exchange(other.by_name_, {});
  points_ = std::exchange(other.points_, 0);
  generation_ = std::exchange(other.generation_, newGeneration());
  dropped_series_ = std::exchange(other.dropped_series_, 0);
  dropped_points_ = std::exchange(other.dropped_points_, 0);
  scraped_ = std::exchange(other.scraped_, {});
  target_bytes_ = std::exchange(other.target_bytes_, {});
  scraped_bytes_ = std::exchange(other.scraped_bytes_, 0);
  evicted_series_ = std::exchange(other.evicted_series_, 0);
  return *this;
}

void MetricStore::append(TimePoint t, std::span<const Sample> samples, AppendHint* hint) {
  if (hint && hint->generation_ != generation_) {
    hint->series_.clear();
    hint->generation_ = generation_;
  }
  if (hint) hint->series_.resize(samples.size());
  Labels sorted;
  bool scraped_added = false;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    Series* series = hint ? hint->series_[i] : nullptr;
    if (!series || &series->metric() != s.metric || series->labels() != s.labels) {
      const Labels* labels = &s.labels;
      if (!std::is_sorted(s.labels.begin(), s.labels.end())) {
        sorted = s.labels;
        sortLabels(sorted);
        labels = &sorted;
      }
      auto it = series_.find(KeyView{s.metric->name, labels});
      if (it == series_.end()) {
        if (series_.size() >= options_.max_series) {
          ++dropped_series_;
          if (hint) hint->series_[i] = nullptr;
          continue;
        }
        it = series_.insert(std::make_unique<Series>(s.metric, *labels)).first;
        (*it)->setMaxPoints(maxPointsOf(s.metric->name));
        index(it->get());
        if (s.metric->labels == "*") {
          account(it->get(), true);
          scraped_added = true;
        }
      }
      series = it->get();
      if (hint) hint->series_[i] = series;
    }
    if (series->full()) series->grow(options_.retention, series->maxPoints());
    if (series->append(t, s.value))
      ++points_;
    else
      ++dropped_points_;
  }
  // After the loop: the hints of this call still point at the series they found.
  if (scraped_added) enforceBudgets();
}

namespace {

std::string_view targetOf(const Series& s) {
  for (const Label& l : s.labels()) {
    if (l.name == "target") return l.value;
  }
  return {};
}

// What a series holds, roughly but on the side of more: the object, its labels (the store's
// label index keeps a second copy of each value as a key), the index's entries, and the points
// the ring may grow to.
size_t bytesOf(const Series& s) {
  size_t bytes = sizeof(Series) + 96;
  for (const Label& l : s.labels())
    bytes += sizeof(Label) + l.name.capacity() + 2 * l.value.size() + 160;
  return bytes + std::min<size_t>(s.maxPoints(), 1024) * 16;
}

}  // namespace

void MetricStore::account(const Series* s, bool add) {
  std::string_view target = targetOf(*s);
  auto t = target_bytes_.find(target);
  if (add) {
    size_t bytes = bytesOf(*s);
    scraped_[s] = bytes;
    scraped_bytes_ += bytes;
    if (t == target_bytes_.end()) t = target_bytes_.emplace(std::string(target), 0).first;
    t->second += bytes;
    return;
  }
  auto it = scraped_.find(s);
  if (it == scraped_.end()) return;
  scraped_bytes_ -= it->second;
  if (t != target_bytes_.end() && (t->second -= it->second) == 0) target_bytes_.erase(t);
  scraped_.erase(it);
}

size_t MetricStore::scrapedBytesOf(std::string_view target) const {
  auto t = target_bytes_.find(target);
  return t == target_bytes_.end() ? 0 : t->second;
}

void MetricStore::enforceBudgets() {
  // A series goes when its target is over its own budget, or when all are over theirs and its
  // target holds the most: a quiet target never pays for a churning one.
  auto over = [&](const Series* s) {
    size_t mine = scrapedBytesOf(targetOf(*s));
    if (mine > options_.max_bytes_per_target) return true;
    if (scraped_bytes_ <= options_.max_scraped_bytes) return false;
    for (const auto& [target, bytes] : target_bytes_)
      if (bytes > mine) return false;
    return true;
  };
  bool any = scraped_bytes_ > options_.max_scraped_bytes;
  for (const auto& [target, bytes] : target_bytes_)
    any = any || bytes > options_.max_bytes_per_target;
  if (!any) return;
  // The series updated longest ago go first: those a churning target stopped sending.
  std::vector<std::pair<TimePoint, const Series*>> oldest;
  oldest.reserve(scraped_.size());
  for (const auto& [s, bytes] : scraped_)
    oldest.emplace_back(s->empty() ? TimePoint{} : s->back().t, s);
  std::sort(oldest.begin(), oldest.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [when, s] : oldest) {
    if (!over(s)) continue;
    erase(s);
    ++evicted_series_;
  }
}

void MetricStore::erase(const Series* s) {
  unindex(s);
  account(s, false);
  points_ -= s->size();
  auto it = series_.find(KeyView{s->metric().name, &s->labels()});
  if (it != series_.end()) series_.erase(it);
  generation_ = newGeneration();
}

void MetricStore::trim(TimePoint now) {
  TimePoint cutoff = now - options_.retention;
  for (auto it = series_.begin(); it != series_.end();) {
    Series& s = **it;
    size_t before = s.size();
    s.trim(cutoff, s.maxPoints());
    points_ -= before - s.size();
    if (!s.empty()) {
      ++it;
      continue;
    }
    unindex(&s);
    account(&s, false);
    it = series_.erase(it);
    generation_ = newGeneration();
  }
}

namespace {
const std::vector<const Series*> kNone;
}  // namespace

void MetricStore::index(const Series* s) {
  NameIndex& idx = by_name_[s->metric().name];
  idx.all.push_back(s);
  for (const Label& l : s->labels()) idx.by_label[l.name][l.value].push_back(s);
}

void MetricStore::unindex(const Series* s) {
  auto it = by_name_.find(s->metric().name);
  if (it == by_name_.end()) return;
  NameIndex& idx = it->second;
  std::erase(idx.all, s);
  for (const Label& l : s->labels()) {
    auto& by_value = idx.by_label[l.name];
    auto v = by_value.find(l.value);
    if (v == by_value.end()) continue;
    std::erase(v->second, s);
    if (v->second.empty()) by_value.erase(v);
    if (by_value.empty()) idx.by_label.erase(l.name);
  }
  if (idx.all.empty()) by_name_.erase(it);
}

const std::vector<const Series*>& MetricStore::select(std::string_view metric_name) const {
  auto it = by_name_.find(metric_name);
  return it == by_name_.end() ? kNone : it->second.all;
}

const std::vector<const Series*>& MetricStore::selectEqual(std::string_view metric_name,
                                                           std::string_view label,
                                                           std::string_view value) const {
  auto it = by_name_.find(metric_name);
  if (it == by_name_.end()) return kNone;
  auto l = it->second.by_label.find(label);
  if (l == it->second.by_label.end()) return kNone;
  auto v = l->second.find(value);
  return v == l->second.end() ? kNone : v->second;
}

const Series* MetricStore::find(std::string_view metric_name, const Labels& labels) const {
  Labels sorted = labels;
  sortLabels(sorted);
  auto it = series_.find(KeyView{metric_name, &sorted});
  return it == series_.end() ? nullptr : it->get();
}

size_t MetricStore::maxPointsOf(std::string_view metric_name) const {
  for (std::string_view name : options_.short_history) {
    if (metric_name == name) return options_.short_history_points;
  }
  if (history_ && !history_->contains(metric_name)) return options_.short_history_points;
  return options_.max_points_per_series;
}

void MetricStore::keepHistoryOf(std::unordered_set<std::string> metric_names) {
  history_.emplace(std::make_move_iterator(metric_names.begin()),
                   std::make_move_iterator(metric_names.end()));
  for (const auto& s : series_) s->setMaxPoints(maxPointsOf(s->metric().name));
}

}  // namespace novacron::metrics
