// A small fork-join over an atomic job counter.
#include "assemble/transport/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cairn::assemble {

void for_each_parallel(std::size_t count, unsigned threads,
                       const std::function<void(std::size_t)>& job) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first_error;
    std::mutex error_mutex;
    auto work = [&] {
        for (std::size_t i = next++; i < count && !failed; i = next++) {
            try {
                job(i);
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!first_error) first_error = std::current_exception();
                failed = true;
            }
        }
    };
    auto extra = std::min<std::size_t>(std::max(threads, 1u), count);
    {
        std::vector<std::jthread> workers;
        for (std::size_t t = 1; t < extra; ++t) workers.emplace_back(work);
        work();
    }
    if (first_error) std::rethrow_exception(first_error);
}

std::vector<std::size_t> largest_first(const std::vector<std::uint64_t>& sizes) {
    std::vector<std::size_t> order(sizes.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::ranges::stable_sort(order, std::ranges::greater{},
                             [&sizes](std::size_t i) { return sizes[i]; });
    return order;
}

}  // namespace cairn::assemble
