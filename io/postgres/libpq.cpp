#include "io/postgres/libpq.h"

#include <dlfcn.h>

namespace novacron::collectors {

namespace {

struct Loaded {
  Libpq api;
  std::string error;
  bool ok = false;
};

Loaded load() {
  Loaded l;
  void* h = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    l.error = std::string("cannot load libpq (install libpq5): ") + ::dlerror();
    return l;
  }
  bool ok = true;
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(h, name));
    if (!fn) {
      ok = false;
      l.error = std::string("libpq lacks ") + name;
    }
  };
#define NOVACRON_PQ_LOAD(name) sym(l.api.name, #name);
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

}  // namespace novacron::collectors
