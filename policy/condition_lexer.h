#pragma once
// The condition language's lexer: text to tokens, numbers with their units read as quantities.
#include <string>
#include <string_view>
#include <vector>

#include "policy/condition.h"

namespace novacron::policy {

enum class Tok {
  kEnd,
  kNumber,
  kIdent,
  kString,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kComma,
  kOp,
  kError
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier, operator, string contents or the number as written
  Quantity quantity;
  int column = 1;
  std::string error = {};  // for kError: why the text could not be read
};

/// Never fails: what cannot be read becomes a kError token, which the parser reports in context.
std::vector<Token> lex(std::string_view s);

}  // namespace novacron::policy
