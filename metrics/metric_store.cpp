#include "metrics/metric_store.h"

#include <algorithm>
#include <atomic>
#include <utility>

namespace novacron::collectors {
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
  return *this;
}

void MetricStore::append(TimePoint t, std::span<const Sample> samples, AppendHint* hint) {
  if (hint && hint->generation_ != generation_) {
    hint->series_.clear();
    hint->generation_ = generation_;
  }
  if (hint) hint->series_.resize(samples.size());
  Labels sorted;
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

}  // namespace novacron::collectors
