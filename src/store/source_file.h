#pragma once
// Identity of an imported file: enough to tell later whether a copy is the same.
#include "nasrank/store/run.h"

#include <filesystem>
#include <string>

namespace nasrank::store {

// imported = true, absolute path, SHA-256, size and modification time of
// `path`, and the given format. InputError when the file cannot be read.
Provenance file_provenance(const std::filesystem::path& path, const std::string& format);

}  // namespace nasrank::store
