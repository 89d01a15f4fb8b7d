#include "oci/progress.hpp"

#include <boost/test/unit_test.hpp>

namespace oci = cairn::oci;

BOOST_AUTO_TEST_SUITE(progress_meter)

BOOST_AUTO_TEST_CASE(tasks_count_into_the_meter_and_show_while_they_live) {
    oci::Meter meter;
    {
        oci::ProgressTask first(&meter, "layer /app", 100);
        oci::ProgressTask second(&meter, "layer /ui");
        first.add(40);
        second.expect(10);
        second.add(5);
        auto tasks = meter.tasks();
        BOOST_REQUIRE(tasks.size() == 2u);
        BOOST_TEST(tasks[0].name == "layer /app");
        BOOST_TEST(tasks[0].done == 40u);
        BOOST_TEST(tasks[0].total == 100u);
        BOOST_TEST(tasks[1].total == 10u);
        BOOST_TEST(meter.done() == 45u);
        BOOST_TEST(meter.total() == 110u);
        first.start_over(100);
        BOOST_TEST(meter.tasks()[0].done == 0u);
    }
    BOOST_TEST(meter.tasks().empty());
}

BOOST_AUTO_TEST_CASE(a_task_without_a_meter_counts_nothing) {
    oci::ProgressTask task(nullptr, "nothing", 10);
    task.add(5);
    task.start_over(3);
}

BOOST_AUTO_TEST_SUITE_END()
