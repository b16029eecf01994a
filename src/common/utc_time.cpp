#include "nasrank/common/utc_time.h"

namespace nasrank {

std::string utc_iso8601(std::time_t time) {
  std::tm parts{};
  gmtime_r(&time, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string utc_now() { return utc_iso8601(std::time(nullptr)); }

}  // namespace nasrank
