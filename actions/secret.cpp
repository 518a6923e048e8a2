#include "actions/secret.h"

#include <fstream>
#include <sstream>

namespace novacron::actions {

Result<std::string> readSecret(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return makeError(ErrorCode::kNotFound, "cannot read the secret file " + file.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string s = buf.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty())
    return makeError(ErrorCode::kMalformed, "the secret file " + file.string() + " is empty");
  if (s.find_first_of("\r\n") != std::string::npos) {
    // A header value with a line break would let the file inject headers.
    return makeError(ErrorCode::kMalformed,
                     "the secret file " + file.string() + " holds more than one line");
  }
  return s;
}

}  // namespace novacron::actions
