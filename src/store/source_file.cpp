#include "store/source_file.h"

#include "nasrank/common/error.h"
#include "nasrank/common/utc_time.h"
#include "nasrank/store/import.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace nasrank::store {

Provenance file_provenance(const std::filesystem::path& path, const std::string& format) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw InputError("cannot read '" + path.string() + "': " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) throw InputError("'" + path.string() + "' is not a regular file");
  Provenance p;
  p.imported = true;
  p.source_path = std::filesystem::absolute(path).lexically_normal().string();
  p.source_sha256 = sha256_file(path);
  p.source_size = static_cast<std::int64_t>(info.st_size);
  p.source_mtime = utc_iso8601(info.st_mtime);
  p.source_format = format;
  return p;
}

}  // namespace nasrank::store
