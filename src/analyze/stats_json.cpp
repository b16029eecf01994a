#include "nasrank/analyze/stats_json.h"

#include "analyze/validate.h"
#include "nasrank/common/error.h"
#include "nasrank/common/json_reader.h"

#include <cmath>
#include <string>
#include <utility>

namespace nasrank::analyze {
namespace {

using nlohmann::json;

// nlohmann keeps NaN as a number and only prints it as null; making it null
// here lets readers of the document test for an undefined statistic.
json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

void read_bootstrap(JsonObjectReader reader, BootstrapOptions& options) {
  reader.read_count("resamples", options.resamples);
  reader.read("level", options.level);
  reader.read("seed", options.seed);
  reader.read_count("threads", options.threads);
  reader.finish();
}

}  // namespace

void to_json(json& out, const BootstrapOptions& options) {
  out = json{
      {"resamples", options.resamples}, {"level", options.level}, {"seed", options.seed}, {"threads", options.threads}};
}

void from_json(const json& in, BootstrapOptions& options) {
  BootstrapOptions parsed;
  read_bootstrap(JsonObjectReader(in, "bootstrap options"), parsed);
  detail::require_valid("bootstrap options", parsed);
  options = parsed;
}

void to_json(json& out, const AnalysisOptions& options) {
  out = json{{"bootstrap", options.bootstrap}, {"top_percents", options.top_percents}, {"top_k", options.top_k},
             {"gap_edges", options.gap_edges}, {"rank_moves", options.rank_moves},     {"min_n", options.min_n}};
}

void from_json(const json& in, AnalysisOptions& options) {
  const std::string context = "analysis options";
  JsonObjectReader reader(in, context);
  AnalysisOptions parsed;
  read_bootstrap(reader.child("bootstrap"), parsed.bootstrap);
  reader.read("top_percents", parsed.top_percents);
  reader.read_count("top_k", parsed.top_k);
  reader.read("gap_edges", parsed.gap_edges);
  reader.read_count("rank_moves", parsed.rank_moves);
  reader.read_count("min_n", parsed.min_n);
  reader.finish();
  detail::require_valid(context.c_str(), parsed);
  options = parsed;
}

void to_json(json& out, const KendallResult& result) {
  out = json{{"n", result.n},
             {"tau_b", number_or_null(result.tau_b)},
             {"p_value", number_or_null(result.p_value)},
             {"concordant", result.concordant},
             {"discordant", result.discordant},
             {"tied_x", result.tied_x},
             {"tied_y", result.tied_y},
             {"tied_both", result.tied_both}};
}

void to_json(json& out, const Interval& interval) {
  out = json{{"lower", number_or_null(interval.lower)}, {"upper", number_or_null(interval.upper)}};
}

// Below the minimum n a statistic is null (never a number that looks
// meaningful) and `supported` is false; n stays.
void to_json(json& out, const CorrelationSummary& summary) {
  if (!summary.supported) {
    out = json{{"n", summary.n},          {"supported", false},        {"kendall", nullptr},
               {"spearman_rho", nullptr}, {"pearson_r", nullptr},      {"tau_b_interval", nullptr},
               {"rho_interval", nullptr}, {"degenerate_resamples", 0}, {"bootstrap", summary.bootstrap}};
    return;
  }
  out = json{{"n", summary.n},
             {"supported", true},
             {"kendall", summary.kendall},
             {"spearman_rho", number_or_null(summary.spearman_rho)},
             {"pearson_r", number_or_null(summary.pearson_r)},
             {"tau_b_interval", summary.tau_b_interval},
             {"rho_interval", summary.rho_interval},
             {"degenerate_resamples", summary.degenerate_resamples},
             {"bootstrap", summary.bootstrap}};
}

void to_json(json& out, const TopKOverlap& overlap) {
  const bool shown = overlap.supported;
  out = json{{"k", overlap.k},
             {"n", overlap.n},
             {"supported", shown},
             {"shared", shown ? json(overlap.shared) : json(nullptr)},
             {"fraction", shown ? number_or_null(overlap.fraction) : json(nullptr)}};
}

void to_json(json& out, const TopPercentPoint& point) {
  out = json{{"percent", number_or_null(point.percent)},
             {"nominal_count", point.nominal_count},
             {"count", point.count},
             {"supported", point.supported},
             {"kendall", point.supported ? json(point.kendall) : json(nullptr)},
             {"tau_b_interval", point.supported ? json(point.tau_b_interval) : json(nullptr)}};
}

void to_json(json& out, const SeedNoiseTest& test) {
  const bool shown = test.supported;
  out = json{{"n", test.n},
             {"supported", shown},
             {"ceiling_tau_b", shown ? number_or_null(test.ceiling_tau_b) : json(nullptr)},
             {"cross_tau_b", shown ? number_or_null(test.cross_tau_b) : json(nullptr)},
             {"difference", shown ? number_or_null(test.difference) : json(nullptr)},
             {"difference_interval", shown ? json(test.difference_interval) : json(nullptr)},
             {"false_positive_rate", test.false_positive_rate},
             {"exceeds", shown && test.exceeds},
             {"bootstrap", test.bootstrap}};
}

void to_json(json& out, const AccuracyChange& change) {
  out = json{{"n", change.n},
             {"mean", number_or_null(change.mean)},
             {"median", number_or_null(change.median)},
             {"min", number_or_null(change.min)},
             {"max", number_or_null(change.max)},
             {"improved", change.improved},
             {"worsened", change.worsened},
             {"unchanged", change.unchanged}};
}

void to_json(json& out, const GapDistribution& gaps) {
  out = json{{"pairs", gaps.pairs},
             {"edges", gaps.edges},
             {"counts", gaps.counts},
             {"below_first_edge", gaps.below_first_edge},
             {"above_last_edge", gaps.above_last_edge},
             {"mean", number_or_null(gaps.mean)},
             {"q25", number_or_null(gaps.q25)},
             {"median", number_or_null(gaps.median)},
             {"q75", number_or_null(gaps.q75)},
             {"max", number_or_null(gaps.max)}};
}

void to_json(json& out, const RankMove& move) {
  out = json{{"index", move.index},
             {"value_a", number_or_null(move.value_a)},
             {"value_b", number_or_null(move.value_b)},
             {"rank_a", number_or_null(move.rank_a)},
             {"rank_b", number_or_null(move.rank_b)},
             {"move", number_or_null(move.move)}};
}

void to_json(json& out, const RankingComparison& comparison) {
  out = json{{"n", comparison.n},
             {"supported", comparison.supported},
             {"correlation", comparison.correlation},
             {"top_k", comparison.top_k},
             {"top_percent_curve", comparison.top_percent_curve},
             {"change", comparison.change},
             {"reference_gaps", comparison.reference_gaps},
             {"candidate_gaps", comparison.candidate_gaps},
             {"rank_moves", comparison.rank_moves}};
}

}  // namespace nasrank::analyze
