#include "report_files.h"

#include "nasrank/common/error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace nasrank::analyze {
namespace {

// Through stdio rather than a stream, so that the reason (errno of the failed
// write or close) survives to the message.
int write_whole_file(const std::filesystem::path& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return errno;
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size() && std::fflush(file) == 0;
  const int write_error = written ? 0 : errno;
  const bool closed = std::fclose(file) == 0;
  if (!written) return write_error ? write_error : EIO;
  return closed ? 0 : (errno ? errno : EIO);
}

}  // namespace

std::vector<std::filesystem::path> write_report_files(const std::filesystem::path& folder,
                                                      const std::vector<std::pair<std::string, std::string>>& files) {
  const std::string where = "report folder '" + folder.string() + "'";
  std::error_code error;
  // The outermost folder this call creates (e.g. `out` of `out/a-vs-b`), to
  // remove again on failure.
  std::filesystem::path first_created;
  for (std::filesystem::path p = std::filesystem::absolute(folder, error);
       !p.empty() && !std::filesystem::exists(p, error); p = p.parent_path()) {
    first_created = p;
    if (p == p.parent_path()) break;
  }
  const bool created = !first_created.empty();
  std::filesystem::create_directories(folder, error);
  if (error) throw IoError(where + ": cannot create it (" + error.message() + ")");
  std::vector<std::filesystem::path> temporaries;
  auto give_up = [&](const std::string& reason) {
    std::error_code ignored;
    for (const auto& tmp : temporaries) std::filesystem::remove(tmp, ignored);
    if (created) std::filesystem::remove_all(first_created, ignored);
    throw IoError(where + ": " + reason + "; " +
                  (created ? "no report was written" : "the report files already there are unchanged"));
  };
  for (const auto& [name, text] : files) {
    const std::filesystem::path tmp = folder / (name + ".tmp");
    temporaries.push_back(tmp);
    if (const int failure = write_whole_file(tmp, text))
      give_up("cannot write " + name + " (" + std::strerror(failure) + ")");
  }
  std::vector<std::filesystem::path> written;
  for (std::size_t i = 0; i < files.size(); ++i) {
    written.push_back(folder / files[i].first);
    std::filesystem::rename(temporaries[i], written.back(), error);
    if (error) give_up("cannot rename " + temporaries[i].filename().string() + " (" + error.message() + ")");
  }
  return written;
}

}  // namespace nasrank::analyze
