#include "io/postgres/libpq.h"

#include "io/shared_library.h"

namespace novacron::io {

namespace {

struct Loaded {
  Libpq api;
  std::string error;
  bool ok = false;
};

Loaded load() {
  Loaded l;
  void* h = openLibrary("libpq.so.5", "libpq5", l.error);
  if (!h) return l;
  bool ok = true;
#define NOVACRON_PQ_LOAD(name) ok = ok && bindFunction(h, "libpq.so.5", #name, l.api.name, l.error);
  NOVACRON_LIBPQ_FUNCTIONS(NOVACRON_PQ_LOAD)
#undef NOVACRON_PQ_LOAD
  l.ok = ok;
  return l;
}

}  // namespace

const Libpq* libpq(std::string* error) {
  static const Loaded loaded = load();
  if (!loaded.ok) {
    if (error) *error = loaded.error;
    return nullptr;
  }
  return &loaded.api;
}

}  // namespace novacron::io
