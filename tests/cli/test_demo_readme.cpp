// The demo transcript in docs/demo.md is the code's own output
// (`tools/demo/regenerate.sh demo` writes it, and the README's one-sentence
// result beside it): a run it quotes, trained again twice, gives
// bit-identical accuracy, and the accuracy the transcript prints.
#include "cli_runner.h"
#include "test_paths.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

namespace nasrank::testing {
namespace {

std::string demo_transcript() {
  std::ifstream in(source_dir() / "docs" / "demo.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string document = text.str();
  const std::string begin = "<!-- demo-transcript:begin -->";
  const auto from = document.find(begin);
  const auto to = document.find("<!-- demo-transcript:end -->");
  if (from == std::string::npos || to == std::string::npos || to < from) return {};
  return document.substr(from + begin.size(), to - from - begin.size());
}

TEST(DemoReadme, QuotedRunIsReproducedBitForBit) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "SKIPPED: needs Fashion-MNIST (apt-get install dataset-fashion-mnist)";
  const std::string transcript = demo_transcript();
  ASSERT_FALSE(transcript.empty()) << "docs/demo.md has no demo-transcript block";
  // e.g. "[1/40] #989 4_21_434 demo-benchmark seed 2: ok, ori-test 85.12%"
  const std::regex run_line(R"(\[\d+/\d+\] #(\d+) \S+ (demo-benchmark) seed (\d+): ok, ori-test ([0-9.]+)%)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(transcript, m, run_line)) << "no demo-benchmark run line in docs/demo.md's transcript";
  const std::string index = m[1], protocol = m[2], seed = m[3], quoted = m[4];
  double accuracy[2] = {0.0, 0.0};
  for (double& a : accuracy) {
    // The demo's workers train single-threaded; so does this.
    const CliResult r = run_cli(
        {"train", index, "--protocol", protocol, "--dataset", "fashion-mnist", "--seed", seed, "--threads", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    a = nlohmann::json::parse(r.out).at("final").at("ori-test").at("accuracy").get<double>();
  }
  EXPECT_EQ(accuracy[0], accuracy[1]) << "the same run trained twice differs";
  char printed[32];
  std::snprintf(printed, sizeof printed, "%.2f", accuracy[0]);
  EXPECT_EQ(printed, quoted) << "docs/demo.md quotes #" << index << " " << protocol << " seed " << seed << " at "
                             << quoted << "%; the code trains it to " << printed
                             << "%. Regenerate the block: tools/demo/regenerate.sh demo";
}

}  // namespace
}  // namespace nasrank::testing
