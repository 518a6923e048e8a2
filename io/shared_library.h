#pragma once

#include <string>

namespace novacron::io {

/// dlopen for a library that only one feature needs, so that a host without that feature never
/// maps it: its relocation and symbol tables alone cost the agent hundreds of kB of resident
/// memory (libcrypto: 1.2 MB). `package` names what to install when it is missing.
/// nullptr, with `error` set, when it cannot be loaded.
void* openLibrary(const char* soname, const char* package, std::string& error);

void* findSymbol(void* library, const char* name);

/// Unmaps a library openLibrary() returned once nothing bound from it is used any more: for one
/// that only start-up or a one-off load needs.
void closeLibrary(void* library);

/// One function of a library openLibrary() returned, into `fn`; false, with `error` set, when
/// the library lacks it.

template <typename Fn>
bool bindFunction(void* library, const char* soname, const char* name, Fn& fn, std::string& error) {
  fn = reinterpret_cast<Fn>(findSymbol(library, name));
  if (!fn) error = std::string(soname) + " lacks " + name;
  return fn != nullptr;
}

}  // namespace novacron::io
