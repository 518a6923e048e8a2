#pragma once

#include <nlohmann/json.hpp>

#include <string>

// How `novacron` shows the agent's replies to people: aligned tables within 80 columns.
namespace novacron::cli {

using json = nlohmann::json;

std::string fmtDuration(double seconds);
/// Cells padded or cut (with `~`) to `width`.
std::string pad(std::string s, size_t width);
/// What an agent or a coordinator sends is partly what hosts' users chose (process names,
/// labels, messages): every control character becomes a visible escape before it reaches a
/// terminal, so that no name can move the cursor, clear the screen or fake a line.
/// `keep_newlines` for Markdown whose lines are the agent's own.
json forTerminal(const json& j, bool keep_newlines = false);
/// The status matrix; returns the worst row: 0 ok, 1 degraded, 2 down.
int printStatus(const json& d, bool verbose);
void printIncidents(const json& d);
void printIncident(const json& d);
void printPlaybooks(const json& d);
void printMetrics(const json& d);
void printLogs(const json& d);
/// `incidents feed`: the events after a cursor, and the cursor to go on from.
void printFeed(const json& d);
void printDiagnostics(const json& d);
void printDbStatus(const json& d, bool detailed);
void printCacheStatus(const json& d, bool detailed);
/// The recovery checklist, one criterion per line in 80 columns: ✓ pass, ✗ fail, ? unknown.
void printValidation(const json& d);
/// The firewall block set.
void printBlocked(const json& d);

}  // namespace novacron::cli
