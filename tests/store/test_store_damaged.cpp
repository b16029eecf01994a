// Damaged stores found by tests/fuzz/fuzz_store_open.
#include "nasrank/common/error.h"
#include "nasrank/store/store.h"
#include "store_test_util.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nasrank::store {
namespace {

using testing::sample_run;
using testing::ScratchDir;

std::uint64_t u64_at(const std::string& bytes, std::size_t offset) {
  std::uint64_t value = 0;
  std::memcpy(&value, bytes.data() + offset, sizeof value);  // HDF5 files are little-endian
  return value;
}

// Runs of at least 4 variable-length string references stored in the file:
// 16 bytes each, starting with the file address of a global heap collection
// ("GCOL", where HDF5 keeps the strings). Returns (offset, count) pairs.
std::vector<std::pair<std::size_t, std::size_t>> string_reference_runs(const std::string& bytes) {
  std::set<std::uint64_t> collections;
  for (std::size_t at = bytes.find("GCOL"); at != std::string::npos; at = bytes.find("GCOL", at + 1))
    collections.insert(at);
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  std::size_t at = 0;
  while (at + 16 <= bytes.size()) {
    std::size_t end = at;
    while (end + 16 <= bytes.size() && collections.count(u64_at(bytes, end))) end += 16;
    if ((end - at) / 16 >= 4) runs.emplace_back(at, (end - at) / 16);
    at = end > at ? end : at + 1;
  }
  return runs;
}

// A text column whose later strings point at no heap collection: HDF5 fails
// the read after it has allocated the earlier strings. Those used to leak
// (LeakSanitizer in tools/ci/sanitizers.sh reports it); the read must fail
// with an InputError naming the store.
TEST(ResultStoreErrors, DamagedStringReferencesFailCleanly) {
  ScratchDir dir("damaged-strings");
  const auto path = dir / "runs.h5";
  {
    ResultStore store = ResultStore::open(path, OpenMode::Append);
    std::vector<RunRecord> runs;
    for (int i = 0; i < 300; ++i) runs.push_back(sample_run(i, 1));
    store.add(runs);
    store.commit();
  }
  std::string bytes = testing::read_text(path);
  const auto runs = string_reference_runs(bytes);
  ASSERT_FALSE(runs.empty()) << "no variable-length strings found in the store";
  for (const auto& [offset, count] : runs)
    for (std::size_t i = count / 2; i < count; ++i) {
      const std::size_t field = offset + i * 16;
      const std::uint64_t past_the_collection = u64_at(bytes, field) + 8;
      std::memcpy(bytes.data() + field, &past_the_collection, sizeof past_the_collection);
    }
  testing::write_text(path, bytes);
  try {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    store.list();
    FAIL() << "a store with damaged strings was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("runs.h5'"), std::string::npos) << e.what();
  }
}

// A run_count attribute far above what the file holds used to size the row
// buffers: std::bad_alloc (or the OOM killer) instead of an InputError. The
// root group's header is checksummed, so h5py rewrites the attribute.
TEST(ResultStoreErrors, RunCountBeyondTheFileIsAnInputError) {
  if (!std::filesystem::exists("/usr/bin/python3") ||
      std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3 with h5py (Debian package python3-h5py)";
  ScratchDir dir("run-count");
  const auto path = dir / "runs.h5";
  {
    ResultStore store = ResultStore::open(path, OpenMode::Append);
    std::vector<RunRecord> runs;
    for (int i = 0; i < 5; ++i) runs.push_back(sample_run(i, 1));
    store.add(runs);
    store.commit();
  }
  const std::string patch = "/usr/bin/python3 -c \"import h5py, numpy, sys; "
                            "f = h5py.File(sys.argv[1], 'r+'); f.attrs['run_count'] = numpy.int64(1 << 40); f.close()\" '" +
                            path.string() + "'";
  ASSERT_EQ(std::system(patch.c_str()), 0) << patch;
  try {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    store.list();
    FAIL() << "a store claiming 2^40 runs was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'run_count' of '/' = 1099511627776 is more runs than a file of"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nasrank::store
