#pragma once
// Times as nasrank stores them next to results and in reports: ISO 8601 in
// UTC to the second ("2024-05-01T12:00:00Z").
#include <ctime>
#include <string>

namespace nasrank {

std::string utc_iso8601(std::time_t time);
std::string utc_now();

}  // namespace nasrank
