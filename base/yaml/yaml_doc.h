#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace novacron::yaml {

/// 0-based line and column, as libyaml reports them.
struct Mark {
  int line = 0;
  int column = 0;
};

enum class Kind { kUndefined, kNull, kScalar, kSequence, kMap };

/// A parsed YAML node that remembers where it was written. Maps keep every entry in document
/// order, duplicates included, so that readers can report duplicate keys. Immutable and cheap to
/// copy (children are shared).
class Node {
 public:
  using Entry = std::pair<Node, Node>;

  Node() = default;  ///< undefined: "not there"

  Kind kind() const { return kind_; }
  bool IsDefined() const { return kind_ != Kind::kUndefined; }
  bool IsNull() const { return kind_ == Kind::kNull; }
  bool IsScalar() const { return kind_ == Kind::kScalar; }
  bool IsSequence() const { return kind_ == Kind::kSequence; }
  bool IsMap() const { return kind_ == Kind::kMap; }

  /// The scalar's text ("" for other kinds).
  const std::string& Scalar() const { return scalar_; }
  /// True for quoted and block scalars: their text is a string whatever it looks like.
  bool quoted() const { return quoted_; }
  Mark mark() const { return mark_; }

  const std::vector<Node>& items() const;     ///< a sequence's items
  const std::vector<Entry>& entries() const;  ///< a map's entries
  size_t size() const;

 private:
  friend class Builder;
  Kind kind_ = Kind::kUndefined;
  Mark mark_;
  std::string scalar_;
  bool quoted_ = false;
  std::shared_ptr<const std::vector<Node>> items_;
  std::shared_ptr<const std::vector<Entry>> entries_;
};

struct ParseError {
  Mark mark;
  std::string message;
};

/// Parses one YAML document with libyaml. Anchors and aliases are resolved, up to a bound on the
/// size of the expanded document (a "billion laughs" file is an error, not an outage).
std::variant<Node, ParseError> parse(std::string_view text);

}  // namespace novacron::yaml
