#include "io/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <new>

namespace novacron::io {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isGzip(std::string_view name) {
  return name.size() == 4 && std::equal(name.begin(), name.end(), "gzip", [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? a + ('a' - 'A') : a) == b;
         });
}

}  // namespace

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

std::string gzip(std::string_view in) {
  z_stream z{};
  // 16 + 14: a gzip header and trailer rather than zlib's, and a 16 kB window with a hash of
  // memory level 6 instead of 32 kB and 8. A body of /metrics compresses as small (within 0.3 %
  // for 22 kB here) in half the time: zlib's defaults allocate 268 kB, which the heap got from
  // the kernel, faulted in and gave back on every call.
  if (::deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + 14, 6, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::bad_alloc();  // zlib's only failure here is memory
  std::unique_ptr<z_stream, int (*)(z_stream*)> end(&z, ::deflateEnd);
  std::string out(::deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  // deflateBound() is room enough for one call to finish.
  ::deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  return out;
}

bool acceptsGzip(std::string_view accept_encoding) {
  // "gzip, deflate, br", "gzip;q=0.8", "*;q=0.5", "gzip;q=0": case-insensitive names.
  while (!accept_encoding.empty()) {
    size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos ? "" : accept_encoding.substr(comma + 1);
    size_t semi = item.find(';');
    std::string_view name = trim(item.substr(0, semi));
    if (!isGzip(name) && name != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = trim(item.substr(semi + 1));
    // q=0, q=0.0, q=0.000: refused; any other weight accepts.
    if (params.size() >= 2 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
      std::string_view q = trim(params.substr(2));
      bool zero =
          !q.empty() && q[0] == '0' && q.find_first_not_of("0.", 0) == std::string_view::npos;
      if (zero) continue;
    }
    return true;
  }
  return false;
}

}  // namespace novacron::io
