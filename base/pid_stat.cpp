#include "base/pid_stat.h"

#include "base/proc_file.h"
#include "base/text_parse.h"

namespace novacron {
namespace {

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<PidStat> parsePidStat(std::string_view text) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  PidStat st;
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  // After ')': state(3) ppid(4) pgrp(5) session(6) ... utime(14) stime(15) ... starttime(22)
  // vsize(23) rss(24).
  FieldCursor f(text.substr(close + 1));
  std::string_view state = f.next();
  if (state.size() != 1) return std::nullopt;
  st.state = state[0];
  auto ppid = number<pid_t>(f.next());
  auto pgrp = number<pid_t>(f.next());
  auto session = number<pid_t>(f.next());
  if (!ppid || !pgrp || !session) return std::nullopt;
  std::optional<uint64_t> utime, stime, start, rss;
  std::optional<uint32_t> threads;
  for (int field = 7; field <= 24; ++field) {
    std::string_view v = f.next();
    if (v.empty()) return std::nullopt;
    if (field == 14) utime = number<uint64_t>(v);
    if (field == 15) stime = number<uint64_t>(v);
    if (field == 20) threads = number<uint32_t>(v);
    if (field == 22) start = number<uint64_t>(v);
    if (field == 24) rss = number<uint64_t>(v);
  }
  if (!utime || !stime || !threads || !start || !rss) return std::nullopt;
  st.threads = *threads;
  st.utime_ticks = *utime;
  st.stime_ticks = *stime;
  st.rss_pages = *rss;
  st.ppid = *ppid;
  st.pgrp = *pgrp;
  st.session = *session;
  st.start_ticks = *start;
  return st;
}

std::optional<PidStat> readPidStat(pid_t pid) {
  auto text = readWholeFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  return parsePidStat(*text);
}

}  // namespace novacron
