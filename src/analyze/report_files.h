#pragma once
// Writing a report's files so that a failure (a full disk, a quota) leaves
// the folder as it was: the previous report, or none, and no temporary.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace nasrank::analyze {

// Writes every (file name, text) into `folder`, creating it when missing.
// Each file is written to `<name>.tmp` first and the temporaries are renamed
// only once all of them are complete, so the files never mix two reports.
// On failure every temporary, and the folder when this call created it, is
// removed, and IoError names the file and the reason. Returns the paths.
std::vector<std::filesystem::path> write_report_files(const std::filesystem::path& folder,
                                                      const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace nasrank::analyze
