#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace novacron {

/// Why an operation failed. Callers branch on the code; the message is for people.
enum class ErrorCode {
  kNotFound,         ///< a file, series, mount or key does not exist
  kPermission,       ///< the OS refused access
  kMalformed,        ///< input exists but cannot be parsed
  kInvalidArgument,  ///< a caller or a configuration asked for something impossible
  kTimeout,          ///< a deadline passed before the source answered
  kUnavailable,      ///< a source is down or hung
  kIo,               ///< any other OS-level failure
};

struct Error {
  ErrorCode code;
  std::string message;
};

/// A value or an Error: the subset of C++23 std::expected this project uses. Nothing in the
/// project throws across a module boundary; functions that can fail for environmental reasons
/// return a Result instead.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return check(), std::get<0>(v_); }
  const T& value() const& { return check(), std::get<0>(v_); }
  T&& value() && { return check(), std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// Precondition: !has_value().
  const Error& error() const {
    if (has_value()) std::abort();
    return std::get<1>(v_);
  }

 private:
  void check() const {
    if (!has_value()) std::abort();  // reading a value that is not there is a programming error
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    if (ok_) std::abort();
    return error_;
  }

 private:
  Error error_{};
  bool ok_ = true;
};

inline Error makeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace novacron
