// The `space` and `parse` subcommands as a user runs them.
#include "cli_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nasrank::testing {
namespace {

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

TEST(CliSpace, Nb201CsvListsEveryCellWithAHeader) {
  const CliResult r = run_cli({"space", "nb201", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out), 15626);
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "index,arch_string,compact_code,unique_string,disconnected");
  EXPECT_NE(r.out.find("\n1,|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_"
                       "connect~2|,3_34_131,"),
            std::string::npos);
}

TEST(CliSpace, UniqueAndCountsAgree) {
  const CliResult benchmark = run_cli({"space", "nb201", "--unique", "--classes", "benchmark", "--format", "json"});
  ASSERT_EQ(benchmark.exit_code, 0) << benchmark.err;
  EXPECT_EQ(nlohmann::json::parse(benchmark.out).size(), 6466U);
  const CliResult counts = run_cli({"space", "nb201", "--counts", "--format", "json"});
  const auto c = nlohmann::json::parse(counts.out).at(0);
  const CliResult exact = run_cli({"space", "nb201", "--unique", "--format", "json"});
  ASSERT_EQ(exact.exit_code, 0) << exact.err;
  EXPECT_EQ(nlohmann::json::parse(exact.out).size(), c["exact_classes"].get<std::size_t>());
  EXPECT_GT(c["exact_classes"].get<int>(), 6466);
  EXPECT_EQ(c["total"], 15625);
  EXPECT_EQ(c["unique_with_zeros"], 6466);
  EXPECT_EQ(c["unique_ignoring_zeros"], 12751);
  EXPECT_EQ(c["disconnected"], 341);
}

TEST(CliSpace, DagSpaceOfFiveVertices) {
  const CliResult r = run_cli({"space", "dag", "--vertices", "5", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out), 59050);
}

TEST(CliParse, JsonFactsOfSeveralEncodings) {
  const CliResult r = run_cli({"parse", "--format", "json", "1", "3_34_131", "dag:2_02_002"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto docs = nlohmann::json::parse(r.out);
  ASSERT_EQ(docs.size(), 3U);
  EXPECT_EQ(docs[0]["compact_code"], "3_34_131");
  EXPECT_EQ(docs[1]["benchmark_index"], 1);
  EXPECT_EQ(docs[0]["paths"].size(), 4U);
  EXPECT_EQ(docs[2]["space"], "dag");
  EXPECT_EQ(docs[2]["paths"][0]["parameterized_edges"], 3);
}

TEST(CliParse, BadInputPrintsOneErrorLineAndNothingOnStdoutForIt) {
  const CliResult r = run_cli({"parse", "--format", "csv", "3_34_131", "3_35_131"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: compact code '3_35_131': wrong digit '5' at position 4 (expected a digit 0..4)\n");
  EXPECT_EQ(count_lines(r.out), 2);  // header + the good input
  EXPECT_EQ(r.out.find("3_35_131"), std::string::npos);
}

TEST(CliParse, DotOutput) {
  const CliResult r = run_cli({"parse", "--dot", "0"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("digraph cell {", 0), 0U);
  EXPECT_NE(r.out.find("0 -> 1 [label=\"avg_pool_3x3\"]"), std::string::npos) << r.out;
}

TEST(CliUsage, UnknownSubcommandExitsTwo) {
  EXPECT_EQ(run_cli({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_cli({"space", "dag", "--vertices", "9"}).exit_code, 2);
}

}  // namespace
}  // namespace nasrank::testing
