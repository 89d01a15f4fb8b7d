// Running independent jobs (blob transfers) on a bounded number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace cairn::assemble {

// Calls job(0) … job(count - 1) on up to `threads` threads. After a job throws, no new job
// starts; the first exception is rethrown once every running job has ended.
void for_each_parallel(std::size_t count, unsigned threads,
                       const std::function<void(std::size_t)>& job);

// The order in which to start transfers of these sizes so that the last ends soonest: largest
// first (a long one started last would run alone at the end), equal sizes in their given order.
std::vector<std::size_t> largest_first(const std::vector<std::uint64_t>& sizes);

}  // namespace cairn::assemble
