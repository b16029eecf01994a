// The commit journal: commits append to `<store>.journal` instead of copying
// the store, readers see file and journal as one store, a writer folds the
// journal into the file, and a torn, damaged or stale journal is handled as
// docs/store-format.md ("The commit journal") says.
#include "nasrank/store/export.h"
#include "nasrank/store/query.h"
#include "nasrank/store/store.h"
#include "store_test_util.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace nasrank::store {
namespace {

using testing::error_of;
using testing::sample_run;
using testing::ScratchDir;

std::filesystem::path journal_of(const std::filesystem::path& store) { return store.string() + ".journal"; }

// The store as a crash would leave it while `writer` is open: the file and
// its journal copied under another name (the journal is bound to the file by
// the file's journal_id, not by its name).
std::filesystem::path snapshot(const std::filesystem::path& store, const std::filesystem::path& copy) {
  std::filesystem::copy_file(store, copy, std::filesystem::copy_options::overwrite_existing);
  if (std::filesystem::exists(journal_of(store)))
    std::filesystem::copy_file(journal_of(store), journal_of(copy), std::filesystem::copy_options::overwrite_existing);
  return copy;
}

struct FileIdentity {
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileIdentity& o) const { return inode == o.inode && size == o.size && mtime_ns == o.mtime_ns; }
};

FileIdentity identity(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw std::runtime_error("stat failed");
  return {info.st_ino, info.st_size,
          static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec};
}

// An imported mean on cifar100 with a split (x-valid) that sample_run has not.
RunRecord imported_mean(int index, double accuracy) {
  RunRecord r = testing::imported_mean(index, "cifar100", accuracy);
  r.final_metrics["x-valid"] = {accuracy - 1, kNotMeasured};
  return r;
}

void expect_same_records(const std::vector<RunRecord>& a, const std::vector<RunRecord>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(same_result(a[i], b[i])) << what << ": row " << i;
    EXPECT_EQ(a[i].provenance, b[i].provenance) << what << ": row " << i;
    EXPECT_EQ(a[i].created_at, b[i].created_at) << what << ": row " << i;
    EXPECT_EQ(a[i].tool_version, b[i].tool_version) << what << ": row " << i;
  }
}

std::vector<std::string> query_lines(const ResultStore& store, QuerySpec spec) {
  std::vector<std::string> lines;
  spec.detail = true;
  for (const QueryRow& q : run_query(store, spec))
    lines.push_back(q.arch + " " + q.dataset + " " + q.seeds + " " + std::to_string(q.accuracy) + " " +
                    std::to_string(q.valid_accuracy) + " " + q.status + " " + std::to_string(q.imported));
  return lines;
}

TEST(StoreJournal, CommitsAppendToTheJournalAndLeaveTheFileUntouched) {
  ScratchDir dir("journal-append");
  const auto path = dir / "runs.h5";
  ResultStore writer = ResultStore::open(path, OpenMode::Append);
  writer.add({sample_run(1, 1), sample_run(2, 1)});
  writer.commit();  // the first commit creates the file
  EXPECT_FALSE(std::filesystem::exists(journal_of(path)));
  const FileIdentity before = identity(path);
  std::uintmax_t journal_size = 0;
  for (int i = 3; i < 8; ++i) {
    writer.add({sample_run(i, 1, "cifar10", 50)});
    EXPECT_EQ(writer.commit(), static_cast<std::size_t>(i));
    EXPECT_TRUE(identity(path) == before) << "commit " << i << " rewrote the store file";
    const auto size = std::filesystem::file_size(journal_of(path));
    EXPECT_GT(size, journal_size);
    journal_size = size;
    EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), static_cast<std::size_t>(i))
        << "readers see the journal";
  }
  const ResultStore reader = ResultStore::open(path, OpenMode::Read);
  RunRecord expected = sample_run(6, 1, "cifar10", 50);
  canonicalize(expected);
  const auto found = reader.find(run_key(expected));
  ASSERT_TRUE(found);
  EXPECT_TRUE(same_result(*found, expected));
}

// A run in which every field holds a value of its own (no two numbers of a
// run alike): an nb201 cell with a seed, or a dag cell averaged over seeds
// (space, benchmark_index, seed and seeds_averaged cannot all leave their
// defaults in one run).
RunRecord every_field_set(bool dag) {
  RunRecord r = sample_run(dag ? 0 : 321, dag ? kMeanOverSeeds : 4242, dag ? "fashion-mnist" : "cifar100", 4);
  if (dag) {
    r.space = "dag";
    r.arch = "2_02_002";
    r.benchmark_index = -1;
    r.seeds_averaged = "31,32,33";
  }
  r.protocol = dag ? "mlp-short" : "fields";
  r.status = RunStatus::Diverged;
  r.error_message = "loss became NaN at epoch 3";
  r.learning_rate = 0.25;
  r.init = "benchmark";
  r.params_m = 1.5;
  r.flops_m = 250.5;
  r.wall_seconds = 3600.25;
  r.images_per_second = 1234.5;
  r.final_metrics = {{"x-valid", {61.5, 1.25}}, {"x-test", {60.5, 1.5}}};
  r.curves.eval_accuracy = {{"x-valid", {41, 42, 43, 44}}, {"x-test", {45, 46, 47, 48}}};
  r.curves.eval_loss = {{"x-test", {1.75, 1.625, 1.5625, 1.53125}}};
  r.tool_version = "0.0.0-fields";
  r.created_at = "2024-02-03T04:05:06Z";
  Provenance& p = r.provenance;
  p.imported = true;
  p.source_path = "/data/fields.csv";
  p.source_sha256 = std::string(64, 'c');
  p.source_size = 12345;
  p.source_mtime = "2023-12-31T23:59:59Z";
  p.source_format = "csv";
  p.source_split = "test";
  p.note = "every field set";
  return r;
}

// The journal's encoder and decoder walk one list of fields: a run with
// every field set comes back from the journal exactly as the writer holds
// it, so a field that the list misses or that a direction reads differently
// fails here.
TEST(StoreJournal, EveryFieldOfARunRoundTripsThroughTheJournal) {
  ScratchDir dir("journal-fields");
  const auto path = dir / "runs.h5";
  ResultStore writer = ResultStore::open(path, OpenMode::Append);
  writer.add({sample_run(1, 1)});
  writer.commit();  // creates the file: the next commit goes to the journal
  writer.add({every_field_set(false), every_field_set(true)});
  writer.commit();
  ASSERT_TRUE(std::filesystem::exists(journal_of(path)));
  const std::vector<RunRecord> held = writer.list();
  ASSERT_EQ(held.size(), 3u);

  // Each field leaves its default in at least one of the two runs, so that a
  // field the journal drops cannot come back equal by chance.
  const RunRecord defaults;
  auto expect_set = [&](const char* field, auto get) {
    EXPECT_TRUE(get(held[1]) != get(defaults) && get(held[2]) != get(defaults)) << field << " is left at its default";
  };
  auto expect_set_once = [&](const char* field, auto get) {
    EXPECT_TRUE(get(held[1]) != get(defaults) || get(held[2]) != get(defaults)) << field << " is left at its default";
  };
  expect_set_once("space", [](const RunRecord& r) { return r.space; });
  expect_set_once("benchmark_index", [](const RunRecord& r) { return r.benchmark_index; });
  expect_set("arch", [](const RunRecord& r) { return r.arch; });
  expect_set("unique_string", [](const RunRecord& r) { return r.unique_string; });
  expect_set("dataset", [](const RunRecord& r) { return r.dataset; });
  expect_set("protocol", [](const RunRecord& r) { return r.protocol; });
  expect_set("budget_epochs", [](const RunRecord& r) { return r.budget_epochs; });
  expect_set_once("seed", [](const RunRecord& r) { return r.seed; });
  expect_set_once("seeds_averaged", [](const RunRecord& r) { return r.seeds_averaged; });
  expect_set("status", [](const RunRecord& r) { return r.status; });
  expect_set("error_message", [](const RunRecord& r) { return r.error_message; });
  expect_set("final_metrics", [](const RunRecord& r) { return r.final_metrics.size(); });
  expect_set("train_loss", [](const RunRecord& r) { return r.curves.train_loss; });
  expect_set("train_accuracy", [](const RunRecord& r) { return r.curves.train_accuracy; });
  expect_set("eval_accuracy", [](const RunRecord& r) { return r.curves.eval_accuracy; });
  expect_set("eval_loss", [](const RunRecord& r) { return r.curves.eval_loss; });
  expect_set("curve learning_rate", [](const RunRecord& r) { return r.curves.learning_rate; });
  expect_set("epoch_seconds", [](const RunRecord& r) { return r.curves.epoch_seconds; });
  for (const RunRecord& r : {held[1], held[2]})
    for (double number : {r.learning_rate, r.params_m, r.flops_m, r.wall_seconds, r.images_per_second})
      EXPECT_FALSE(std::isnan(number)) << "a number of " << run_key(r).to_string() << " is not set";
  expect_set("init", [](const RunRecord& r) { return r.init; });
  expect_set("config_json", [](const RunRecord& r) { return r.config_json; });
  expect_set("tool_version", [](const RunRecord& r) { return r.tool_version; });
  expect_set("imported", [](const RunRecord& r) { return r.provenance.imported; });
  expect_set("source_path", [](const RunRecord& r) { return r.provenance.source_path; });
  expect_set("source_sha256", [](const RunRecord& r) { return r.provenance.source_sha256; });
  expect_set("source_size", [](const RunRecord& r) { return r.provenance.source_size; });
  expect_set("source_mtime", [](const RunRecord& r) { return r.provenance.source_mtime; });
  expect_set("source_format", [](const RunRecord& r) { return r.provenance.source_format; });
  expect_set("source_split", [](const RunRecord& r) { return r.provenance.source_split; });
  expect_set("note", [](const RunRecord& r) { return r.provenance.note; });
  expect_set("created_at", [](const RunRecord& r) { return r.created_at; });

  // A reader takes the two runs from the journal (the writer, still open,
  // has not folded it).
  const std::vector<RunRecord> decoded = ResultStore::open(path, OpenMode::Read).list();
  expect_same_records(held, decoded, "decoded from the journal");
}

TEST(StoreJournal, ReadersSeeTheSameStoreBeforeAndAfterTheFold) {
  ScratchDir dir("journal-fold");
  const auto path = dir / "runs.h5";
  std::vector<RunRecord> through_journal;
  std::vector<std::string> journal_query, journal_top, journal_export;
  std::size_t journal_count = 0;
  {
    ResultStore writer = ResultStore::open(path, OpenMode::Append);
    writer.add({sample_run(10, 1), sample_run(11, 1), imported_mean(12, 70)});
    writer.commit();
    // Appended runs, a new split only the journal has, replacements of a
    // file row and of a journal row, a failed run and an imported one.
    writer.add({sample_run(13, 1, "cifar10", 12), sample_run(10, 2)});
    writer.commit();
    RunRecord valid = sample_run(14, 1);
    valid.final_metrics["x-valid"] = {61.5, 1.25};
    valid.curves.eval_accuracy["x-valid"] = {50, 55, 61.5};
    writer.add({valid, imported_mean(15, 71.5)});
    writer.commit();
    RunRecord replaced = sample_run(11, 1);
    replaced.params_m = 42;
    RunRecord replaced_again = sample_run(13, 1, "cifar10", 12);
    replaced_again.status = RunStatus::Failed;
    replaced_again.error_message = "worker died";
    const AddReport report = writer.add({replaced, replaced_again}, DuplicatePolicy::Replace);
    EXPECT_EQ(report.replaced, 2u);
    writer.commit();
    ASSERT_TRUE(std::filesystem::exists(journal_of(path)));

    const ResultStore reader = ResultStore::open(snapshot(path, dir / "snap.h5"), OpenMode::Read);
    journal_count = reader.count();
    through_journal = reader.list();
    QuerySpec spec;
    spec.budget_epochs = 3;
    spec.per_seed = true;
    journal_query = query_lines(reader, spec);
    spec.arch_key = arch_key("nb201", reader.read(1).arch);
    journal_top = query_lines(reader, spec);
    const FlatTable table = flat_table(reader);
    for (const auto& row : table.rows) journal_export.push_back(nlohmann::json(row).dump());
    journal_export.push_back(nlohmann::json(table.columns).dump());
  }
  EXPECT_FALSE(std::filesystem::exists(journal_of(path))) << "closing the writer folds the journal";
  const ResultStore folded = ResultStore::open(path, OpenMode::Read);
  EXPECT_EQ(folded.count(), 7u);
  EXPECT_EQ(journal_count, 7u);
  expect_same_records(through_journal, folded.list(), "journal view vs folded file");
  EXPECT_EQ(folded.read(1).params_m, 42);
  EXPECT_EQ(folded.read(3).status, RunStatus::Failed);
  QuerySpec spec;
  spec.budget_epochs = 3;
  spec.per_seed = true;
  EXPECT_EQ(query_lines(folded, spec), journal_query);
  spec.arch_key = arch_key("nb201", folded.read(1).arch);
  EXPECT_EQ(query_lines(folded, spec), journal_top);
  std::vector<std::string> exported;
  const FlatTable table = flat_table(folded);
  for (const auto& row : table.rows) exported.push_back(nlohmann::json(row).dump());
  exported.push_back(nlohmann::json(table.columns).dump());
  EXPECT_EQ(exported, journal_export);
  EXPECT_NE(journal_export.back().find("accuracy:x-valid"), std::string::npos) << journal_export.back();
}

TEST(StoreJournal, ReadersThroughASymlinkSeeTheJournal) {
  ScratchDir dir("journal-link");
  const auto path = dir / "runs.h5";
  ResultStore writer = ResultStore::open(path, OpenMode::Append);
  writer.add({sample_run(1, 1)});
  writer.commit();
  writer.add({sample_run(2, 1)});
  writer.commit();
  ASSERT_TRUE(std::filesystem::exists(journal_of(path)));
  std::filesystem::create_symlink(path, dir / "link.h5");
  EXPECT_EQ(ResultStore::open(dir / "link.h5", OpenMode::Read).count(), 2u);
}

// A writer killed mid-session leaves its journal; readers and the next
// writer use it, and the next writer's close folds it.
TEST(StoreJournal, AKilledWritersJournalIsKeptAndFoldedByTheNextWriter) {
  ScratchDir dir("journal-kill");
  const auto path = dir / "runs.h5";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ResultStore writer = ResultStore::open(path, OpenMode::Append);
    for (int i = 0; i < 4; ++i) {
      writer.add({sample_run(i, 5)});
      writer.commit();
    }
    ::kill(::getpid(), SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_TRUE(std::filesystem::exists(journal_of(path)));
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 4u);
  {
    ResultStore writer = ResultStore::open(path, OpenMode::Append);
    EXPECT_TRUE(writer.notices().empty());
    EXPECT_EQ(writer.count(), 4u);
    writer.add({sample_run(9, 5)});
    EXPECT_EQ(writer.commit(), 5u);
  }
  EXPECT_FALSE(std::filesystem::exists(journal_of(path)));
  const ResultStore reader = ResultStore::open(path, OpenMode::Read);
  ASSERT_EQ(reader.count(), 5u);
  EXPECT_EQ(reader.read(4).benchmark_index, 9);
}

class JournalDamage : public ::testing::Test {
 protected:
  // A store of 1 file run and 3 journal runs, as a killed writer leaves it.
  void SetUp() override {
    ResultStore writer = ResultStore::open(live, OpenMode::Append);
    writer.add({sample_run(1, 1)});
    writer.commit();
    for (int i = 2; i <= 4; ++i) {
      writer.add({sample_run(i, 1, "cifar10", 20)});
      writer.commit();
      record_ends.push_back(std::filesystem::file_size(journal_of(live)));
    }
    snapshot(live, path);
    pristine = testing::read_text(journal_of(path));
  }
  void restore() { testing::write_text(journal_of(path), pristine); }
  void overwrite(std::uintmax_t offset, const std::string& bytes) {
    std::fstream file(journal_of(path), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(offset));
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ScratchDir dir{"journal-damage"};
  std::filesystem::path live = dir / "live.h5";
  std::filesystem::path path = dir / "runs.h5";
  std::vector<std::uintmax_t> record_ends;  // journal size after each commit
  std::string pristine;                     // the journal as the writer left it
};

TEST_F(JournalDamage, ATornLastRecordIsIgnoredByReadersAndDroppedByTheWriter) {
  // The last commit cut short: its record lost its end.
  std::filesystem::resize_file(journal_of(path), record_ends[2] - 100);
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 3u);
  {
    ResultStore writer = ResultStore::open(path, OpenMode::Append);
    ASSERT_EQ(writer.notices().size(), 1u);
    EXPECT_NE(writer.notices()[0].find("dropped the last"), std::string::npos) << writer.notices()[0];
    EXPECT_EQ(std::filesystem::file_size(journal_of(path)), record_ends[1]) << "the torn end is cut";
    writer.add({sample_run(4, 1, "cifar10", 20)});
    EXPECT_EQ(writer.commit(), 4u);
    EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 4u) << "a record after the cut is read";
  }
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 4u);
}

TEST_F(JournalDamage, AZeroFilledTailIsTorn) {
  std::filesystem::resize_file(journal_of(path), record_ends[2] + 4096);
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 4u);
  ResultStore writer = ResultStore::open(path, OpenMode::Append);
  EXPECT_EQ(writer.notices().size(), 1u);
  EXPECT_EQ(writer.count(), 4u);
}

TEST_F(JournalDamage, ADamagedLastRecordIsTreatedAsTorn) {
  overwrite(record_ends[2] - 10, "XX");
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 3u);
}

TEST_F(JournalDamage, ADamagedRecordBeforeTheEndIsRefused) {
  const std::uintmax_t first_record = 32;
  for (const std::uintmax_t offset : {first_record + 60, first_record + 5, record_ends[0] + 20}) {
    SCOPED_TRACE(offset);
    restore();
    overwrite(offset, "\x7f");
    for (const OpenMode mode : {OpenMode::Read, OpenMode::Append}) {
      const std::string message = error_of([&] { ResultStore::open(path, mode); });
      EXPECT_NE(message.find("journal '" + journal_of(path).string() + "' is damaged at byte"), std::string::npos)
          << message;
      EXPECT_NE(message.find("Move the journal aside"), std::string::npos) << message;
    }
  }
  // What the message offers works: without the journal, the file's runs.
  std::filesystem::rename(journal_of(path), dir / "aside");
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 1u);
}

// Every 5th byte of the journal flipped in turn: a reader either refuses
// the store (damage before the last record, or in any record header) or
// drops exactly the last record (damage in its runs); never more, never a
// crash, never a wrong run.
TEST_F(JournalDamage, EveryFlippedByteIsRefusedOrDropsOnlyTheLastRecord) {
  const std::uintmax_t last_record = record_ends[1];
  for (std::uintmax_t offset = 0; offset < pristine.size(); offset += 5) {
    SCOPED_TRACE(offset);
    std::string damaged = pristine;
    damaged[offset] = static_cast<char>(damaged[offset] ^ 0x5a);
    testing::write_text(journal_of(path), damaged);
    if (offset < last_record + 32) {
      const std::string message = error_of([&] { ResultStore::open(path, OpenMode::Read); });
      EXPECT_NE(message.find("is damaged at byte"), std::string::npos) << message;
    } else {
      const ResultStore store = ResultStore::open(path, OpenMode::Read);
      ASSERT_EQ(store.count(), 3u);
      EXPECT_EQ(store.read(2).benchmark_index, 3);
    }
  }
}

TEST_F(JournalDamage, ADamagedJournalHeaderIsRefused) {
  overwrite(3, "?");
  const std::string message = error_of([&] { ResultStore::open(path, OpenMode::Read); });
  EXPECT_NE(message.find("damaged at byte 0"), std::string::npos) << message;
}

// A crash after a fold renamed the new file over the store but before it
// removed the journal: the journal's runs are in the file already.
TEST_F(JournalDamage, AStaleJournalIsIgnoredAndRemoved) {
  const std::string stale = testing::read_text(journal_of(path));
  { ResultStore writer = ResultStore::open(path, OpenMode::Append); }  // folds
  EXPECT_FALSE(std::filesystem::exists(journal_of(path)));
  testing::write_text(journal_of(path), stale);
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 4u) << "not applied twice";
  {
    ResultStore writer = ResultStore::open(path, OpenMode::Append);
    EXPECT_EQ(writer.count(), 4u);
    EXPECT_FALSE(std::filesystem::exists(journal_of(path)));
  }
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 4u);
}

TEST(StoreJournal, FoldsOnceTheJournalReachesItsThreshold) {
  ScratchDir dir("journal-threshold");
  const auto path = dir / "runs.h5";
  ::setenv("NASRANK_STORE_FOLD_BYTES", "20000", 1);
  ResultStore writer = ResultStore::open(path, OpenMode::Append);
  ::unsetenv("NASRANK_STORE_FOLD_BYTES");
  writer.add({sample_run(0, 1)});
  writer.commit();
  int folds = 0;
  FileIdentity file = identity(path);
  for (int i = 1; i < 40; ++i) {
    writer.add({sample_run(i, 1, "cifar10", 50)});  // ~5 kB each
    writer.commit();
    if (!(identity(path) == file)) {
      ++folds;
      EXPECT_FALSE(std::filesystem::exists(journal_of(path))) << "a fold removes the journal";
      file = identity(path);
    } else {
      EXPECT_LT(std::filesystem::file_size(journal_of(path)), 20000u);
    }
  }
  EXPECT_GE(folds, 3);
  EXPECT_LE(folds, 20);
  EXPECT_EQ(ResultStore::open(path, OpenMode::Read).count(), 40u);
}

// A full disk while appending to the journal: the commit fails with the
// usual message, the journal is cut back, and the store keeps its runs.
TEST(StoreJournal, AFullDiskDuringAJournalAppendLosesOnlyThatCommit) {
  ScratchDir dir("journal-full");
  const auto path = dir / "runs.h5";
  testing::write_store(path, {sample_run(0, 1)});
  int message_pipe[2];
  ASSERT_EQ(::pipe(message_pipe), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(message_pipe[0]);
    int code = 0;
    std::string message;
    try {
      ResultStore writer = ResultStore::open(path, OpenMode::Append);
      writer.add({sample_run(1, 1)});
      writer.commit();  // small: fits
      const rlimit limit{8192, 8192};
      ::setrlimit(RLIMIT_FSIZE, &limit);
      ::signal(SIGXFSZ, SIG_IGN);
      writer.add({sample_run(2, 1, "cifar10", 200)});  // ~20 kB: does not
      writer.commit();
    } catch (const std::exception& e) {
      code = 1;
      message = e.what();
    }
    if (!message.empty() && ::write(message_pipe[1], message.data(), message.size()) < 0) code = 4;
    ::kill(::getpid(), SIGKILL);  // no destructor: the journal stays as the failure left it
    ::_exit(code);
  }
  ::close(message_pipe[1]);
  std::string message;
  char chunk[4096];
  for (ssize_t n; (n = ::read(message_pipe[0], chunk, sizeof chunk)) > 0;)
    message.append(chunk, static_cast<std::size_t>(n));
  ::close(message_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(message.rfind("results store '" + path.string() +
                              "': commit failed, so the 1 run(s) added since the last "
                              "commit are not stored (the store keeps its 2 committed runs): ",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find(journal_of(path).string()), std::string::npos) << message;
  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_LT(std::filesystem::file_size(journal_of(path)), 8192u) << "the partial record is cut";
  ResultStore writer = ResultStore::open(path, OpenMode::Append);
  EXPECT_TRUE(writer.notices().empty()) << writer.notices()[0];
  EXPECT_EQ(writer.count(), 2u);
  writer.add({sample_run(3, 1)});
  EXPECT_EQ(writer.commit(), 3u);
}

}  // namespace
}  // namespace nasrank::store
