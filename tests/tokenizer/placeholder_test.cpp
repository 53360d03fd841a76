// TEMPORARY: replaced when this suite gets its first real tests.
#include <gtest/gtest.h>
TEST(Placeholder, Builds) { SUCCEED(); }
