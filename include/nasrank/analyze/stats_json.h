#pragma once
// JSON conversion of the statistics' options (both ways) and results (out),
// in one place, for nlohmann::json's ADL hooks:
//   nlohmann::json j = options;  auto options = j.get<AnalysisOptions>();
// Reading: missing keys keep their defaults; unknown keys, wrong types and
// invalid values throw InputError naming the key. Writing: undefined
// statistics (NaN) become null.
#include "nasrank/analyze/stats.h"

#include <nlohmann/json.hpp>

namespace nasrank::analyze {

void to_json(nlohmann::json& json, const BootstrapOptions& options);
void from_json(const nlohmann::json& json, BootstrapOptions& options);
void to_json(nlohmann::json& json, const AnalysisOptions& options);
void from_json(const nlohmann::json& json, AnalysisOptions& options);

void to_json(nlohmann::json& json, const KendallResult& result);
void to_json(nlohmann::json& json, const Interval& interval);
void to_json(nlohmann::json& json, const CorrelationSummary& summary);
void to_json(nlohmann::json& json, const TopKOverlap& overlap);
void to_json(nlohmann::json& json, const TopPercentPoint& point);
void to_json(nlohmann::json& json, const AccuracyChange& change);
void to_json(nlohmann::json& json, const GapDistribution& gaps);
void to_json(nlohmann::json& json, const RankMove& move);
void to_json(nlohmann::json& json, const SeedNoiseTest& test);
void to_json(nlohmann::json& json, const RankingComparison& comparison);

}  // namespace nasrank::analyze
