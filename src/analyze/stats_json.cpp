#include "nasrank/analyze/stats_json.h"

#include "analyze/validate.h"
#include "nasrank/common/error.h"

#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>

namespace nasrank::analyze {
namespace {

using nlohmann::json;

void require_object(const json& value, const std::string& context) {
  if (!value.is_object()) throw InputError(context + ": expected a JSON object, got " + value.dump());
}

void reject_unknown_keys(const json& object, const std::string& context, std::initializer_list<const char*> known) {
  for (const auto& item : object.items()) {
    bool found = false;
    for (const char* key : known) found = found || item.key() == key;
    if (found) continue;
    std::string list;
    for (const char* key : known) list += (list.empty() ? "" : ", ") + std::string(key);
    throw InputError(context + ": unknown key '" + item.key() + "' (known keys: " + list + ")");
  }
}

[[noreturn]] void wrong_type(const std::string& context, const char* key, const json& value, const char* expected) {
  throw InputError(context + ": key '" + key + "' = " + value.dump() + " is not " + expected);
}

// Non-negative integer literals only: nlohmann would otherwise turn -1 into
// 2^64-1 and truncate 2.5 to 2 without a word.
void read_unsigned(const json& object, const std::string& context, const char* key, std::uint64_t& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_number_unsigned()) wrong_type(context, key, *it, "a non-negative integer");
  field = it->get<std::uint64_t>();
}

void read_count(const json& object, const std::string& context, const char* key, std::size_t& field) {
  std::uint64_t value = field;
  read_unsigned(object, context, key, value);
  field = static_cast<std::size_t>(value);
}

void read_number(const json& object, const std::string& context, const char* key, double& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_number()) wrong_type(context, key, *it, "a number");
  field = it->get<double>();
}

void read_numbers(const json& object, const std::string& context, const char* key, std::vector<double>& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_array()) wrong_type(context, key, *it, "an array of numbers");
  std::vector<double> values;
  for (const json& element : *it) {
    if (!element.is_number()) wrong_type(context, key, *it, "an array of numbers");
    values.push_back(element.get<double>());
  }
  field = std::move(values);
}

// nlohmann keeps NaN as a number and only prints it as null; making it null
// here lets readers of the document test for an undefined statistic.
json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

void read_bootstrap(const json& object, const std::string& context, BootstrapOptions& options) {
  require_object(object, context);
  reject_unknown_keys(object, context, {"resamples", "level", "seed", "threads"});
  read_count(object, context, "resamples", options.resamples);
  read_number(object, context, "level", options.level);
  read_unsigned(object, context, "seed", options.seed);
  read_count(object, context, "threads", options.threads);
}

}  // namespace

void to_json(json& out, const BootstrapOptions& options) {
  out = json{{"resamples", options.resamples},
             {"level", options.level},
             {"seed", options.seed},
             {"threads", options.threads}};
}

void from_json(const json& in, BootstrapOptions& options) {
  BootstrapOptions parsed;
  read_bootstrap(in, "bootstrap options", parsed);
  detail::require_valid("bootstrap options", parsed);
  options = parsed;
}

void to_json(json& out, const AnalysisOptions& options) {
  out = json{{"bootstrap", options.bootstrap},
             {"top_percents", options.top_percents},
             {"top_k", options.top_k},
             {"gap_edges", options.gap_edges},
             {"rank_moves", options.rank_moves},
             {"min_n", options.min_n}};
}

void from_json(const json& in, AnalysisOptions& options) {
  const std::string context = "analysis options";
  require_object(in, context);
  reject_unknown_keys(in, context, {"bootstrap", "top_percents", "top_k", "gap_edges", "rank_moves", "min_n"});
  AnalysisOptions parsed;
  if (const auto it = in.find("bootstrap"); it != in.end()) read_bootstrap(*it, context + ".bootstrap", parsed.bootstrap);
  read_numbers(in, context, "top_percents", parsed.top_percents);
  read_count(in, context, "top_k", parsed.top_k);
  read_numbers(in, context, "gap_edges", parsed.gap_edges);
  read_count(in, context, "rank_moves", parsed.rank_moves);
  read_count(in, context, "min_n", parsed.min_n);
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

void to_json(json& out, const Interval& interval) { out = json{{"lower", number_or_null(interval.lower)}, {"upper", number_or_null(interval.upper)}}; }

// Below the minimum n a statistic is null (never a number that looks
// meaningful) and `supported` is false; n stays.
void to_json(json& out, const CorrelationSummary& summary) {
  if (!summary.supported) {
    out = json{{"n", summary.n},         {"supported", false},       {"kendall", nullptr},
               {"spearman_rho", nullptr}, {"pearson_r", nullptr},     {"tau_b_interval", nullptr},
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
  out = json{{"index", move.index},    {"value_a", number_or_null(move.value_a)}, {"value_b", number_or_null(move.value_b)},
             {"rank_a", number_or_null(move.rank_a)},  {"rank_b", number_or_null(move.rank_b)},   {"move", number_or_null(move.move)}};
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
