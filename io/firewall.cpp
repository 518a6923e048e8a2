#include "io/firewall.h"

#include <nftables/libnftables.h>

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "base/text.h"
#include "io/shared_library.h"

namespace novacron::io {

namespace {

using json = nlohmann::json;

// libnftables and what it pulls in (libnftnl, libmnl, libxtables, libjansson, libgmp) are
// mapped only by a process that opens the firewall: the broker, when a block is asked for.
// clang-format off
#define NOVACRON_NFT_FUNCTIONS(X) \
  X(nft_ctx_new) \
  X(nft_ctx_free) \
  X(nft_ctx_output_set_flags) \
  X(nft_ctx_buffer_output) \
  X(nft_ctx_buffer_error) \
  X(nft_run_cmd_from_buffer) \
  X(nft_ctx_get_output_buffer) \
  X(nft_ctx_get_error_buffer)
// clang-format on

struct Nft {
#define NOVACRON_NFT_MEMBER(name) decltype(&::name) name = nullptr;
  NOVACRON_NFT_FUNCTIONS(NOVACRON_NFT_MEMBER)
#undef NOVACRON_NFT_MEMBER
  std::string error;
  bool ok = false;
};

Nft loadNft() {
  Nft l;
  constexpr const char* kSoname = "libnftables.so.1";
  void* h = openLibrary(kSoname, "libnftables1", l.error);
  if (!h) return l;
  bool ok = true;
#define NOVACRON_NFT_LOAD(name) ok = ok && bindFunction(h, kSoname, #name, l.name, l.error);
  NOVACRON_NFT_FUNCTIONS(NOVACRON_NFT_LOAD)
#undef NOVACRON_NFT_LOAD
  l.ok = ok;
  return l;
}

// Loaded once, thread-safe; only called after open() has checked it loaded.
const Nft& nft() {
  static const Nft loaded = loadNft();
  return loaded;
}

// "VERB element inet novacron blocked4 { a SUFFIX, b SUFFIX }", and the same for blocked6:
// built from canonical network text only, never from text as it came.
std::string elementCommands(const char* verb, const std::vector<Network>& networks,
                            const std::string& suffix) {
  std::string commands;
  for (bool v6 : {false, true}) {
    std::string e;
    for (const auto& n : networks) {
      if (n.v6 != v6) continue;
      if (!e.empty()) e += ", ";
      e += n.str() + suffix;
    }
    if (!e.empty())
      commands += std::string(verb) + " element inet " + Firewall::kTable +
                  (v6 ? " blocked6 { " : " blocked4 { ") + e + " }\n";
  }
  return commands;
}

Result<Network> networkOf(const json& val) {
  if (val.is_string()) return parseNetwork(val.get<std::string>());
  if (val.is_object() && val.contains("prefix")) {
    const json& p = val["prefix"];
    return parseNetwork(p.value("addr", "") + "/" + std::to_string(p.value("len", -1)));
  }
  if (val.is_object() && val.contains("range")) {
    // An interval that is not a prefix: nftables merged neighbours; shown by its first address.
    return makeError(ErrorCode::kMalformed, "a range that is not a network: " + val.dump());
  }
  return makeError(ErrorCode::kMalformed, "an element that is not an address: " + val.dump());
}

}  // namespace

Firewall::Firewall(nft_ctx* ctx) : ctx_(ctx) {}

Firewall::Firewall(Firewall&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}

Firewall& Firewall::operator=(Firewall&& o) noexcept {
  if (this != &o) {
    if (ctx_) nft().nft_ctx_free(ctx_);
    ctx_ = std::exchange(o.ctx_, nullptr);
  }
  return *this;
}

Firewall::~Firewall() {
  if (ctx_) nft().nft_ctx_free(ctx_);
}

Result<Firewall> Firewall::open() {
  const Nft& api = nft();
  if (!api.ok) return makeError(ErrorCode::kUnavailable, "nftables: " + api.error);
  nft_ctx* ctx = api.nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return makeError(ErrorCode::kUnavailable, "nftables: no context");
  api.nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
  if (api.nft_ctx_buffer_output(ctx) != 0 || api.nft_ctx_buffer_error(ctx) != 0) {
    api.nft_ctx_free(ctx);
    return makeError(ErrorCode::kUnavailable, "nftables: cannot buffer its output");
  }
  Firewall fw(ctx);
  // One transaction: the table, sets and chain where missing (elements stay), the rules anew.
  static constexpr const char* kSetUp = R"(add table inet novacron
add set inet novacron blocked4 { type ipv4_addr; flags interval, timeout; }
add set inet novacron blocked6 { type ipv6_addr; flags interval, timeout; }
add chain inet novacron input { type filter hook input priority -10; policy accept; }
flush chain inet novacron input
add rule inet novacron input ip saddr @blocked4 counter drop
add rule inet novacron input ip6 saddr @blocked6 counter drop
)";
  auto r = fw.run(kSetUp);
  if (!r) return r.error();
  return fw;
}

Result<std::string> Firewall::run(const std::string& commands) {
  int rc = nft().nft_run_cmd_from_buffer(ctx_, commands.c_str());
  std::string out = nft().nft_ctx_get_output_buffer(ctx_);
  std::string err = nft().nft_ctx_get_error_buffer(ctx_);
  if (rc != 0) {
    // nftables's message names the command that failed; one line, text only.
    std::string first = err.substr(0, err.find('\n'));
    return makeError(ErrorCode::kIo, "nftables: " + validUtf8(first.empty() ? "failed" : first));
  }
  return out;
}

Result<void> Firewall::apply(const std::string& commands) {
  if (commands.empty()) return {};
  auto r = run(commands);
  if (!r) return r.error();
  return {};
}

Result<void> Firewall::block(const std::vector<Network>& networks, std::chrono::seconds timeout) {
  if (timeout < std::chrono::seconds(1) || timeout > std::chrono::hours(24 * 30))
    return makeError(ErrorCode::kInvalidArgument, "a block lasts from 1s to 30 days");
  return apply(
      elementCommands("add", networks, " timeout " + std::to_string(timeout.count()) + "s"));
}

Result<void> Firewall::unblock(const std::vector<Network>& networks) {
  auto now = list();
  if (!now) return now.error();
  std::vector<Network> present;
  for (const auto& n : networks) {
    for (const auto& b : *now) {
      if (b.network == n) present.push_back(n);
    }
  }
  return apply(elementCommands("delete", present, ""));
}

std::string blockedJson(const std::vector<Blocked>& blocked) {
  json out = json::array();
  for (const auto& b : blocked)
    out.push_back({{"address", b.network.str()},
                   {"timeout_s", b.timeout.count()},
                   {"expires_s", b.expires.count()}});
  return jsonText(out);
}

Result<std::vector<Blocked>> Firewall::list() {
  std::vector<Blocked> out;
  for (const char* set : {"blocked4", "blocked6"}) {
    auto text = run(std::string("list set inet ") + kTable + " " + set);
    if (!text) return text.error();
    json doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.contains("nftables"))
      return makeError(ErrorCode::kMalformed, "nftables: its listing is not JSON");
    for (const auto& item : doc["nftables"]) {
      if (!item.contains("set") || !item["set"].contains("elem")) continue;
      for (const auto& e : item["set"]["elem"]) {
        const json& el = e.contains("elem") ? e["elem"] : e;
        auto n = networkOf(el.is_object() && el.contains("val") ? el["val"] : el);
        if (!n) return n.error();
        out.push_back({*n, std::chrono::seconds(el.is_object() ? el.value("timeout", 0) : 0),
                       std::chrono::seconds(el.is_object() ? el.value("expires", 0) : 0)});
      }
    }
  }
  return out;
}

Result<uint64_t> Firewall::droppedPackets() {
  auto text = run(std::string("list chain inet ") + kTable + " input");
  if (!text) return text.error();
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.contains("nftables"))
    return makeError(ErrorCode::kMalformed, "nftables: its listing is not JSON");
  uint64_t packets = 0;
  for (const auto& item : doc["nftables"]) {
    if (!item.contains("rule")) continue;
    for (const auto& ex : item["rule"].value("expr", json::array())) {
      if (ex.contains("counter")) packets += ex["counter"].value("packets", uint64_t{0});
    }
  }
  return packets;
}

}  // namespace novacron::io
