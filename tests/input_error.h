#pragma once
// The message of the InputError a call throws, for tests that check what a
// user is told.
#include <string>

#include "nasrank/common/error.h"

namespace nasrank::testing {

// Runs `f` and returns the InputError message (empty if nothing was thrown).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

}  // namespace nasrank::testing
