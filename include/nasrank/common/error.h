#pragma once
// Two kinds of failure (see docs/architecture.md):
//  * InputError — the user gave us something wrong (a malformed encoding, a
//    corrupt file, an out-of-range option). The message quotes the offending
//    value and where it is; the CLI prints it as `error: ...` and exits 2.
//  * NASRANK_CHECK — an internal invariant broke; that is our bug, not the
//    user's, and it throws InternalError naming the source line.
#include <stdexcept>
#include <string>

namespace nasrank {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void fail_internal(const char* condition, const char* file, int line, const std::string& detail);

}  // namespace nasrank

#define NASRANK_CHECK(cond, detail)                                     \
  do {                                                                  \
    if (!(cond)) ::nasrank::fail_internal(#cond, __FILE__, __LINE__, (detail)); \
  } while (false)
