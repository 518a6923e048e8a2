#include "base/yaml/yaml_doc.h"

#include <yaml.h>

#include <map>

namespace novacron::yaml {

namespace {
const std::vector<Node> kNoItems;
const std::vector<Node::Entry> kNoEntries;
constexpr size_t kMaxNodes = 1'000'000;
}  // namespace

const std::vector<Node>& Node::items() const { return items_ ? *items_ : kNoItems; }
const std::vector<Node::Entry>& Node::entries() const { return entries_ ? *entries_ : kNoEntries; }
size_t Node::size() const {
  if (items_) return items_->size();
  if (entries_) return entries_->size();
  return 0;
}

// Turns libyaml's event stream into Nodes, recursively.
class Builder {
 public:
  explicit Builder(std::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~Builder() {
    if (have_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }

  std::variant<Node, ParseError> document() {
    Node root;
    if (!next()) return error();
    if (event_.type != YAML_STREAM_START_EVENT) return ParseError{{}, "not a YAML stream"};
    if (!next()) return error();
    if (event_.type == YAML_STREAM_END_EVENT) {
      root.kind_ = Kind::kNull;  // an empty file
      return root;
    }
    if (!next()) return error();  // past DOCUMENT-START
    if (!node(root)) return failure_;
    if (!next()) return error();
    if (event_.type != YAML_DOCUMENT_END_EVENT)
      return ParseError{mark(), "expected the end of the document"};
    if (!next()) return error();
    if (event_.type != YAML_STREAM_END_EVENT) {
      return ParseError{mark(), "more than one document; a file holds one"};
    }
    return root;
  }

 private:
  bool next() {
    if (have_event_) yaml_event_delete(&event_);
    have_event_ = yaml_parser_parse(&parser_, &event_) != 0;
    return have_event_;
  }

  Mark mark() const {
    return {static_cast<int>(event_.start_mark.line), static_cast<int>(event_.start_mark.column)};
  }

  ParseError error() {
    std::string msg = parser_.problem ? parser_.problem : "invalid YAML";
    if (parser_.context) msg = std::string(parser_.context) + ": " + msg;
    return ParseError{{static_cast<int>(parser_.problem_mark.line),
                       static_cast<int>(parser_.problem_mark.column)},
                      msg};
  }

  bool fail(ParseError e) {
    failure_ = std::move(e);
    return false;
  }

  void remember(const yaml_char_t* anchor, const Node& n) {
    if (anchor) anchors_[reinterpret_cast<const char*>(anchor)] = n;
  }

  // Reads the node whose first event is current; leaves its last event current.
  bool node(Node& out) {
    if (++count_ > kMaxNodes)
      return fail({mark(), "document too large (more than a million nodes)"});
    out.mark_ = mark();
    switch (event_.type) {
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(reinterpret_cast<const char*>(event_.data.alias.anchor));
        if (it == anchors_.end()) return fail({mark(), "unknown alias"});
        Mark at = out.mark_;
        out = it->second;
        out.mark_ = at;
        count_ += out.size();
        return true;
      }
      case YAML_SCALAR_EVENT: {
        const auto& s = event_.data.scalar;
        out.scalar_.assign(reinterpret_cast<const char*>(s.value), s.length);
        out.quoted_ = s.style != YAML_PLAIN_SCALAR_STYLE;
        bool null =
            !out.quoted_ && (out.scalar_.empty() || out.scalar_ == "~" || out.scalar_ == "null" ||
                             out.scalar_ == "Null" || out.scalar_ == "NULL");
        out.kind_ = null ? Kind::kNull : Kind::kScalar;
        remember(s.anchor, out);
        return true;
      }
      case YAML_SEQUENCE_START_EVENT: {
        const yaml_char_t* anchor = event_.data.sequence_start.anchor;
        std::string saved = anchor ? reinterpret_cast<const char*>(anchor) : "";
        auto items = std::make_shared<std::vector<Node>>();
        for (;;) {
          if (!next()) return fail(error());
          if (event_.type == YAML_SEQUENCE_END_EVENT) break;
          Node item;
          if (!node(item)) return false;
          items->push_back(std::move(item));
        }
        out.kind_ = Kind::kSequence;
        out.items_ = std::move(items);
        if (!saved.empty()) anchors_[saved] = out;
        return true;
      }
      case YAML_MAPPING_START_EVENT: {
        const yaml_char_t* anchor = event_.data.mapping_start.anchor;
        std::string saved = anchor ? reinterpret_cast<const char*>(anchor) : "";
        auto entries = std::make_shared<std::vector<Node::Entry>>();
        for (;;) {
          if (!next()) return fail(error());
          if (event_.type == YAML_MAPPING_END_EVENT) break;
          Node key, value;
          if (!node(key)) return false;
          if (!key.IsScalar() && !key.IsNull())
            return fail({key.mark_, "map keys must be plain strings"});
          if (!next()) return fail(error());
          if (!node(value)) return false;
          entries->emplace_back(std::move(key), std::move(value));
        }
        out.kind_ = Kind::kMap;
        out.entries_ = std::move(entries);
        if (!saved.empty()) anchors_[saved] = out;
        return true;
      }
      default:
        return fail({mark(), "unexpected YAML event"});
    }
  }

  yaml_parser_t parser_{};
  yaml_event_t event_{};
  bool have_event_ = false;
  size_t count_ = 0;
  std::map<std::string, Node> anchors_;
  ParseError failure_;
};

std::variant<Node, ParseError> parse(std::string_view text) {
  Builder b(text);
  return b.document();
}

}  // namespace novacron::yaml
