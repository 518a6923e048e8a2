#include "policy/condition_lexer.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace novacron::policy {
namespace {

bool identStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool identChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

}  // namespace

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    int col = static_cast<int>(i) + 1;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    // A '-' starts a number where an operand is expected: after an operator, '(', ',' or a keyword.
    bool operand_expected =
        out.empty() || out.back().kind == Tok::kOp || out.back().kind == Tok::kLParen ||
        out.back().kind == Tok::kComma ||
        (out.back().kind == Tok::kIdent &&
         (out.back().text == "and" || out.back().text == "or" || out.back().text == "not"));
    bool negative = c == '-' && operand_expected && i + 1 < s.size() &&
                    (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '.');
    if (negative || std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = negative ? i + 1 : i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      while (j < s.size() && (std::isalpha(static_cast<unsigned char>(s[j])) || s[j] == '%')) ++j;
      std::string why;
      auto q = parseQuantity(s.substr(i, j - i), why);
      if (!q) {
        out.push_back({Tok::kError, std::string(s.substr(i, j - i)), {}, col, why});
      } else {
        out.push_back({Tok::kNumber, std::string(s.substr(i, j - i)), *q, col});
      }
      i = j;
      continue;
    }
    if (identStart(c)) {
      size_t j = i;
      while (j < s.size() && identChar(s[j])) ++j;
      out.push_back({Tok::kIdent, std::string(s.substr(i, j - i)), {}, col});
      i = j;
      continue;
    }
    if (c == '"' || c == '\'') {
      std::string value;
      size_t j = i + 1;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == '\\' && j + 1 < s.size()) {
          value += s[j + 1];
          j += 2;
          continue;
        }
        if (s[j] == c) {
          closed = true;
          ++j;
          break;
        }
        value += s[j++];
      }
      if (!closed) {
        out.push_back({Tok::kError, value, {}, col, "unterminated string"});
        i = s.size();
        continue;
      }
      out.push_back({Tok::kString, value, {}, col});
      i = j;
      continue;
    }
    auto two = s.substr(i, 2);
    if (two == ">=" || two == "<=" || two == "==" || two == "!=" || two == "=~" || two == "!~") {
      out.push_back({Tok::kOp, std::string(two), {}, col});
      i += 2;
      continue;
    }
    Tok single = Tok::kError;
    switch (c) {
      case '(':
        single = Tok::kLParen;
        break;
      case ')':
        single = Tok::kRParen;
        break;
      case '{':
        single = Tok::kLBrace;
        break;
      case '}':
        single = Tok::kRBrace;
        break;
      case ',':
        single = Tok::kComma;
        break;
      case '>':
      case '<':
      case '=':
      case '+':
      case '-':
      case '*':
      case '/':
        single = Tok::kOp;
        break;
      default:
        break;
    }
    out.push_back({single,
                   std::string(1, c),
                   {},
                   col,
                   single == Tok::kError ? std::string("unexpected character '") + c + "'" : ""});
    ++i;
  }
  out.push_back({Tok::kEnd, "", {}, static_cast<int>(s.size()) + 1});
  return out;
}

// The longest duration a condition may name.
constexpr double kMaxMs = 10 * 365.25 * 86400e3;

std::optional<Quantity> parseQuantity(std::string_view text, std::string& why) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + i, v);
  if (ec != std::errc() || p != text.data() + i || i == 0) {
    why = "bad number '" + std::string(text) + "'";
    return std::nullopt;
  }
  std::string_view unit = text.substr(i);
  struct Unit {
    std::string_view name;
    double factor;
    int64_t ms;  // > 0 for time units
  };
  static constexpr Unit kUnits[] = {{"", 1, 0},
                                    {"%", 0.01, 0},
                                    {"ms", 0.001, 1},
                                    {"s", 1, 1000},
                                    {"m", 60, 60000},
                                    {"h", 3600, 3600000},
                                    {"d", 86400, 86400000},
                                    {"w", 604800, 604800000},
                                    {"B", 1, 0},
                                    {"KB", 1e3, 0},
                                    {"MB", 1e6, 0},
                                    {"GB", 1e9, 0},
                                    {"TB", 1e12, 0},
                                    {"KiB", 1024.0, 0},
                                    {"MiB", 1048576.0, 0},
                                    {"GiB", 1073741824.0, 0},
                                    {"TiB", 1099511627776.0, 0}};
  for (const Unit& u : kUnits) {
    if (u.name != unit) continue;
    Quantity q{v * u.factor, std::nullopt};
    if (u.ms > 0) {
      double ms = v * static_cast<double>(u.ms);
      // Checked before the conversion, which is undefined for a value out of range.
      if (!(std::fabs(ms) <= kMaxMs)) {
        why = "'" + std::string(text) + "' is longer than ten years";
        return std::nullopt;
      }
      if (ms != std::floor(ms)) {
        why = "'" + std::string(text) + "' is not a whole number of milliseconds";
        return std::nullopt;
      }
      q.duration = milliseconds(static_cast<int64_t>(ms));
    }
    return q;
  }
  why = "unknown unit '" + std::string(unit) + "' in '" + std::string(text) +
        "' (units: %, ms, s, m, h, d, w, B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)";
  return std::nullopt;
}

}  // namespace novacron::policy
