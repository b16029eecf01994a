#pragma once
// A full disk for the CLI tests, without root: the command runs under a file
// size limit (RLIMIT_FSIZE with SIGXFSZ ignored), so a write past it fails
// with EFBIG exactly where a full disk fails with ENOSPC. Whatever the limit,
// the command either succeeds or fails cleanly: exit 1 (the system refused,
// not the input), the reason on stderr, nothing on stdout, and the folder it
// wrote into byte for byte as before (the old store or report, no `.tmp`,
// no lock file, no half-made folder).
#include "cli_runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace nasrank::testing {

// Every file under `root` (relative path -> bytes); folders as "<path>/".
inline std::map<std::string, std::string> snapshot(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string name = std::filesystem::relative(entry.path(), root).string();
    if (entry.is_directory() && !entry.is_symlink()) {
      files[name + "/"] = "";
    } else if (entry.is_symlink()) {
      files[name] = "-> " + std::filesystem::read_symlink(entry.path()).string();
    } else {
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      files[name] = bytes.str();
    }
  }
  return files;
}

inline void restore(const std::filesystem::path& root, const std::map<std::string, std::string>& files) {
  for (const auto& entry : std::filesystem::directory_iterator(root)) std::filesystem::remove_all(entry.path());
  for (const auto& [name, bytes] : files) {
    if (name.back() == '/') {
      std::filesystem::create_directories(root / name);
    } else if (bytes.rfind("-> ", 0) == 0) {
      std::filesystem::create_symlink(bytes.substr(3), root / name);
    } else {
      std::filesystem::create_directories((root / name).parent_path());
      std::ofstream((root / name), std::ios::binary) << bytes;
    }
  }
}

// Names of the files that differ between two snapshots, for the failure message.
inline std::string differences(const std::map<std::string, std::string>& before,
                               const std::map<std::string, std::string>& after) {
  std::string text;
  for (const auto& [name, bytes] : before) {
    const auto found = after.find(name);
    if (found == after.end())
      text += " removed " + name + ";";
    else if (found->second != bytes)
      text += " changed " + name + ";";
  }
  for (const auto& [name, bytes] : after)
    if (!before.count(name)) text += " added " + name + ";";
  return text;
}

// Runs `args` once under each limit in `limits`, each time from the same
// folder contents, and returns how many runs failed (all of them cleanly).
// `logs` are files the command may append to even when it fails (a log is
// not a result).
inline int run_on_a_full_disk(const std::vector<std::string>& args, const std::filesystem::path& dir,
                              const std::vector<unsigned long long>& limits, const std::string& what,
                              const std::vector<std::string>& logs = {}) {
  auto without_logs = [&](std::map<std::string, std::string> files) {
    for (const std::string& log : logs) files.erase(log);
    return files;
  };
  const auto before = snapshot(dir);
  int failures = 0;
  for (const unsigned long long limit : limits) {
    SCOPED_TRACE(what + " under a " + std::to_string(limit) + "-byte file size limit");
    ChildLimits child;
    child.file_size_bytes = limit;
    const CliResult result = run_cli_limited(args, child);
    const auto after = snapshot(dir);
    if (result.exit_code != 0) {
      ++failures;
      EXPECT_EQ(result.exit_code, 1) << result.err;
      EXPECT_NE(result.err.find("error: "), std::string::npos) << result.err;
      EXPECT_NE(result.err.find("File too large"), std::string::npos) << "the reason is not named: " << result.err;
      EXPECT_EQ(result.out, "");
      EXPECT_EQ(differences(without_logs(before), without_logs(after)), "") << "a failed write changed the folder";
    }
    restore(dir, before);
  }
  return failures;
}

}  // namespace nasrank::testing
