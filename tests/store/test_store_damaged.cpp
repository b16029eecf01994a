// Damaged stores (tests/fuzz/fuzz_store_open finds more) and stores of format 1.
#include "nasrank/common/error.h"
#include "nasrank/store/merge.h"
#include "nasrank/store/store.h"
#include "store_test_util.h"
#include "test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// A store whose text columns hold real text of several kinds: a replaced
// run (its old bytes stay in the column), sources, error messages.
std::filesystem::path write_store(const ScratchDir& dir, int runs) {
  const auto path = dir / "runs.h5";
  ResultStore store = ResultStore::open(path, OpenMode::Append);
  std::vector<RunRecord> records;
  for (int i = 0; i < runs; ++i) {
    RunRecord r = sample_run(i, 1);
    r.seeds_averaged = "";
    if (i % 3 == 0) {
      r.status = RunStatus::Failed;
      r.error_message = "worker " + std::to_string(i) + " ran out of memory";
    }
    if (i % 4 == 0) {
      r.provenance.imported = true;
      r.provenance.source_path = "/data/source-" + std::to_string(i % 8) + ".csv";
      r.provenance.source_format = "csv";
    }
    records.push_back(r);
  }
  store.add(records);
  store.commit();
  RunRecord replacement = sample_run(1, 1);
  replacement.config_json = R"({"lr":0.2})";
  store.add({replacement}, DuplicatePolicy::Replace);
  store.commit();
  return path;
}

// Opens and reads everything, as query and compare do. Returns "" or the
// InputError's message; any other exception (or a crash) fails the test.
std::string read_everything(const std::filesystem::path& path) {
  try {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    (void)store.list();
    RunFilter filter;
    RunRecord stored = sample_run(2, 1);
    canonicalize(stored);
    filter.arch_key = arch_key("nb201", stored.arch);
    (void)store.select(filter);
    return "";
  } catch (const InputError& e) {
    return e.what();
  }
}

// Every structure HDF5 parses in a store is checksummed (docs/store-format.md,
// "Damage"), so one damaged byte anywhere is either harmless (unused space,
// an unchecked raw value nasrank validates) or an InputError naming the
// store; never a crash or a hang inside HDF5, as format 1's unchecked text
// heap allowed (found by fuzz_store_open). Every byte of the superblock and
// of each object header's signature and version is damaged, plus bytes
// spread over the rest of the file.
TEST(ResultStoreDamage, OneDamagedByteIsAnErrorOrHarmless) {
  ScratchDir dir("one-byte");
  const auto path = write_store(dir, 40);
  const std::string original = testing::read_text(path);
  ASSERT_EQ(read_everything(path), "");

  // Damage aimed at structures: the superblock, and the signature, version
  // and flags of every other object header, continuation block and chunk
  // index block; plus 100 bytes spread evenly over the file.
  std::set<std::size_t> positions;
  for (std::size_t at = 0; at < 48; ++at) positions.insert(at);
  for (const char* signature : {"OHDR", "OCHK", "EAHD", "EAIB"}) {
    std::size_t occurrence = 0;
    for (std::size_t at = original.find(signature); at != std::string::npos; at = original.find(signature, at + 1))
      if (occurrence++ % 2 == 0)
        for (std::size_t k : {0, 4, 5}) positions.insert(at + k);
  }
  const std::size_t aimed = positions.size();
  for (std::size_t k = 0; k < 100; ++k) positions.insert(k * (original.size() / 100) + 17);

  std::size_t errors = 0;
  for (std::size_t at : positions) {
    std::string damaged = original;
    damaged[at] = static_cast<char>(damaged[at] ^ (at % 2 ? 0x01 : 0xff));
    testing::write_text(path, damaged);
    const std::string message = read_everything(path);
    if (message.empty()) continue;
    ++errors;
    EXPECT_NE(message.find("runs.h5'"), std::string::npos) << "byte " << at << ": " << message;
  }
  RecordProperty("damaged_bytes", static_cast<int>(positions.size()));
  RecordProperty("errors", static_cast<int>(errors));
  // Damage aimed at structures is mostly found: the test must not pass vacuously.
  EXPECT_GT(errors, aimed / 2) << errors << " errors for " << positions.size() << " damaged bytes";
}

std::string little_endian(std::uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
  return bytes;
}

// FNV-1a 64, as docs/store-format.md defines /runs/arch_key_fnv1a64.
std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash;
}

// What an architecture query answers for each stored run: its key and test
// accuracy, or the InputError that refused it.
std::vector<std::string> lookups(const std::filesystem::path& path, int runs) {
  std::vector<std::string> answers;
  try {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    for (int i = 0; i < runs; ++i) {
      RunRecord wanted = sample_run(i, 1);
      canonicalize(wanted);
      RunFilter filter;
      filter.arch_key = arch_key("nb201", wanted.arch);
      std::string answer;
      for (const RunRecord& r : store.list(filter))
        answer += run_key(r).to_string() + " " + std::to_string(r.final_metrics.at("ori-test").accuracy) + "; ";
      answers.push_back(answer);
    }
  } catch (const InputError& e) {
    return {std::string("error: ") + e.what()};
  }
  return answers;
}

// Issue 18: a flipped bit in the index made `query` miss a stored run. Every
// bit of the index entries and of their checksums, one at a time: each
// lookup answers exactly as on the undamaged store, or the store is refused.
TEST(ResultStoreDamage, EveryFlippedIndexBitIsAnErrorOrHarmless) {
  ScratchDir dir("index-bits");
  constexpr int kRuns = 6;
  const auto path = write_store(dir, kRuns);
  const std::string original = testing::read_text(path);
  const std::vector<std::string> expected = lookups(path, kRuns);
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(kRuns));
  for (const std::string& answer : expected) ASSERT_FALSE(answer.empty());
  std::size_t flips = 0, errors = 0;
  // The three datasets' entries, found in the file by their known values:
  // hashes in row order, sorted, and the rows in sorted order.
  std::vector<std::pair<std::uint64_t, std::int64_t>> entries;
  for (int i = 0; i < kRuns; ++i) {
    RunRecord r = sample_run(i, 1);
    canonicalize(r);
    entries.emplace_back(fnv1a64(arch_key("nb201", r.arch)), i);
  }
  std::string by_row, sorted_hashes, sorted_rows;
  for (const auto& [hash, row] : entries) by_row += little_endian(hash);
  std::sort(entries.begin(), entries.end());
  for (const auto& [hash, row] : entries) {
    sorted_hashes += little_endian(hash);
    sorted_rows += little_endian(static_cast<std::uint64_t>(row));
  }
  constexpr std::size_t kChunkBytes = 65536 * 8;  // layout::kRawChunkRows of 8-byte values; its checksum follows
  for (const auto& [dataset, content] : {std::pair<std::string, std::string>{"/runs/arch_key_fnv1a64", by_row},
                                         {"/index/arch_key_fnv1a64", sorted_hashes},
                                         {"/index/row", sorted_rows}}) {
    const std::size_t address = original.find(content);
    ASSERT_NE(address, std::string::npos) << dataset;
    ASSERT_EQ(original.find(content, address + 1), std::string::npos) << dataset << " found twice";
    ASSERT_LE(address + kChunkBytes + 4, original.size()) << dataset;
    std::vector<std::size_t> bytes;
    for (std::size_t k = 0; k < content.size(); ++k) bytes.push_back(address + k);
    for (std::size_t k = 0; k < 4; ++k) bytes.push_back(address + kChunkBytes + k);  // the Fletcher-32 checksum
    for (const std::size_t at : bytes)
      for (int bit = 0; bit < 8; ++bit) {
        std::string damaged = original;
        damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
        testing::write_text(path, damaged);
        const std::vector<std::string> answers = lookups(path, kRuns);
        ++flips;
        if (answers.size() == 1 && answers.front().rfind("error: ", 0) == 0) {
          ++errors;
          EXPECT_NE(answers.front().find("runs.h5"), std::string::npos) << answers.front();
          continue;
        }
        EXPECT_EQ(answers, expected) << dataset << ": bit " << bit << " of byte " << at - address;
      }
  }
  testing::write_text(path, original);
  RecordProperty("flips", static_cast<int>(flips));
  EXPECT_GT(errors, flips / 2) << errors << " of " << flips << " flips refused";
}

TEST(ResultStoreDamage, DamagedTextIsAChecksumError) {
  ScratchDir dir("text-checksum");
  const auto path = write_store(dir, 40);
  std::string bytes = testing::read_text(path);
  // The text chunks are deflated; their Fletcher-32 checksum is the last 4
  // bytes of each chunk. Damaging every chunk-sized stretch of the file's
  // tail (where the last commit appended) must be detected somewhere.
  const std::string message = [&] {
    for (std::size_t at = bytes.size() - 1; at > bytes.size() / 2; at -= 7) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
      testing::write_text(path, damaged);
      const std::string found = read_everything(path);
      if (found.find("checksum") != std::string::npos || found.find("Fletcher32") != std::string::npos) return found;
    }
    return std::string("(no checksum error)");
  }();
  RecordProperty("error", message);
  EXPECT_NE(message.find("runs.h5'"), std::string::npos) << message;
}

TEST(ResultStoreDamage, VersionOneObjectHeaderIsRefusedBeforeHdf5ParsesIt) {
  ScratchDir dir("v1-header");
  const auto path = write_store(dir, 5);
  std::string bytes = testing::read_text(path);
  // The last object header: a dataset. 'O' -> 0x01 makes HDF5 see an
  // unchecksummed version 1 header there.
  const std::size_t at = bytes.rfind("OHDR");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 0x01;
  testing::write_text(path, bytes);
  const std::string message = read_everything(path);
  EXPECT_NE(message.find("is not a checksummed (version 2) one (damaged store)"), std::string::npos) << message;
  EXPECT_NE(message.find("runs.h5'"), std::string::npos) << message;
}

// Every object header of the store in turn, forged into an unchecked
// version 1 header. A reader that opens the object refuses it (one that does
// not, e.g. a query that never reads curves, is unaffected); a writer, which
// checks every object before copying the store, always refuses it.
TEST(ResultStoreDamage, EveryForgedObjectHeaderIsRefused) {
  ScratchDir dir("forged-headers");
  const auto path = write_store(dir, 5);
  const std::string original = testing::read_text(path);
  std::size_t headers = 0;
  for (std::size_t at = original.find("OHDR"); at != std::string::npos; at = original.find("OHDR", at + 1)) {
    ++headers;
    std::string forged = original;
    forged[at] = 0x01;
    testing::write_text(path, forged);
    const std::string read = read_everything(path);
    EXPECT_TRUE(read.empty() || read.find("is not a checksummed (version 2)") != std::string::npos)
        << "header at byte " << at << ": " << read;
    const std::string write = testing::error_of([&] { ResultStore::open(path, OpenMode::Append); });
    EXPECT_NE(write.find("is not a checksummed (version 2)"), std::string::npos)
        << "header at byte " << at << ": " << write;
  }
  EXPECT_GT(headers, 50u);
}

TEST(ResultStoreDamage, OldSuperblockIsRefused) {
  ScratchDir dir("old-superblock");
  const auto path = write_store(dir, 5);
  std::string bytes = testing::read_text(path);
  bytes[8] = 0;  // superblock version 3 -> 0, which HDF5 would parse without a checksum
  testing::write_text(path, bytes);
  const std::string message = read_everything(path);
  EXPECT_NE(message.find("runs.h5' is an HDF5 file but not a nasrank results store, or a damaged one: its superblock "
                         "is version 0"),
            std::string::npos)
      << message;
}

bool have_h5py() {
  return std::filesystem::exists("/usr/bin/python3") &&
         std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") == 0;
}

// Rewrites a store of the current format as nasrank 0.1.0 wrote it (format
// 1): text columns and text attributes as HDF5 variable-length strings.
void convert_to_format_1(const std::filesystem::path& store) {
  const std::string command = "/usr/bin/python3 '" +
                              (nasrank::testing::source_dir() / "tests/store/to_format_1.py").string() + "' '" +
                              store.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(ResultStoreFormat1, IsRefusedWithTheWayToUpgrade) {
  if (!have_h5py()) GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3 with h5py (Debian package python3-h5py)";
  ScratchDir dir("format-1");
  const auto path = write_store(dir, 5);
  convert_to_format_1(path);
  const std::string message = testing::error_of([&] { ResultStore::open(path, OpenMode::Read); });
  EXPECT_NE(message.find("runs.h5' is a results store of format 1 (nasrank 0.1.0)"), std::string::npos) << message;
  EXPECT_NE(message.find("nasrank merge NEW.h5 " + path.string() + " --upgrade"), std::string::npos) << message;
  // Nor can runs be added to it: the writer would mix the formats.
  EXPECT_NE(testing::error_of([&] { ResultStore::open(path, OpenMode::Append); }).find("format 1"), std::string::npos);
}

TEST(ResultStoreFormat1, MergeUpgradeKeepsEveryField) {
  if (!have_h5py()) GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3 with h5py (Debian package python3-h5py)";
  ScratchDir dir("upgrade");
  const auto path = write_store(dir, 30);
  const std::vector<RunRecord> before = ResultStore::open(path, OpenMode::Read).list();
  convert_to_format_1(path);
  const std::vector<RunRecord> format_1 = ResultStore::open(path, OpenMode::ReadFormat1).list();
  MergeOptions options;
  options.upgrade = true;
  const auto upgraded_path = dir / "upgraded.h5";
  const MergeReport report = merge_stores(upgraded_path, {path}, options);
  EXPECT_EQ(report.total, before.size());
  const std::vector<RunRecord> after = ResultStore::open(upgraded_path, OpenMode::Read).list();
  ASSERT_EQ(format_1.size(), before.size());
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i)
    for (const RunRecord* read : {&format_1[i], &after[i]}) {
      EXPECT_TRUE(same_result(*read, before[i])) << run_key(before[i]).to_string();
      EXPECT_EQ(read->provenance, before[i].provenance) << run_key(before[i]).to_string();
      EXPECT_EQ(read->created_at, before[i].created_at);
      EXPECT_EQ(read->tool_version, before[i].tool_version);
      EXPECT_EQ(read->error_message, before[i].error_message);
      EXPECT_EQ(read->config_json, before[i].config_json);
    }
}

// A run_count attribute far above what the file holds used to size the row
// buffers: std::bad_alloc (or the OOM killer) instead of an InputError. The
// root group's header is checksummed, so h5py rewrites the attribute.
TEST(ResultStoreErrors, RunCountBeyondTheFileIsAnInputError) {
  if (!have_h5py()) GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3 with h5py (Debian package python3-h5py)";
  ScratchDir dir("run-count");
  const auto path = write_store(dir, 5);
  const std::string patch =
      "/usr/bin/python3 -c \"import h5py, numpy, sys; "
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
