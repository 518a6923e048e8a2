#pragma once

namespace novacron::io {

/// Gives back what start-up alone needed. Code read once — the configuration and playbook
/// parsers, the store's schema, the policy compiler — stays mapped after start, and the kernel
/// maps a file 64 kB at a time around each page touched; freed heap can sit below a live block.
/// This unmaps every read-only file mapping none of whose pages was ever copied (the page cache
/// keeps the pages; what the loop uses maps back at its next access, a minor fault with no I/O)
/// and returns free heap pages. Nothing written is dropped: relocated and writable mappings are
/// never touched.
void releaseStartupMemory();

}  // namespace novacron::io
