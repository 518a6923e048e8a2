#include "io/shared_library.h"

#include <dlfcn.h>

namespace novacron::io {

void* openLibrary(const char* soname, const char* package, std::string& error) {
  // RTLD_LOCAL: its symbols serve only the pointers bound from it, never another library.
  void* h = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = ::dlerror();
    error = std::string("cannot load ") + soname + " (install " + package +
            "): " + (why ? why : "unknown reason");
  }
  return h;
}

void* findSymbol(void* library, const char* name) { return ::dlsym(library, name); }

void closeLibrary(void* library) {
  if (library) ::dlclose(library);
}

}  // namespace novacron::io
