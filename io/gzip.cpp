#include "io/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace novacron {

Result<std::string> gunzip(std::string_view in, size_t max_bytes) {
  z_stream z{};
  if (::inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    return makeError(ErrorCode::kIo, "gzip: cannot start inflating");
  std::unique_ptr<z_stream, int (*)(z_stream*)> end(&z, ::inflateEnd);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  if (in.size() > UINT_MAX) return makeError(ErrorCode::kMalformed, "gzip: the body is too big");
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    int rc = ::inflate(&z, Z_NO_FLUSH);
    size_t got = sizeof(buf) - z.avail_out;
    if (out.size() + got > max_bytes)
      return makeError(ErrorCode::kMalformed,
                       "gzip: inflates to more than " + std::to_string(max_bytes) + " bytes");
    out.append(buf, got);
    if (rc == Z_STREAM_END) return out;
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && got > 0))
      return makeError(
          ErrorCode::kMalformed,
          std::string("gzip: ") + (z.msg ? z.msg : "the stream is not gzip or is cut"));
    if (z.avail_in == 0 && got == 0)
      return makeError(ErrorCode::kMalformed, "gzip: the stream is cut short");
  }
}

}  // namespace novacron
