// The store is readable without nasrank: Debian's h5py and h5dump see the
// values, units and meanings that docs/store-format.md promises.
#include "nasrank/store/store.h"
#include "store_test_util.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>

namespace nasrank::store {
namespace {

using testing::ScratchDir;

struct Output {
  int status = -1;
  std::string text;
};

Output run(const std::string& command) {
  Output out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  while (std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) out.text.append(buffer, got);
  const int status = ::pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::filesystem::path write_sample_store(const ScratchDir& dir) {
  const auto path = dir / "runs.h5";
  RunRecord trained = testing::sample_run(6111, 777, "cifar10", 4);
  trained.final_metrics["ori-test"] = {94.25, 0.21};
  RunRecord imported;
  imported.benchmark_index = 11472;
  imported.dataset = "cifar100";
  imported.protocol = "nb201";
  imported.budget_epochs = 200;
  imported.seeds_averaged = "777,888,999";
  imported.final_metrics["x-test"].accuracy = 70.89;
  imported.provenance.imported = true;
  imported.provenance.source_path = "/data/nats_bench_200ep_test.csv";
  imported.provenance.source_sha256 = std::string(64, 'f');
  imported.provenance.source_format = "csv";
  ResultStore store = ResultStore::open(path, OpenMode::Truncate);
  store.add({trained, imported});
  store.commit();
  return path;
}

TEST(StoreWithoutNasrank, H5pyReadsTheValues) {
  if (!std::filesystem::exists("/usr/bin/python3") || run("/usr/bin/python3 -c 'import h5py'").status != 0)
    GTEST_SKIP() << "SKIPPED: needs /usr/bin/python3 with h5py (Debian package python3-h5py)";
  ScratchDir dir("h5py");
  const auto path = write_sample_store(dir);
  testing::write_text(dir / "check.py", R"(
import sys, math, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
def text(column, row):
    start, length = column["start"][row], column["length"][row]
    return column["utf8"][start:start + length].tobytes().decode()
assert f.attrs["format"] == b"nasrank-results-store", f.attrs["format"]
assert f.attrs["format_version"] == 2
assert f.attrs["run_count"] == 2
runs = f["runs"]
assert list(runs["benchmark_index"][:]) == [6111, 11472]
assert list(runs["dataset"][:].astype(str)) == ["cifar10", "cifar100"]
assert list(runs["seed"][:]) == [777, -1]
assert text(runs["seeds_averaged"], 1) == "777,888,999"
assert text(runs["seeds_averaged"], 0) == ""
arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+" "|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
assert text(runs["arch"], 0) == arch
acc = runs["final_accuracy/ori-test"][:]
assert acc[0] == 94.25 and math.isnan(acc[1]), acc
assert runs["final_accuracy/x-test"][1] == 70.89
assert runs["final_loss/ori-test"][0] == 0.21
assert runs["params_m"].attrs["units"] == b"millions of parameters"
assert runs["arch"].attrs["meaning"].decode().startswith("canonical arch string")
o, n = runs["curve_offset"][0], runs["curve_length"][0]
assert n == 4 and runs["curve_length"][1] == 0
train_loss = f["curves/train_loss"][o:o + n]
assert np.allclose(train_loss, [2.0, 1.9, 1.8, 1.7], rtol=0, atol=1e-12), train_loss
ori = f["curves/eval_accuracy/ori-test"][o:o + n]
assert all(math.isnan(v) for v in ori[:3])
src = runs["source_id"][:]
assert src[0] == -1 and src[1] == 0
assert text(f["sources/path"], 0) == "/data/nats_bench_200ep_test.csv"
assert runs["imported"][1] == 1 and runs["imported"][0] == 0
assert runs["status"][:].astype(str).tolist() == ["ok", "ok"]
print("h5py-ok")
)");
  const Output out = run("/usr/bin/python3 " + (dir / "check.py").string() + " " + path.string());
  EXPECT_EQ(out.status, 0) << out.text;
  EXPECT_NE(out.text.find("h5py-ok"), std::string::npos) << out.text;
}

TEST(StoreWithoutNasrank, H5dumpShowsUnitsAndMeanings) {
  if (run("h5dump --version").status != 0) GTEST_SKIP() << "SKIPPED: needs h5dump (Debian package hdf5-tools)";
  ScratchDir dir("h5dump");
  const auto path = write_sample_store(dir);
  const Output out = run("h5dump -A " + path.string());
  ASSERT_EQ(out.status, 0) << out.text;
  const std::string& text = out.text;
  EXPECT_NE(text.find("\"nasrank-results-store\""), std::string::npos);
  const auto params = text.find("DATASET \"params_m\"");
  ASSERT_NE(params, std::string::npos) << text.substr(0, 2000);
  const std::string params_block = text.substr(params, 800);
  EXPECT_NE(params_block.find("\"millions of parameters\""), std::string::npos) << params_block;
  EXPECT_NE(params_block.find("ATTRIBUTE \"meaning\""), std::string::npos) << params_block;
  const auto budget = text.find("DATASET \"budget_epochs\"");
  ASSERT_NE(budget, std::string::npos);
  EXPECT_NE(text.substr(budget, 800).find("\"epochs\""), std::string::npos);
  const auto seed = text.find("DATASET \"seed\"");
  ASSERT_NE(seed, std::string::npos);
  EXPECT_NE(text.substr(seed, 800).find("-1 means the row is a mean"), std::string::npos);
  EXPECT_NE(text.find("top-1 accuracy on this split after the last epoch"), std::string::npos);
}

}  // namespace
}  // namespace nasrank::store
