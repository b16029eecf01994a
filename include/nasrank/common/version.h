#pragma once
#include <string>

namespace nasrank {

// The tool version ("0.2.0"), stored next to every result.
std::string version();
// Version plus build facts (compiler, build type, LibTorch) for provenance.
std::string build_description();

}  // namespace nasrank
