#include "nasrank/common/version.h"

namespace nasrank {

std::string version() { return NASRANK_VERSION; }

std::string build_description() {
  std::string out = std::string("nasrank ") + NASRANK_VERSION;
#if defined(__clang__)
  out += " (clang " __clang_version__ ")";
#elif defined(__GNUC__)
  out += " (gcc " __VERSION__ ")";
#endif
#ifdef NDEBUG
  out += " release";
#else
  out += " debug";
#endif
  return out;
}

}  // namespace nasrank
