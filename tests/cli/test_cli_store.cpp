// `nasrank import / query / merge / export` as a user runs them: exit codes,
// stdout, stderr, and the files left behind.
#include "cli_runner.h"
#include "scratch_dir.h"
#include "test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace nasrank::testing {
namespace {

// Arch strings of benchmark indices 0, 6111 and 11472.
const char* kArch0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";
const char* kArch6111 =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";
const char* kArch11472 = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|";

std::string table_200() {
  return std::string("C10Test200Epochs,C100Test200Epochs,Arch\n") + "85.86,52.91," + kArch0 + "\n" + "94.3733,73.22," +
         kArch6111 + "\n" + "93.91,70.89," + kArch11472 + "\n";
}

CliResult import_200(const ScratchDir& dir, const std::string& out) {
  write(dir / "t200.csv", table_200());
  return run_cli({"import", "csv", dir / "t200.csv", "--out", out, "--arch-column", "Arch", "--metric",
                  "C10Test200Epochs=cifar10", "--metric", "C100Test200Epochs=cifar100", "--seeds-averaged",
                  "777,888,999"});
}

TEST(CliStore, ImportCsvThenQuery) {
  ScratchDir dir("store-query");
  const CliResult imported = import_200(dir, dir / "ref.h5");
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.out, "");
  EXPECT_NE(imported.err.find("budget 200 epochs (inferred from the column 'C10Test200Epochs')"), std::string::npos)
      << imported.err;
  EXPECT_NE(imported.err.find("6 new; the store now holds 6 runs"), std::string::npos) << imported.err;
  EXPECT_EQ(dir.files(), (std::vector<std::string>{"ref.h5", "t200.csv"})) << "no .tmp or .lock left";

  const CliResult one =
      run_cli({"query", dir / "ref.h5", "--index", "6111", "--dataset", "cifar10", "--format", "csv"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out,
            "index,arch,dataset,protocol,budget_epochs,seeds,n_seeds,split,accuracy,accuracy_std,loss,params_m,flops_m,"
            "lr,init,status\n"
            "6111," +
                std::string(kArch6111) +
                ",cifar10,nb201,200,\"mean(777,888,999)\",3,ori-test,94.3733,,,1.073466,153.27297,,,ok\n");
  EXPECT_NE(one.err.find("budget 200 epochs (the only one stored"), std::string::npos);

  const CliResult by_arch =
      run_cli({"query", dir / "ref.h5", "--arch", kArch11472, "--budget", "200", "--format", "json"});
  ASSERT_EQ(by_arch.exit_code, 0) << by_arch.err;
  const auto rows = nlohmann::json::parse(by_arch.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["dataset"], "cifar10");
  EXPECT_EQ(rows[0]["accuracy"], 93.91);
  EXPECT_EQ(rows[1]["dataset"], "cifar100");
  EXPECT_EQ(rows[1]["split"], "x-test");
  EXPECT_EQ(rows[1]["accuracy"], 70.89);

  const CliResult top = run_cli({"query", dir / "ref.h5", "--dataset", "cifar100", "--top", "2", "--format", "csv"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_EQ(std::count(top.out.begin(), top.out.end(), '\n'), 3);
  EXPECT_EQ(top.out.find("\n6111,"), top.out.find('\n')) << top.out;

  const CliResult where =
      run_cli({"query", dir / "ref.h5", "--where", "accuracy<90", "--where", "index>0", "--format", "csv"});
  ASSERT_EQ(where.exit_code, 0) << where.err;
  EXPECT_NE(where.out.find("\n6111,"), std::string::npos);
  EXPECT_EQ(where.out.find("\n0,"), std::string::npos);
  EXPECT_EQ(std::count(where.out.begin(), where.out.end(), '\n'), 3) << where.out;
}

TEST(CliStore, QueryErrorsAndEmptyAnswers) {
  ScratchDir dir("store-queryerr");
  ASSERT_EQ(import_200(dir, dir / "ref.h5").exit_code, 0);
  const CliResult unknown = run_cli({"query", dir / "ref.h5", "--where", "flopz<50"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("error: condition 'flopz<50': unknown field 'flopz' (known: accuracy"), std::string::npos)
      << unknown.err;
  // FLOPs of the imported cells (computed at import) on CIFAR-10: 15.6 M for
  // cell 0, 153.3 M for 6111, 78.6 M for 11472.
  const CliResult none = run_cli({"query", dir / "ref.h5", "--dataset", "cifar10", "--where", "flops<10"});
  EXPECT_EQ(none.exit_code, 1) << none.out;
  EXPECT_NE(none.err.find("no runs in"), std::string::npos);
  const CliResult small =
      run_cli({"query", dir / "ref.h5", "--dataset", "cifar10", "--where", "flops<50", "--format", "csv"});
  EXPECT_EQ(small.exit_code, 0) << small.err;
  EXPECT_EQ(std::count(small.out.begin(), small.out.end(), '\n'), 2) << small.out;
  EXPECT_NE(small.out.find("\n0,"), std::string::npos) << small.out;
  const CliResult bad_arch = run_cli({"query", dir / "ref.h5", "--arch", "|conv9~0|"});
  EXPECT_EQ(bad_arch.exit_code, 2);
  EXPECT_NE(bad_arch.err.find("error: "), std::string::npos);
  const CliResult both = run_cli({"query", dir / "ref.h5", "--index", "1", "--arch", kArch0});
  EXPECT_EQ(both.exit_code, 2);
}

TEST(CliStore, BudgetsAreNeverMixed) {
  ScratchDir dir("store-budgets");
  ASSERT_EQ(import_200(dir, dir / "ref.h5").exit_code, 0);
  write(dir / "mini_12ep.csv", "arch,cifar10-test\n0,69.55\n6111,88.79\n");
  const CliResult imported = run_cli({"import", "csv", dir / "mini_12ep.csv", "--out", dir / "ref.h5", "--arch-column",
                                      "arch", "--metric", "cifar10-test=cifar10"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("inferred from the file name 'mini_12ep.csv'"), std::string::npos);

  const CliResult ambiguous = run_cli({"query", dir / "ref.h5", "--index", "6111", "--dataset", "cifar10"});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_NE(ambiguous.err.find("holds results for budgets 12 and 200 epochs"), std::string::npos) << ambiguous.err;
  EXPECT_EQ(ambiguous.out, "");
  const CliResult twelve = run_cli(
      {"query", dir / "ref.h5", "--index", "6111", "--dataset", "cifar10", "--budget", "12", "--format", "csv"});
  ASSERT_EQ(twelve.exit_code, 0);
  EXPECT_NE(twelve.out.find(",12,mean(unknown),0,ori-test,88.79,"), std::string::npos) << twelve.out;

  const CliResult contradiction =
      run_cli({"import", "csv", dir / "t200.csv", "--out", dir / "other.h5", "--arch-column", "Arch", "--metric",
               "C10Test200Epochs=cifar10", "--budget", "12"});
  EXPECT_EQ(contradiction.exit_code, 2);
  EXPECT_NE(contradiction.err.find("--budget 12 contradicts the column 'C10Test200Epochs'"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "other.h5"));
}

TEST(CliStore, MergeReportsDuplicates) {
  ScratchDir dir("store-merge");
  ASSERT_EQ(import_200(dir, dir / "a.h5").exit_code, 0);
  write(dir / "b200.csv", std::string("C10Test200Epochs,Arch\n94.3733,") + kArch6111 +
                              "\n90.5,|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|\n");
  ASSERT_EQ(run_cli({"import", "csv", dir / "b200.csv", "--out", dir / "b.h5", "--arch-column", "Arch", "--metric",
                     "C10Test200Epochs=cifar10", "--seeds-averaged", "777,888,999"})
                .exit_code,
            0);
  const CliResult merged = run_cli({"merge", dir / "out.h5", dir / "a.h5", dir / "b.h5"});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_NE(merged.err.find("1 identical duplicates and 0 conflicting duplicates not doubled; 7 runs in the output"),
            std::string::npos)
      << merged.err;
  EXPECT_NE(merged.err.find("duplicate: nb201:" + std::string(kArch6111) + " cifar10 nb201 200ep mean-over-seeds"),
            std::string::npos)
      << merged.err;

  write(dir / "c200.csv", std::string("C10Test200Epochs,Arch\n11.0,") + kArch6111 + "\n");
  ASSERT_EQ(run_cli({"import", "csv", dir / "c200.csv", "--out", dir / "c.h5", "--arch-column", "Arch", "--metric",
                     "C10Test200Epochs=cifar10", "--seeds-averaged", "777,888,999"})
                .exit_code,
            0);
  const CliResult conflict = run_cli({"merge", dir / "conflict.h5", dir / "a.h5", dir / "c.h5"});
  EXPECT_EQ(conflict.exit_code, 2);
  EXPECT_NE(conflict.err.find("already present with different results"), std::string::npos) << conflict.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "conflict.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "conflict.h5.tmp"));
  const CliResult last = run_cli({"merge", dir / "last.h5", dir / "a.h5", dir / "c.h5", "--on-conflict", "keep-last"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  const CliResult value =
      run_cli({"query", dir / "last.h5", "--index", "6111", "--dataset", "cifar10", "--format", "csv"});
  EXPECT_NE(value.out.find(",ori-test,11.0,"), std::string::npos) << value.out;
  const CliResult exists = run_cli({"merge", dir / "last.h5", dir / "a.h5"});
  EXPECT_EQ(exists.exit_code, 2);
  EXPECT_NE(exists.err.find("already exists"), std::string::npos);
}

TEST(CliStore, ExportFlatTable) {
  ScratchDir dir("store-export");
  ASSERT_EQ(import_200(dir, dir / "ref.h5").exit_code, 0);
  // CSV: long format, provenance once in '#' lines.
  const CliResult csv = run_cli({"export", dir / "ref.h5"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::vector<std::string> comments, lines;
  std::istringstream text(csv.out);
  for (std::string line; std::getline(text, line);) (line.rfind("#", 0) == 0 ? comments : lines).push_back(line);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(
      lines[0].rfind("run,space,benchmark_index,arch,dataset,protocol,budget_epochs,seed,seeds_averaged,status,split,"
                     "accuracy,loss,",
                     0),
      0u)
      << lines[0];
  EXPECT_EQ(lines[0].find("accuracy:"), std::string::npos);
  EXPECT_EQ(lines[0].find("source_note"), std::string::npos);
  EXPECT_EQ(lines.size(), 1u + 6u);           // 6 imported rows, one split each
  ASSERT_EQ(comments.size(), 2u) << csv.out;  // the title line and the one source file's provenance
  EXPECT_NE(comments[1].find("# provenance 0: {"), std::string::npos) << comments[1];
  EXPECT_NE(comments[1].find("\"source_sha256\":\""), std::string::npos) << comments[1];
  for (std::size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(lines[i].find("source_sha256"), std::string::npos);
  // The old table, one column per split, is still there.
  const CliResult wide = run_cli({"export", dir / "ref.h5", "--layout", "wide"});
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  const std::string header = wide.out.substr(0, wide.out.find('\n'));
  EXPECT_EQ(header.rfind("row,space,benchmark_index,arch,unique_string,dataset,protocol,budget_epochs,seed,", 0), 0u)
      << header;
  EXPECT_NE(header.find(",accuracy:ori-test,accuracy:x-test,"), std::string::npos) << header;
  EXPECT_NE(header.find(",source_sha256,"), std::string::npos);
  EXPECT_EQ(std::count(wide.out.begin(), wide.out.end(), '\n'), 7);
  const CliResult long_json = run_cli({"export", dir / "ref.h5", "--format", "json", "--layout", "long"});
  EXPECT_EQ(long_json.exit_code, 2);
  EXPECT_NE(long_json.err.find("--layout long is CSV only"), std::string::npos) << long_json.err;
  const CliResult json = run_cli({"export", dir / "ref.h5", "--format", "json", "--dataset", "cifar100"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto rows = nlohmann::json::parse(json.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1]["benchmark_index"], 6111);
  EXPECT_EQ(rows[1]["accuracy:x-test"], 73.22);
  EXPECT_TRUE(rows[1]["accuracy:ori-test"].is_null());
  EXPECT_EQ(rows[1]["seeds_averaged"], "777,888,999");
  EXPECT_EQ(rows[1]["imported"], true);
  EXPECT_EQ(rows[1]["source_format"], "csv");
  EXPECT_EQ(rows[1]["source_split"], "test");
}

TEST(CliStore, QueryAcceptsDatasetSpellingsAndListsTheStoredOnes) {
  ScratchDir dir("store-dataset-names");
  ASSERT_EQ(import_200(dir, dir / "ref.h5").exit_code, 0);
  const CliResult upper = run_cli({"query", dir / "ref.h5", "--dataset", "CIFAR-100", "--format", "csv"});
  ASSERT_EQ(upper.exit_code, 0) << upper.err;
  const CliResult exact = run_cli({"query", dir / "ref.h5", "--dataset", "cifar100", "--format", "csv"});
  EXPECT_EQ(upper.out, exact.out);
  const CliResult unknown = run_cli({"query", dir / "ref.h5", "--dataset", "mnist"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("has no dataset 'mnist' (it has: cifar10"), std::string::npos) << unknown.err;
  // Imported rows store no per-epoch values: --curves says so.
  const CliResult curves = run_cli({"query", dir / "ref.h5", "--index", "0", "--dataset", "cifar100", "--curves"});
  EXPECT_EQ(curves.exit_code, 1);
  EXPECT_NE(curves.err.find("no per-epoch curves"), std::string::npos) << curves.err;
}

TEST(CliStore, BadStoreFiles) {
  ScratchDir dir("store-badstore");
  write(dir / "table.h5", "arch,acc\n1,2\n");
  const CliResult text = run_cli({"query", dir / "table.h5", "--index", "1"});
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_NE(text.err.find("error: '" + dir / "table.h5" + "' is not an HDF5 file"), std::string::npos) << text.err;
  EXPECT_EQ(text.out, "");

  ASSERT_EQ(import_200(dir, dir / "ref.h5").exit_code, 0);
  std::filesystem::resize_file(dir / "ref.h5", std::filesystem::file_size(dir / "ref.h5") / 2);
  const CliResult truncated = run_cli({"export", dir / "ref.h5"});
  EXPECT_EQ(truncated.exit_code, 2);
  EXPECT_NE(truncated.err.find("error: '" + dir / "ref.h5" + "'"), std::string::npos) << truncated.err;
  EXPECT_NE(truncated.err.find("truncated"), std::string::npos) << truncated.err;
  EXPECT_EQ(truncated.out, "");

  const CliResult missing = run_cli({"export", dir / "nothing.h5"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos);

  // Importing into a file that is not a store must not touch it.
  const CliResult into_text = import_200(dir, dir / "table.h5");
  EXPECT_EQ(into_text.exit_code, 2);
  std::ifstream in(dir / "table.h5");
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "arch,acc");
}

TEST(CliStore, ForeignHdf5File) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3 with h5py";
  ScratchDir dir("store-foreign");
  const std::string make = "/usr/bin/python3 -c \"import h5py; f = h5py.File('" + dir / "foreign.h5" +
                           "', 'w'); f['acc'] = [1.0, 2.0]; f.close()\" 2>/dev/null";
  if (std::system(make.c_str()) != 0) GTEST_SKIP() << "SKIPPED: h5py (python3-h5py) is not importable";
  const CliResult result = run_cli({"query", dir / "foreign.h5", "--index", "1"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("is an HDF5 file but not a nasrank results store"), std::string::npos) << result.err;
}

// A store of nasrank 0.1.0 (format 1, made with tests/store/to_format_1.py):
// every command refuses it and names the upgrade; merge --upgrade converts it.
TEST(CliStore, Format1StoreIsUpgradedByMerge) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3 with h5py (python3-h5py)";
  ScratchDir dir("store-format-1");
  ASSERT_EQ(import_200(dir, dir / "old.h5").exit_code, 0);
  const CliResult before = run_cli({"export", dir / "old.h5", "--format", "csv"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const std::string convert = "/usr/bin/python3 '" +
                              (nasrank::testing::source_dir() / "tests/store/to_format_1.py").string() + "' '" +
                              dir / "old.h5" + "'";
  ASSERT_EQ(std::system(convert.c_str()), 0) << convert;

  const CliResult refused = run_cli({"query", dir / "old.h5", "--index", "0"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("old.h5' is a results store of format 1 (nasrank 0.1.0)"), std::string::npos)
      << refused.err;
  const CliResult plain_merge = run_cli({"merge", dir / "new.h5", dir / "old.h5"});
  EXPECT_EQ(plain_merge.exit_code, 2);
  EXPECT_NE(plain_merge.err.find("--upgrade"), std::string::npos) << plain_merge.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "new.h5"));

  const CliResult upgraded = run_cli({"merge", dir / "new.h5", dir / "old.h5", "--upgrade"});
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.err;
  EXPECT_NE(upgraded.err.find("6 runs in the output"), std::string::npos) << upgraded.err;
  const CliResult after = run_cli({"export", dir / "new.h5", "--format", "csv"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, before.out);
}

TEST(CliStore, BadCsvLeavesNoOutput) {
  ScratchDir dir("store-badcsv");
  write(dir / "t200.csv", table_200());
  const CliResult missing = run_cli({"import", "csv", dir / "t200.csv", "--out", dir / "ref.h5", "--arch-column",
                                     "Arch", "--metric", "ImageNetTest200Epochs=ImageNet16-120"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("has no column 'ImageNetTest200Epochs'"), std::string::npos) << missing.err;

  write(dir / "bad200.csv", std::string("Acc200Epochs,Arch\n94.1,") + kArch0 + "\nn/a," + kArch6111 + "\n");
  const CliResult not_number = run_cli({"import", "csv", dir / "bad200.csv", "--out", dir / "ref.h5", "--arch-column",
                                        "Arch", "--metric", "Acc200Epochs=cifar10"});
  EXPECT_EQ(not_number.exit_code, 2);
  EXPECT_NE(not_number.err.find("bad200.csv' line 3 column 'Acc200Epochs': 'n/a' is not a number"), std::string::npos)
      << not_number.err;
  EXPECT_EQ(dir.files(), (std::vector<std::string>{"bad200.csv", "t200.csv"})) << "no store, .tmp or .lock left";
}

TEST(CliStore, WrongPickleLayoutLeavesNoOutput) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3";
  ScratchDir dir("store-pickle");
  std::filesystem::create_directories(dir / "nats");
  const std::string make = "/usr/bin/python3 -c \"import bz2, pickle; open('" + dir / "nats/meta.pickle.pbz2" +
                           "', 'wb').write(bz2.compress(pickle.dumps([1, 2, 3], protocol=4)))\"";
  ASSERT_EQ(std::system(make.c_str()), 0);
  const CliResult result = run_cli({"import", "nats", dir / "nats", "--out", dir / "ref.h5"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("meta.pickle.pbz2"), std::string::npos) << result.err;
  EXPECT_EQ(dir.files(), (std::vector<std::string>{"nats"})) << "no store, .tmp or .lock left";
}

TEST(CliStore, SecondWriterIsRefused) {
  ScratchDir dir("store-lock");
  write(dir / "t200.csv", table_200());
  // Hold the store's writer lock the way a running writer does.
  const int fd = ::open((dir / "ref.h5.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const std::string pid = std::to_string(::getpid()) + "\n";
  ASSERT_EQ(::write(fd, pid.data(), pid.size()), static_cast<ssize_t>(pid.size()));
  const CliResult refused = import_200(dir, dir / "ref.h5");
  ::close(fd);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("is already open for writing by another process (pid " + std::to_string(::getpid())),
            std::string::npos)
      << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "ref.h5"));
  EXPECT_EQ(import_200(dir, dir / "ref.h5").exit_code, 0) << "the lock is free again";
}

}  // namespace
}  // namespace nasrank::testing
