#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace novacron::coordinator {

class SyncDb;

/// A new bearer token: `ncn_` (a node's) or `ncr_` (a reader's) and 64 hex digits from the
/// kernel's random source (256 bits).
Result<std::string> newToken(std::string_view role);

/// What the database keeps of a token: its SHA-256, hex. A 256-bit random token needs no slow
/// hash: there is nothing to guess.
std::string tokenHash(std::string_view token);

/// The token in an `Authorization: Bearer TOKEN` header, or empty.
std::string bearerToken(std::string_view header);

struct TokenRow {
  int64_t id = 0;
  std::string role, subject, created_at, revoked_at;
};

/// Stores a new token for `subject` (a node id, or a reader's name) and returns it; only its
/// hash is kept. A node's row is made with its first token, so that it is listed (never seen)
/// before its agent first reports.
Result<std::string> createToken(SyncDb& db, std::string_view role, const std::string& subject);
Result<std::vector<TokenRow>> listTokens(SyncDb& db);
/// Revokes every live token of `subject` (of either role); returns how many.
Result<int64_t> revokeTokens(SyncDb& db, const std::string& subject);

}  // namespace novacron::coordinator
