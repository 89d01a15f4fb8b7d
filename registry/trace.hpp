// What `cairn -v` shows: one line per HTTP request and per child command, given to a sink the
// cli sets (library code never prints). Lines name hosts and paths, never a header or a query.
#pragma once

#include <functional>
#include <string_view>

namespace cairn::registry {

using TraceSink = std::function<void(std::string_view line)>;

// Sets (or with an empty sink, clears) where trace lines go; before any work starts.
void set_trace_sink(TraceSink sink);
bool tracing();
// Sends a line to the sink, if there is one. Safe from any thread.
void trace(std::string_view line);

}  // namespace cairn::registry
