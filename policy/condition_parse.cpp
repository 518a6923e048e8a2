// The condition language, tokens to tree: the parser (the lexer is condition_lexer.cpp).
#include "base/pattern.h"
#include "policy/condition.h"
#include "policy/condition_lexer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

namespace novacron::policy {
namespace {

using metrics::WindowFn;

// --- parser ------------------------------------------------------------------------------------
//   or     := and ('or' and)*
//   and    := not ('and' not)*
//   not    := 'not' not | cmp
//   cmp    := sum (OP sum)?
//   sum    := prod (('+' | '-') prod)*
//   prod   := value (('*' | '/') value)*
//   value  := NUMBER | '(' or ')' | FUNC '(' selector ',' NUMBER [',' NUMBER] ')'
//           | AGG ['by' '(' IDENT (',' IDENT)* ')'] '(' sum ')'
//           | 'histogram_quantile' '(' NUMBER ',' sum ')' | selector
//   selector := IDENT ['{' IDENT ('=' | '!=' | '=~' | '!~') STRING (',' ...)* '}']

struct FuncInfo {
  std::string_view name;
  WindowFn fn;
  int durations;  // how many duration arguments follow the selector
};
constexpr FuncInfo kFuncs[] = {
    {"avg", WindowFn::kAvg, 1},   {"min", WindowFn::kMin, 1},
    {"max", WindowFn::kMax, 1},   {"last", WindowFn::kLast, 1},
    {"rate", WindowFn::kRate, 1}, {"predict_linear", WindowFn::kPredictLinear, 2}};

struct AggInfo {
  std::string_view name;
  AggFn fn;
};
constexpr AggInfo kAggs[] = {{"sum", AggFn::kSum},
                             {"min", AggFn::kMin},
                             {"max", AggFn::kMax},
                             {"avg", AggFn::kAvg},
                             {"count", AggFn::kCount}};

class Parser {
 public:
  Parser(std::vector<Token> toks, std::vector<ConditionError>& errors)
      : toks_(std::move(toks)), errors_(errors) {}

  ExprPtr parse() {
    ExprPtr e = parseOr();
    if (e && peek().kind == Tok::kError) fail(peek().column, peek().error);
    if (e && peek().kind != Tok::kEnd)
      fail(peek(), "unexpected '" + peek().text + "' after a complete condition");
    if (e && !isBoolean(*e))
      fail(e->column, "a condition must compare something, e.g. cpu_usage_ratio > 90%");
    return failed_ ? nullptr : e;
  }

 private:
  const Token& peek() const { return toks_[pos_]; }
  const Token& next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  bool isKeyword(const Token& t, std::string_view kw) const {
    return t.kind == Tok::kIdent && t.text == kw;
  }
  static bool isBoolean(const Expr& e) {
    return e.kind == Expr::Kind::kCompare || e.kind == Expr::Kind::kAnd ||
           e.kind == Expr::Kind::kOr || e.kind == Expr::Kind::kNot;
  }

  std::nullptr_t fail(int column, std::string message) {
    if (!failed_) errors_.push_back({column, std::move(message)});
    failed_ = true;
    return nullptr;
  }
  // A token the lexer could not read explains itself better than any expectation.
  std::nullptr_t fail(const Token& t, std::string message) {
    return fail(t.column, t.kind == Tok::kError && !t.error.empty() &&
                                  t.error.find("unexpected character") == std::string::npos
                              ? t.error
                              : std::move(message));
  }

  std::string describe(const Token& t) const {
    return t.kind == Tok::kEnd ? "the end of the condition" : "'" + t.text + "'";
  }

  // Mutable until returned: the caller may set the operator before the node is shared.
  std::shared_ptr<Expr> binary(Expr::Kind kind, int column, ExprPtr l, ExprPtr r) {
    auto e = std::make_shared<Expr>();
    e->kind = kind;
    e->column = column;
    e->lhs = std::move(l);
    e->rhs = std::move(r);
    return e;
  }

  ExprPtr requireBoolean(ExprPtr e, std::string_view op) {
    if (e && !isBoolean(*e))
      return fail(e->column, "'" + std::string(op) + "' needs a comparison on each side");
    return e;
  }

  ExprPtr parseOr() {
    ExprPtr l = parseAnd();
    while (l && isKeyword(peek(), "or")) {
      int col = next().column;
      ExprPtr r = parseAnd();
      if (!r) return nullptr;
      l = binary(Expr::Kind::kOr, col, requireBoolean(l, "or"), requireBoolean(r, "or"));
    }
    return l;
  }

  ExprPtr parseAnd() {
    ExprPtr l = parseNot();
    while (l && isKeyword(peek(), "and")) {
      int col = next().column;
      ExprPtr r = parseNot();
      if (!r) return nullptr;
      l = binary(Expr::Kind::kAnd, col, requireBoolean(l, "and"), requireBoolean(r, "and"));
    }
    return l;
  }

  ExprPtr parseNot() {
    if (isKeyword(peek(), "not")) {
      int col = next().column;
      ExprPtr inner = parseNot();
      if (!inner) return nullptr;
      return binary(Expr::Kind::kNot, col, requireBoolean(inner, "not"), nullptr);
    }
    return parseCompare();
  }

  // An operand of arithmetic or an aggregation is a number, not a truth.
  ExprPtr requireNumber(ExprPtr e, std::string_view op, int column) {
    if (e && isBoolean(*e))
      return fail(column, "'" + std::string(op) + "' needs a number, not a comparison");
    return e;
  }

  bool isArith(const Token& t, std::string_view a, std::string_view b) const {
    return t.kind == Tok::kOp && (t.text == a || t.text == b);
  }

  ExprPtr parseSum() {
    ExprPtr l = parseProduct();
    while (l && isArith(peek(), "+", "-")) {
      const Token& op = next();
      ExprPtr r = parseProduct();
      if (!r) return nullptr;
      l = arithmetic(op, std::move(l), std::move(r));
    }
    return l;
  }

  ExprPtr parseProduct() {
    ExprPtr l = parseValue();
    while (l && isArith(peek(), "*", "/")) {
      const Token& op = next();
      ExprPtr r = parseValue();
      if (!r) return nullptr;
      l = arithmetic(op, std::move(l), std::move(r));
    }
    return l;
  }

  ExprPtr arithmetic(const Token& op, ExprPtr l, ExprPtr r) {
    l = requireNumber(std::move(l), op.text, op.column);
    r = requireNumber(std::move(r), op.text, op.column);
    if (!l || !r) return nullptr;
    auto e = binary(Expr::Kind::kArith, op.column, std::move(l), std::move(r));
    e->arith = op.text == "+"   ? ArithOp::kAdd
               : op.text == "-" ? ArithOp::kSub
               : op.text == "*" ? ArithOp::kMul
                                : ArithOp::kDiv;
    return e;
  }

  ExprPtr parseCompare() {
    ExprPtr l = parseSum();
    if (!l) return nullptr;
    if (peek().kind != Tok::kOp) return l;
    const Token& opTok = next();
    static const std::pair<std::string_view, CompareOp> kOps[] = {
        {">", CompareOp::kGt},  {">=", CompareOp::kGe}, {"<", CompareOp::kLt},
        {"<=", CompareOp::kLe}, {"==", CompareOp::kEq}, {"!=", CompareOp::kNe}};
    std::optional<CompareOp> op;
    for (const auto& [text, o] : kOps) {
      if (opTok.text == text) op = o;
    }
    if (!op)
      return fail(opTok, "'" + opTok.text + "' is not a comparison; use ==, !=, >, >=, < or <=");
    ExprPtr r = parseSum();
    if (!r) return nullptr;
    if (isBoolean(*l) || isBoolean(*r))
      return fail(opTok, "cannot compare the result of a comparison");
    auto e = binary(Expr::Kind::kCompare, opTok.column, std::move(l), std::move(r));
    e->op = *op;
    return e;
  }

  ExprPtr parseValue() {
    const Token& t = peek();
    if (t.kind == Tok::kNumber) {
      next();
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kNumber;
      e->column = t.column;
      e->number = t.quantity.value;
      return e;
    }
    if (t.kind == Tok::kLParen) {
      next();
      ExprPtr inner = parseOr();
      if (!inner) return nullptr;
      if (peek().kind != Tok::kRParen)
        return fail(peek(), "expected ')' but found " + describe(peek()));
      next();
      return inner;
    }
    if (t.kind == Tok::kIdent) {
      if (t.text == "and" || t.text == "or" || t.text == "not") {
        return fail(t, "expected a metric or a number but found '" + t.text + "'");
      }
      if (t.text == "histogram_quantile" && toks_[pos_ + 1].kind == Tok::kLParen)
        return parseQuantile();
      for (const auto& a : kAggs) {
        if (t.text != a.name) continue;
        if (isKeyword(toks_[pos_ + 1], "by")) return parseAggregate(a);
        // avg(m, 5m) is over time, avg(expression) across label sets.
        if (toks_[pos_ + 1].kind == Tok::kLParen && !windowArguments(pos_ + 2))
          return parseAggregate(a);
      }
      if (toks_[pos_ + 1].kind == Tok::kLParen) return parseFunction();
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kSeries;
      e->column = t.column;
      if (!parseSelector(e->selector)) return nullptr;
      return e;
    }
    if (t.kind == Tok::kError) return fail(t.column, t.error);
    return fail(t, "expected a metric, a number or '(' but found " + describe(t));
  }

  ExprPtr parseFunction() {
    const Token& name = next();
    const FuncInfo* f = nullptr;
    for (const auto& info : kFuncs) {
      if (name.text == info.name) f = &info;
    }
    if (!f)
      return fail(name, "unknown function '" + name.text +
                            "'; known: avg, min, max, last, rate, predict_linear, sum, count, "
                            "histogram_quantile");
    next();  // '('
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kWindow;
    e->column = name.column;
    e->fn = f->fn;
    if (peek().kind != Tok::kIdent)
      return fail(peek(), name.text + "() needs a metric first, found " + describe(peek()));
    if (!parseSelector(e->selector)) return nullptr;
    for (int i = 0; i < f->durations; ++i) {
      if (peek().kind != Tok::kComma) {
        return fail(peek(), name.text + "() needs " +
                                (f->durations == 2 ? "a window and a horizon" : "a window") +
                                " such as 5m after the metric");
      }
      next();
      const Token& d = peek();
      if (d.kind != Tok::kNumber || !d.quantity.duration) {
        return fail(d, name.text + "(): expected a duration such as 5m, found " + describe(d));
      }
      next();
      if (d.quantity.duration->count() <= 0)
        return fail(d, name.text + "(): the duration must be more than 0");
      (i == 0 ? e->window : e->horizon) = *d.quantity.duration;
    }
    if (peek().kind != Tok::kRParen)
      return fail(peek(), "expected ')' to close " + name.text + "(, found " + describe(peek()));
    next();
    return e;
  }

  // Whether the tokens from `p` are a selector and a ',': the arguments of a window function.
  bool windowArguments(size_t p) const {
    if (toks_[p].kind != Tok::kIdent || toks_[p + 1].kind == Tok::kLParen) return false;
    ++p;
    if (toks_[p].kind == Tok::kLBrace) {
      while (toks_[p].kind != Tok::kRBrace && toks_[p].kind != Tok::kEnd) ++p;
      if (toks_[p].kind == Tok::kEnd) return false;
      ++p;
    }
    return toks_[p].kind == Tok::kComma;
  }

  ExprPtr parseAggregate(const AggInfo& a) {
    const Token& name = next();
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kAggregate;
    e->column = name.column;
    e->agg = a.fn;
    if (isKeyword(peek(), "by")) {
      next();
      if (peek().kind != Tok::kLParen)
        return fail(peek(), "expected '(' and label names after 'by', found " + describe(peek()));
      next();
      while (peek().kind != Tok::kRParen) {
        const Token& label = next();
        if (label.kind != Tok::kIdent)
          return fail(label, "expected a label name in by (...), found " + describe(label));
        e->by.push_back(label.text);
        if (peek().kind == Tok::kComma) {
          next();
        } else if (peek().kind != Tok::kRParen) {
          return fail(peek(), "expected ',' or ')' in by (...), found " + describe(peek()));
        }
      }
      next();
      std::sort(e->by.begin(), e->by.end());
      e->by.erase(std::unique(e->by.begin(), e->by.end()), e->by.end());
    }
    if (peek().kind != Tok::kLParen)
      return fail(peek(),
                  "expected '(' after " + std::string(a.name) + ", found " + describe(peek()));
    next();
    e->lhs = requireNumber(parseSum(), a.name, name.column);
    if (!e->lhs) return nullptr;
    if (peek().kind != Tok::kRParen)
      return fail(peek(),
                  "expected ')' to close " + std::string(a.name) + "(, found " + describe(peek()));
    next();
    return e;
  }

  ExprPtr parseQuantile() {
    const Token& name = next();
    next();  // '('
    const Token& q = peek();
    if (q.kind != Tok::kNumber || q.quantity.duration)
      return fail(q,
                  "histogram_quantile() needs a quantile such as 0.99 first, found " + describe(q));
    next();
    if (peek().kind != Tok::kComma)
      return fail(peek(),
                  "histogram_quantile() needs buckets after the quantile, e.g. "
                  "histogram_quantile(0.99, rate(latency_seconds_bucket, 5m))");
    next();
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kQuantile;
    e->column = name.column;
    e->number = q.quantity.value;
    e->lhs = requireNumber(parseSum(), "histogram_quantile", name.column);
    if (!e->lhs) return nullptr;
    if (peek().kind != Tok::kRParen)
      return fail(peek(), "expected ')' to close histogram_quantile(, found " + describe(peek()));
    next();
    return e;
  }

  bool parseSelector(Selector& sel) {
    const Token& name = next();
    sel.metric = name.text;
    sel.column = name.column;
    if (peek().kind != Tok::kLBrace) return true;
    next();
    while (peek().kind != Tok::kRBrace) {
      const Token& label = next();
      if (label.kind != Tok::kIdent)
        return fail(label, "expected a label name, found " + describe(label)), false;
      const Token& op = next();
      if (op.kind != Tok::kOp ||
          (op.text != "=" && op.text != "!=" && op.text != "=~" && op.text != "!~")) {
        return fail(op, "expected =, !=, =~ or !~ after label '" + label.text + "'"), false;
      }
      const Token& value = next();
      if (value.kind != Tok::kString) {
        return fail(value, "label values are quoted: " + label.text + op.text + "\"...\""), false;
      }
      LabelMatcher m{label.text, op.text == "=" || op.text == "=~", value.text, nullptr};
      if (op.text.back() == '~') {
        auto compiled = Pattern::compile(value.text);
        if (!compiled) {
          return fail(value, "the pattern \"" + value.text +
                                 "\" is not a regular expression: " + compiled.error().message),
                 false;
        }
        m.pattern = *compiled;
      }
      sel.matchers.push_back(std::move(m));
      if (peek().kind == Tok::kComma) {
        next();
        continue;
      }
      if (peek().kind != Tok::kRBrace)
        return fail(peek(), "expected ',' or '}' in the label matchers"), false;
    }
    next();
    return true;
  }

  std::vector<Token> toks_;
  std::vector<ConditionError>& errors_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace

std::variant<Condition, std::vector<ConditionError>> Condition::parse(std::string_view text) {
  std::vector<ConditionError> errors;
  auto toks = lex(text);
  Parser parser(std::move(toks), errors);
  ExprPtr root = parser.parse();
  if (!errors.empty() || !root) {
    if (errors.empty()) errors.push_back({1, "empty condition"});
    return errors;
  }
  Condition c;
  c.text_ = std::string(text);
  c.root_ = std::move(root);
  return c;
}

}  // namespace novacron::policy
