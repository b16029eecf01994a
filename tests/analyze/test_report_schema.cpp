// report.json against the JSON Schema written in docs/report-format.md,
// validated by python3-jsonschema (a reference implementation, not ours).
// Skips when /usr/bin/python3 cannot import jsonschema.
#include "nasrank/analyze/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace nasrank::analyze {
namespace {

namespace fs = std::filesystem;

std::string schema_text() {
  std::ifstream in(fs::path(NASRANK_SOURCE_DIR) / "docs" / "report-format.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto begin = doc.find("```json\n", doc.find("<!-- schema:begin -->"));
  const auto end = doc.find("```\n<!-- schema:end -->");
  if (begin == std::string::npos || end == std::string::npos) return "";
  return doc.substr(begin + 8, end - begin - 8);
}

ComparisonInput input(std::size_t n, bool ceiling, bool diverged) {
  ComparisonInput in;
  in.title = "schema check";
  in.dataset = "cifar10";
  in.metric = "test accuracy (ori-test), %";
  in.reference = {"benchmark", "a.h5", nlohmann::json{{"protocol", "nb201"}}};
  in.candidate = {"principled", "b.h5", nlohmann::json{{"protocol", "principled"}}};
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 1.0);
  NoiseCeilingInput nc;
  nc.description = "benchmark: seed 1 vs seed 2 (single seeds on both sides)";
  nc.other_description = "principled: seed 1";
  for (std::size_t k = 0; k < n; ++k) {
    const double quality = 60.0 + static_cast<double>(k);
    in.keys.push_back("nb201:arch" + std::to_string(k));
    in.labels.push_back("#" + std::to_string(k) + " |arch|");
    in.reference_values.push_back(quality + noise(rng));
    in.candidate_values.push_back(quality + 3 * noise(rng));
    nc.seed_a.push_back(quality + noise(rng));
    nc.seed_b.push_back(quality + noise(rng));
    nc.other.push_back(quality + 3 * noise(rng));
    ArchitectureDetail d;
    d.benchmark_index = static_cast<int>(k);
    d.arch = "|arch|";
    d.reference_seeds = {1, 2};
    d.reference_seed_values = {nc.seed_a.back(), nc.seed_b.back()};
    d.candidate_seeds = {1};
    d.candidate_seed_values = {in.candidate_values.back()};
    d.candidate_lr = 0.2;
    d.candidate_init = "principled";
    d.paths = 2;
    d.longest_depth = 1;
    in.details.push_back(d);
  }
  in.counts.matched = n;
  if (ceiling) in.noise_ceiling = nc;
  if (diverged) {
    in.diverged.description = "a diverged run counts as chance accuracy (10% on cifar10)";
    in.diverged.candidate = 1;
    in.diverged.alternate_description = "without the architectures that diverged on either side";
    in.diverged.alternate_reference.assign(in.reference_values.begin() + 1, in.reference_values.end());
    in.diverged.alternate_candidate.assign(in.candidate_values.begin() + 1, in.candidate_values.end());
  }
  in.options.bootstrap.resamples = 50;
  return in;
}

// Exit status of the validator: 0 valid, 1 invalid, 2 not installed.
int validate(const fs::path& schema, const fs::path& document) {
  const std::string command =
      "/usr/bin/python3 -c \"import json, sys\ntry:\n import jsonschema\nexcept ImportError:\n sys.exit(2)\n"
      "try:\n jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))\n"
      "except jsonschema.ValidationError as e:\n print(e.message, list(e.absolute_path), file=sys.stderr)\n "
      "sys.exit(1)\" '" +
      schema.string() + "' '" + document.string() + "'";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ReportSchema, ReportsValidateAgainstTheDocumentedSchema) {
  const std::string schema = schema_text();
  ASSERT_FALSE(schema.empty()) << "docs/report-format.md lost its schema block";
  ASSERT_NO_THROW(static_cast<void>(nlohmann::json::parse(schema)));
  const fs::path dir = fs::temp_directory_path() / ("nasrank-schema-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "schema.json") << schema;

  const struct {
    const char* name;
    std::size_t n;
    bool ceiling, diverged;
  } cases[] = {{"full", 40, true, true}, {"no-ceiling", 20, false, false}, {"too-small", 5, true, true}};
  for (const auto& c : cases) {
    const fs::path file = dir / (std::string(c.name) + ".json");
    std::ofstream(file) << report_json(build_report(input(c.n, c.ceiling, c.diverged))).dump(2);
    const int result = validate(dir / "schema.json", file);
    if (result == 2)
      GTEST_SKIP() << "SKIPPED: /usr/bin/python3 cannot import jsonschema (apt-get install python3-jsonschema)";
    EXPECT_EQ(result, 0) << c.name;
  }
  // The check can fail: a rank move that points into an array is refused.
  auto doc = report_json(build_report(input(40, true, false)));
  doc["statistics"]["rank_moves"][0]["index"] = 3;
  std::ofstream(dir / "tampered.json") << doc.dump();
  EXPECT_EQ(validate(dir / "schema.json", dir / "tampered.json"), 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nasrank::analyze
