#pragma once

namespace novacron {

/// Gives back what start-up alone needed. Code read once — the configuration and playbook
/// parsers, the store's schema, the policy compiler — stays mapped after start, and the kernel
/// maps code 64 kB at a time around each page touched; so does freed heap that sits below a live
/// block. This unmaps every executable file mapping (the page cache keeps the pages; what the
/// loop runs maps back in at its next call, a minor fault with no I/O) and returns free heap
/// pages. Nothing written is dropped: only read-only, executable mappings are touched.
void releaseStartupMemory();

}  // namespace novacron
