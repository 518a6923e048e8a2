# Writes OUT, a C++ file holding the BPF object IN as bytes (kTasksBpfObject), so the broker
# loads its program from memory and needs no file at run time.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
set(body "// Generated from broker/bpf/tasks.bpf.c by cmake/embed_bpf.cmake. Do not edit.\n")
string(APPEND body "#include <span>\n\nnamespace novacron::broker {\n")
string(APPEND body "namespace {\nconst unsigned char kObject[] = {${bytes}};\n}  // namespace\n\n")
string(APPEND body "std::span<const unsigned char> tasksBpfObject() { return kObject; }\n\n")
string(APPEND body "}  // namespace novacron::broker\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
