// The trace sink: set once by the cli, called from the threads that send requests.
#include "registry/trace.hpp"

#include <mutex>

namespace cairn::registry {

namespace {

std::mutex& trace_mutex() {
    static std::mutex mutex;
    return mutex;
}

TraceSink& trace_sink() {
    static TraceSink sink;
    return sink;
}

}  // namespace

void set_trace_sink(TraceSink sink) {
    std::lock_guard lock(trace_mutex());
    trace_sink() = std::move(sink);
}

bool tracing() {
    std::lock_guard lock(trace_mutex());
    return static_cast<bool>(trace_sink());
}

void trace(std::string_view line) {
    std::lock_guard lock(trace_mutex());
    if (trace_sink()) trace_sink()(line);
}

}  // namespace cairn::registry
