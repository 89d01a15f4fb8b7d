#include "assemble/transport/parallel.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <stdexcept>

using namespace cairn::assemble;

BOOST_AUTO_TEST_SUITE(parallel_jobs)

BOOST_AUTO_TEST_CASE(the_largest_transfer_starts_first_and_ties_keep_their_order) {
    using Order = std::vector<std::size_t>;
    BOOST_TEST(largest_first({}) == Order{});
    BOOST_TEST(largest_first({5, 40, 5, 12, 40}) == (Order{1, 4, 3, 0, 2}));
}

BOOST_AUTO_TEST_CASE(every_job_runs_once_and_the_first_error_is_rethrown) {
    std::vector<std::atomic<int>> runs(50);
    for_each_parallel(runs.size(), 3, [&](std::size_t i) { ++runs[i]; });
    for (const auto& count : runs) BOOST_TEST(count.load() == 1);

    BOOST_CHECK_THROW(for_each_parallel(10, 1,
                                        [](std::size_t i) {
                                            if (i == 2) throw std::runtime_error("job 2");
                                        }),
                      std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
