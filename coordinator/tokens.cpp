#include "coordinator/tokens.h"

#include <sys/random.h>

#include "base/sha256.h"
#include "coordinator/push_decoder.h"
#include "coordinator/sync_db.h"

namespace novacron::coordinator {

Result<std::string> newToken(std::string_view role) {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError(ErrorCode::kIo, "getrandom failed");
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = role == "node" ? "ncn_" : "ncr_";
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string tokenHash(std::string_view token) { return sha256Hex(token); }

std::string bearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || header.substr(0, kScheme.size()) != kScheme) return "";
  std::string_view t = header.substr(kScheme.size());
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t.empty() || t.size() > 256) return "";
  return std::string(t);
}

Result<std::string> createToken(SyncDb& db, std::string_view role, const std::string& subject) {
  if (!validNodeId(subject))
    return makeError(ErrorCode::kInvalidArgument,
                     "'" + subject + "' is not a name: 1 to 63 of A-Z a-z 0-9 . _ -");
  auto token = newToken(role);
  if (!token) return token.error();
  // One statement: the node's row (if it is a node) and the token, together or not at all.
  auto r = db.query(
      "WITH n AS (INSERT INTO nodes (id) SELECT $2 WHERE $1 = 'node' ON CONFLICT DO NOTHING "
      "RETURNING 1) INSERT INTO tokens (role, subject, hash) VALUES ($1, $2, decode($3, 'hex'))",
      {std::string(role), subject, tokenHash(*token)});
  if (!r) return r.error();
  return token;
}

Result<std::vector<TokenRow>> listTokens(SyncDb& db) {
  auto r = db.query(
      "SELECT id::text, role, subject, to_char(created_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), COALESCE(to_char(revoked_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') FROM tokens ORDER BY subject, id",
      {}, std::chrono::seconds(30));
  if (!r) return r.error();
  std::vector<TokenRow> out;
  for (const auto& row : r->front().rows) {
    out.push_back({std::stoll(row[0].value_or("0")), row[1].value_or(""), row[2].value_or(""),
                   row[3].value_or(""), row[4].value_or("")});
  }
  return out;
}

Result<int64_t> revokeTokens(SyncDb& db, const std::string& subject) {
  auto r = db.query(
      "WITH r AS (UPDATE tokens SET revoked_at = now() WHERE subject = $1 AND revoked_at IS NULL "
      "RETURNING 1) SELECT count(*)::text AS n FROM r",
      {subject});
  if (!r) return r.error();
  return std::stoll(r->front().get(0, "n").value_or("0"));
}

}  // namespace novacron::coordinator
