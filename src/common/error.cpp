#include "nasrank/common/error.h"

namespace nasrank {

void fail_internal(const char* condition, const char* file, int line, const std::string& detail) {
  throw InternalError(std::string("internal error (a bug in nasrank, please report it): ") + condition +
                      " failed at " + file + ":" + std::to_string(line) + (detail.empty() ? "" : ": " + detail));
}

}  // namespace nasrank
