#include "io/openssl_library.h"

#include <openssl/opensslv.h>
#include <unistd.h>

#include <cstdlib>
#include <iterator>

#include "io/shared_library.h"

#ifdef NOVACRON_LAZY_OPENSSL

// The generated stubs' slots, one per function of openssl_functions.txt, in its order.
extern "C" __attribute__((visibility("hidden"))) void* novacron_openssl_slots[];

namespace novacron::io {

namespace {

constexpr const char* kFunctions[] = {
#define X(name) #name,
#include "novacron/openssl_functions.inc"
#undef X
};

#define NOVACRON_TEXT(x) #x
#define NOVACRON_NUMBER_TEXT(x) NOVACRON_TEXT(x)
// The ABI the headers describe: libssl.so.3 for OpenSSL 3.
constexpr const char* kSoname = "libssl.so." NOVACRON_NUMBER_TEXT(OPENSSL_VERSION_MAJOR);

struct Loaded {
  std::string error;
  bool ok = false;
};

Loaded load() {
  Loaded l;
  void* h = openLibrary(kSoname, "libssl3", l.error);
  if (!h) return l;
  void* found[std::size(kFunctions)];
  for (size_t i = 0; i < std::size(kFunctions); ++i) {
    // libssl's handle also finds what its dependency libcrypto defines.
    found[i] = findSymbol(h, kFunctions[i]);
    if (!found[i]) {
      l.error = std::string(kSoname) + " lacks " + kFunctions[i];
      return l;
    }
  }
  // All or nothing: a stub jumps to its slot without a lock, so a slot changes once, whole.
  for (size_t i = 0; i < std::size(kFunctions); ++i)
    __atomic_store_n(&novacron_openssl_slots[i], found[i], __ATOMIC_RELEASE);
  l.ok = true;
  return l;
}

const Loaded& loaded() {
  static const Loaded l = load();
  return l;
}

}  // namespace

bool available(std::string* error) {
  const Loaded& l = loaded();
  if (!l.ok && error) *error = l.error;
  return l.ok;
}

}  // namespace novacron::io

extern "C" __attribute__((visibility("hidden"))) void* novacron_openssl_resolve(
    unsigned index) noexcept {
  std::string error;
  if (!novacron::io::available(&error)) {
    // A call into OpenSSL that no available() check preceded, on a host without it: nothing
    // sensible to return to the caller, whose types are OpenSSL's.
    std::string line = "novacron: OpenSSL is needed here and " + error + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    std::abort();
  }
  return novacron_openssl_slots[index];
}

#else  // linked the usual way, where the stubs are not built (not x86-64)

namespace novacron::io {
bool available(std::string*) { return true; }
}  // namespace novacron::io

#endif
