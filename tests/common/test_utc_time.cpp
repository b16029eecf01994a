#include "nasrank/common/utc_time.h"

#include <gtest/gtest.h>

#include <ctime>
#include <regex>

namespace nasrank {
namespace {

TEST(UtcTime, FormatsAsIso8601InUtc) {
  EXPECT_EQ(utc_iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc_iso8601(1714564800), "2024-05-01T12:00:00Z");
  EXPECT_EQ(utc_iso8601(951868799), "2000-02-29T23:59:59Z");
}

TEST(UtcTime, NowIsTheCurrentSecond) {
  const std::time_t before = std::time(nullptr);
  const std::string now = utc_now();
  const std::time_t after = std::time(nullptr);
  EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << now;
  EXPECT_TRUE(now == utc_iso8601(before) || now == utc_iso8601(after)) << now;
}

}  // namespace
}  // namespace nasrank
