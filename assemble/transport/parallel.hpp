// Running independent jobs (blob transfers) on a bounded number of threads.
#pragma once

#include <cstddef>
#include <functional>

namespace cairn::assemble {

// Calls job(0) … job(count - 1) on up to `threads` threads. After a job throws, no new job
// starts; the first exception is rethrown once every running job has ended.
void for_each_parallel(std::size_t count, unsigned threads,
                       const std::function<void(std::size_t)>& job);

}  // namespace cairn::assemble
