// An unlucky operator (issue 18): a disk that fills up under every command
// that writes a store, and store paths spelled through symlinks, hard links
// and relative paths. (Pickle bombs: test_cli_pickle_bombs.cpp.)
#include "cli_runner.h"
#include "full_disk.h"
#include "scratch_dir.h"
#include "test_paths.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <tuple>

namespace nasrank::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ---- 2. a full disk -------------------------------------------------------------

// Arch strings of benchmark indices 0, 6111 and 11472.
const char* kArch0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";
const char* kArch6111 =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";
const char* kArch11472 = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|";

std::vector<std::string> import_args(const ScratchDir& dir, const std::string& csv, const std::string& out) {
  return {"import",
          "csv",
          dir / csv,
          "--out",
          out,
          "--arch-column",
          "Arch",
          "--metric",
          "C10Test200Epochs=cifar10",
          "--seeds-averaged",
          "777"};
}

void write_tables(const ScratchDir& dir) {
  write(dir / "a.csv", std::string("C10Test200Epochs,Arch\n85.86,") + kArch0 + "\n94.3733," + kArch6111 + "\n");
  write(dir / "b.csv", std::string("C10Test200Epochs,Arch\n93.91,") + kArch11472 + "\n");
}

bool has_leftovers(const ScratchDir& dir) {
  for (const std::string& name : dir.files())
    if (name.size() > 4 && (name.substr(name.size() - 4) == ".tmp" || name.substr(name.size() - 5) == ".lock"))
      return true;
  return false;
}

// A write that fails with EFBIG, as on a full disk: exit 1 with the reason,
// no crash, no temporary left, and the previous store (if any) unchanged.
void expect_clean_failure(const CliResult& result, const ScratchDir& dir, const std::string& store,
                          const std::string& store_before, const std::string& what) {
  SCOPED_TRACE(what);
  if (result.exit_code == 0) return;  // everything fitted under this limit
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("File too large"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_FALSE(has_leftovers(dir));
  if (store_before.empty())
    EXPECT_FALSE(std::filesystem::exists(store));
  else
    EXPECT_EQ(slurp(store), store_before) << "the committed store changed";
}

TEST(CliReliability, FullDiskFailsEveryStoreWriterCleanly) {
  ScratchDir dir("reliab-disk");
  write_tables(dir);
  ASSERT_EQ(run_cli(import_args(dir, "a.csv", dir / "a.h5")).exit_code, 0);
  ASSERT_EQ(run_cli(import_args(dir, "b.csv", dir / "b.h5")).exit_code, 0);
  const std::string a_before = slurp(dir / "a.h5");
  int failures = 0;
  for (const unsigned long long limit : {4096ull, 32768ull, 131072ull, 262144ull, 524288ull, 1048576ull}) {
    ChildLimits limits;
    limits.file_size_bytes = limit;
    const std::string tag = " under a " + std::to_string(limit) + "-byte file size limit";
    // A new store.
    CliResult result = run_cli_limited(import_args(dir, "b.csv", dir / "new.h5"), limits);
    failures += result.exit_code != 0;
    expect_clean_failure(result, dir, dir / "new.h5", "", "import csv into a new store" + tag);
    std::filesystem::remove(dir / "new.h5");
    // Adding to an existing store.
    result = run_cli_limited(import_args(dir, "b.csv", dir / "a.h5"), limits);
    failures += result.exit_code != 0;
    expect_clean_failure(result, dir, dir / "a.h5", a_before, "import csv into an existing store" + tag);
    if (result.exit_code == 0) write(dir / "a.h5", a_before);
    // merge into a new store and into one of its inputs.
    result = run_cli_limited({"merge", dir / "m.h5", dir / "a.h5", dir / "b.h5"}, limits);
    failures += result.exit_code != 0;
    expect_clean_failure(result, dir, dir / "m.h5", "", "merge into a new store" + tag);
    std::filesystem::remove(dir / "m.h5");
    result = run_cli_limited({"merge", dir / "a.h5", dir / "a.h5", dir / "b.h5"}, limits);
    failures += result.exit_code != 0;
    expect_clean_failure(result, dir, dir / "a.h5", a_before, "merge into an input" + tag);
    if (result.exit_code == 0) write(dir / "a.h5", a_before);
  }
  EXPECT_GE(failures, 8) << "the limits should make most writes fail";
  // After all that, the store still answers.
  const CliResult query = run_cli({"query", dir / "a.h5", "--index", "6111", "--format", "csv"});
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("94.3733"), std::string::npos) << query.out;
}

const std::vector<unsigned long long> kDiskSizes{2048, 16384, 65536, 262144, 1048576};

TEST(CliReliability, FullDiskFailsImportNatsCleanly) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3";
  ScratchDir dir("reliab-disk-nats");
  // A NATS-Bench 'simple' folder holding benchmark cell 0, written by the Python tests' fixture.
  const std::string make = "/usr/bin/python3 -B -c \"import pathlib, sys; sys.path.insert(0, '" +
                           (source_dir() / "tests" / "python").string() +
                           "'); from nats_fixture import write_nats_directory; write_nats_directory(pathlib.Path('" +
                           dir / "nats" + "'), ['" + kArch0 + "'], [0])\"";
  ASSERT_EQ(std::system(make.c_str()), 0);
  const std::vector<std::string> args{"import", "nats", dir / "nats", "--out", dir / "ref.h5"};
  EXPECT_GE(run_on_a_full_disk(args, dir.path(), kDiskSizes, "import nats into a new store"), 2);
  // Into an existing store (the same runs again: replaced, so the store is rewritten).
  write_tables(dir);
  ASSERT_EQ(run_cli(import_args(dir, "a.csv", dir / "ref.h5")).exit_code, 0);
  EXPECT_GE(run_on_a_full_disk(args, dir.path(), kDiskSizes, "import nats into an existing store"), 2);
  const CliResult fits = run_cli(args);
  ASSERT_EQ(fits.exit_code, 0) << "without a limit the import works: " << fits.err;
}

// Stores of 40 benchmark cells whose two rankings differ a little: enough for a full report.
void write_comparable_stores(const ScratchDir& dir) {
  std::string a = "index,acc\n", b = "index,acc\n";
  for (int k = 0; k < 40; ++k) {
    a += std::to_string(k) + "," + std::to_string(50 + k) + "\n";
    b += std::to_string(k) + "," + std::to_string(50 + k + (k % 7 == 0 ? 9 : 0)) + "\n";
  }
  write(dir / "a.csv", a);
  write(dir / "b.csv", b);
  for (const auto& [csv, store, protocol] :
       {std::tuple<std::string, std::string, std::string>{"a.csv", "a.h5", "nb201"}, {"b.csv", "b.h5", "retrained"}}) {
    const CliResult r = run_cli({"import", "csv", dir / csv, "--out", dir / store, "--arch-column", "index", "--metric",
                                 "acc=cifar10", "--budget", "200", "--split", "test", "--protocol", protocol});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
}

TEST(CliReliability, FullDiskFailsReportWritersCleanly) {
  ScratchDir dir("reliab-disk-report");
  write_comparable_stores(dir);
  const std::vector<std::string> compare{"compare",     dir / "a.h5", dir / "b.h5", "--dataset", "cifar10",
                                         "--bootstrap", "20",         "-o",         dir / "cmp"};
  const std::vector<std::string> report{"report",  dir / "b.h5",  "--reference", dir / "a.h5", "--dataset",
                                        "cifar10", "--bootstrap", "20",          "-o",         dir / "out"};
  EXPECT_GE(run_on_a_full_disk(compare, dir.path(), kDiskSizes, "compare -o into a new folder"), 2);
  EXPECT_GE(run_on_a_full_disk(report, dir.path(), kDiskSizes, "report -o into a new folder"), 2);
  // Over the report of an earlier run: it stays whole, never a mix of two.
  ASSERT_EQ(run_cli(compare).exit_code, 0);
  ASSERT_EQ(run_cli(report).exit_code, 0);
  EXPECT_GE(run_on_a_full_disk(compare, dir.path(), kDiskSizes, "compare -o over an earlier report"), 2);
  EXPECT_GE(run_on_a_full_disk(report, dir.path(), kDiskSizes, "report -o over an earlier report"), 2);
}

// ---- 4. other spellings of a store path -------------------------------------------

TEST(CliReliability, WritingThroughASymlinkKeepsTheLinkAndTakesTheRealLock) {
  ScratchDir dir("reliab-symlink");
  write_tables(dir);
  ASSERT_EQ(run_cli(import_args(dir, "a.csv", dir / "real.h5")).exit_code, 0);
  std::filesystem::create_symlink("real.h5", dir / "alias.h5");
  // A writer holding the real store's lock stops a writer going through the link.
  const int fd = ::open((dir / "real.h5.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  const CliResult blocked = run_cli(import_args(dir, "b.csv", dir / "alias.h5"));
  EXPECT_EQ(blocked.exit_code, 2) << blocked.err;
  EXPECT_NE(blocked.err.find("is already open for writing by another process"), std::string::npos) << blocked.err;
  ::close(fd);
  std::filesystem::remove(dir / "real.h5.lock");
  // Once free, the write goes to the real file and the link still points at it.
  const CliResult added = run_cli(import_args(dir, "b.csv", dir / "alias.h5"));
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "alias.h5"));
  EXPECT_EQ(std::filesystem::read_symlink(dir / "alias.h5"), "real.h5");
  EXPECT_NE(run_cli({"query", dir / "real.h5", "--index", "11472", "--format", "csv"}).out.find("93.91"),
            std::string::npos);
  EXPECT_EQ(dir.files(), (std::vector<std::string>{"a.csv", "alias.h5", "b.csv", "real.h5"}));
}

TEST(CliReliability, RelativeAndAbsoluteSpellingsShareOneLock) {
  ScratchDir dir("reliab-relative");
  write_tables(dir);
  ASSERT_EQ(run_cli(import_args(dir, "a.csv", dir / "s.h5")).exit_code, 0);
  const int fd = ::open((dir / "s.h5.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  // The same file spelled with a detour through its directory's parent.
  const std::string detour = (dir.path() / ".." / dir.path().filename() / "." / "s.h5").string();
  const CliResult blocked = run_cli(import_args(dir, "b.csv", detour));
  EXPECT_EQ(blocked.exit_code, 2) << blocked.err;
  ::close(fd);
  std::filesystem::remove(dir / "s.h5.lock");
}

TEST(CliReliability, AStoreWithHardLinksIsRefusedForWriting) {
  ScratchDir dir("reliab-hardlink");
  write_tables(dir);
  ASSERT_EQ(run_cli(import_args(dir, "a.csv", dir / "s.h5")).exit_code, 0);
  std::filesystem::create_hard_link(dir / "s.h5", dir / "twin.h5");
  const std::string before = slurp(dir / "s.h5");
  // Replacing one name would silently split the two into different stores.
  const CliResult refused = run_cli(import_args(dir, "b.csv", dir / "twin.h5"));
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("has 2 hard links"), std::string::npos) << refused.err;
  EXPECT_EQ(slurp(dir / "s.h5"), before);
  EXPECT_EQ(std::filesystem::hard_link_count(dir / "s.h5"), 2u);
  // Reading it is fine.
  EXPECT_EQ(run_cli({"query", dir / "twin.h5", "--index", "0", "--format", "csv"}).exit_code, 0);
}

// ---- messages that quote input ----------------------------------------------------

TEST(CliReliability, MessagesEscapeControlCharactersOfTheInput) {
  // An escape sequence inside an encoding, and inside an option value CLI11 rejects.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"parse", "|nor_conv_3x3~0|\x1b[2J|"},
        std::vector<std::string>{"query", "store.h5", "--format", "\x1b]0;title\x07table"}}) {
    const CliResult result = run_cli(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find('\x07'), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("\\x1b"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
  }
}

// ---- nothing on stdout for a failed input -------------------------------------------

// One failing input per command (and per output format where the format
// changes what is printed): stdout stays empty, so a pipeline never reads a
// header or an empty list as an answer.
TEST(CliReliability, FailedInputsPrintNothingOnStdout) {
  ScratchDir dir("reliab-stdout");
  write_tables(dir);
  ASSERT_EQ(run_cli(import_args(dir, "a.csv", dir / "s.h5")).exit_code, 0);
  write(dir / "not-a-store.h5", "just text\n");
  write(dir / "bad.csv", std::string("C10Test200Epochs,Arch\nn/a,") + kArch0 + "\n");
  std::filesystem::create_directories(dir.path() / "empty-folder");
  const std::string store = dir / "s.h5", junk = dir / "not-a-store.h5";
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  std::vector<Case> cases{
      {{"space", "nope"}, 2, "error: "},
      {{"parse", "|conv9~0|"}, 2, "error: arch string"},
      {{"parse", "--format", "json", "|conv9~0|"}, 2, "error: arch string"},
      {{"parse", "--format", "csv", "|conv9~0|"}, 2, "error: arch string"},
      {{"parse", "--dot", "|conv9~0|"}, 2, "error: arch string"},
      {{"scale", "0", "--base-lr", "nan"}, 2, "error: "},
      {{"scale", "dag:2", "--base-lr", "1.79e308", "--depth-convention", "relu-count", "--kernel-size", "1"},
       2,
       "is not a finite learning rate"},
      {{"scale", "|conv9~0|", "--format", "json"}, 2, "error: arch string"},
      {{"scale", "|conv9~0|", "--layers"}, 2, "error: arch string"},
      {{"cost", "|conv9~0|", "--dataset", "cifar10"}, 2, "error: arch string"},
      {{"cost", "|conv9~0|", "--dataset", "cifar10", "--format", "json"}, 2, "error: arch string"},
      {{"cost", "0", "--dataset", "cifar11"}, 2, "error: dataset 'cifar11'"},
      {{"import", "csv", dir / "bad.csv", "--out", dir / "new.h5", "--arch-column", "Arch", "--metric",
        "C10Test200Epochs=cifar10"},
       2,
       "is not a number"},
      {{"import", "nats", dir / "empty-folder", "--out", dir / "new.h5"}, 2, "has no meta.pickle.pbz2"},
      {{"merge", dir / "new.h5", store, junk}, 2, "error: "},
      {{"query", junk, "--index", "0"}, 2, "error: "},
      {{"query", store, "--where", "flopz<50"}, 2, "unknown field 'flopz'"},
      {{"query", store, "--index", "1"}, 1, "no runs in"},
      {{"query", store, "--index", "1", "--format", "csv"}, 1, "no runs in"},
      {{"query", store, "--index", "1", "--format", "json"}, 1, "no runs in"},
      {{"query", store, "--index", "0", "--curves"}, 1, "no per-epoch curves"},
      {{"export", junk}, 2, "error: "},
      {{"export", store, "--layout", "long", "--format", "json"}, 2, "CSV only"},
      {{"compare", junk, store}, 2, "error: "},
      {{"compare", store, store, "--dataset", "mnist", "-o", dir / "never"}, 2, "error: "},
      {{"report", junk, "-o", dir / "never"}, 2, "error: "},
      {{"report", store, "-o", dir / "never"}, 2, "error: "},
      {{"rerank", "--arch", "0", "--protocol", "no-such-protocol", "--dataset", "synthetic", "--store", dir / "r.h5"},
       2,
       "protocol 'no-such-protocol'"},
      {{"lr-search", "--arch", "0", "--protocol", "no-such-protocol", "--dataset", "synthetic", "--store",
        dir / "l.h5"},
       2,
       "protocol 'no-such-protocol'"},
  };
  for (const Case& c : cases) {
    std::string command;
    for (const std::string& a : c.args) command += " " + a;
    SCOPED_TRACE("nasrank" + command);
    const CliResult result = run_cli(c.args);
    EXPECT_EQ(result.exit_code, c.exit_code) << result.err;
    EXPECT_EQ(result.out, "");
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "new.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "never"));
}

// ---- option ranges ---------------------------------------------------------------

TEST(CliReliability, OutOfRangeOptionsAreRefusedNotReadAsNoFilter) {
  ScratchDir dir("reliab-options");
  write_tables(dir);
  ASSERT_EQ(run_cli(import_args(dir, "a.csv", dir / "s.h5")).exit_code, 0);
  const std::string store = dir / "s.h5";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"query", store, "--index", "0", "--budget", "-1"}, "'-1' is out of range (1 to 1000000)"},
      {{"query", store, "--index", "0", "--budget", "0"}, "'0' is out of range"},
      {{"export", store, "--budget", "0"}, "'0' is out of range"},
      {{"compare", store, store, "--budget", "-5"}, "'-5' is out of range"},
      {{"query", store, "--index", "0", "--seed", "99999999999999999999"}, "'99999999999999999999' is too large"},
      {{"query", store, "--index", "0", "--seed", "7x"}, "'7x' is not a whole number"},
      {{"rerank", "--arch", "0", "--workers", "-3"}, "'-3' is out of range (1 to 4096)"},
      {{"rerank", "--arch", "0", "--threads", "-5"}, "'-5' is out of range (1 to 4096)"},
      {{"rerank", "--arch", "0", "--seeds", "99999999999999999999"}, "is too large"},
  };
  for (const auto& [args, message] : cases) {
    const CliResult result = run_cli(args);
    EXPECT_EQ(result.exit_code, 2) << args[0] << " " << args.back() << ": " << result.err;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
  }
}

}  // namespace
}  // namespace nasrank::testing
