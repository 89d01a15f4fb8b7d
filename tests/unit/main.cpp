// The Boost.Test entry point for every `*_test.cpp` in the tree.
#define BOOST_TEST_MODULE cairn
#include <boost/test/unit_test.hpp>
