#pragma once
// Three kinds of failure, each with its exit code (exit_codes.h):
//  * InputError — the user gave us something wrong (a malformed encoding, a
//    corrupt file, an out-of-range option). The message quotes the offending
//    value and where it is; the CLI prints it as `error: ...` and exits 2.
//  * IoError — the system refused: a full disk, a permission, a process that
//    could not start. The input was fine and running again may succeed; exit 1.
//  * NASRANK_CHECK — an internal invariant broke; that is our bug, not the
//    user's, and it throws InternalError naming the source line.
#include <stdexcept>
#include <string>
#include <string_view>

namespace nasrank {

// A message made safe for a terminal: control characters (ESC, NUL, CR, ...),
// DEL, UTF-8-encoded C1 controls and bytes that are not UTF-8 become \xNN
// escapes; printable UTF-8 passes unchanged. Messages quote input files, and
// an arch file's escape sequences must not reach the user's terminal.
std::string printable_message(std::string_view text);

// The message is made printable (see printable_message) when the error is
// made, so no input byte can cut it (a NUL) or drive the terminal (ESC).
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(printable_message(message)) {}
  explicit InputError(const char* message) : std::runtime_error(printable_message(message)) {}
};

// Messages quote paths, which are input too: escaped like InputError's.
class IoError : public std::runtime_error {
 public:
  explicit IoError(const std::string& message) : std::runtime_error(printable_message(message)) {}
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void fail_internal(const char* condition, const char* file, int line, const std::string& detail);

}  // namespace nasrank

#define NASRANK_CHECK(cond, detail)                                             \
  do {                                                                          \
    if (!(cond)) ::nasrank::fail_internal(#cond, __FILE__, __LINE__, (detail)); \
  } while (false)
