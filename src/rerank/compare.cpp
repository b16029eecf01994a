#include "nasrank/rerank/compare.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"
#include "nasrank/store/query.h"
#include "nasrank/store/store.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace nasrank::rerank {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string join(const std::vector<int>& items) {
  std::vector<std::string> text;
  for (int item : items) text.push_back(std::to_string(item));
  return join(text);
}

bool row_disconnected(const store::QueryRow& row) {
  if (row.status == "disconnected") return true;
  if (row.space == "nb201" && !row.arch.empty()) return cell::is_disconnected(cell::parse_arch_string(row.arch));
  return false;
}

bool row_diverged(const store::QueryRow& row) { return row.status.find("diverged") != std::string::npos; }

std::string row_key(const store::QueryRow& row) { return store::arch_key(row.space, row.arch); }

std::string row_label(const store::QueryRow& row) {
  return row.benchmark_index >= 0 ? "#" + std::to_string(row.benchmark_index) + " " + row.arch : row.arch;
}

struct ResolvedSide {
  store::QuerySpec spec;
  std::vector<store::QueryRow> means;
  std::vector<store::QueryRow> per_seed;
  analyze::ReportSide description;
};

ResolvedSide resolve(const ComparisonSide& side, const ComparisonOptions& options, const char* role) {
  const std::string where = std::string(role) + " store '" + side.store.string() + "'";
  const StoreContents contents = store_contents(side.store, options.dataset);
  if (contents.protocols.empty())
    throw InputError(where + " has no runs for dataset '" + options.dataset + "'");
  ResolvedSide r;
  r.spec.dataset = options.dataset;
  r.spec.split = options.split;
  if (side.protocol) {
    if (std::find(contents.protocols.begin(), contents.protocols.end(), *side.protocol) == contents.protocols.end())
      throw InputError(where + " has no runs of protocol '" + *side.protocol + "' on " + options.dataset +
                       " (it has: " + join(contents.protocols) + ")");
    r.spec.protocol = side.protocol;
  } else if (contents.protocols.size() == 1) {
    r.spec.protocol = contents.protocols.front();
  } else {
    throw InputError(where + " holds several protocols on " + options.dataset + " (" + join(contents.protocols) +
                     "); choose one for the " + role +
                     " (nasrank compare: --protocol-a / --protocol-b)");
  }
  std::vector<int> budgets = store_contents(side.store, options.dataset).budgets;
  if (side.budget_epochs) {
    if (std::find(budgets.begin(), budgets.end(), *side.budget_epochs) == budgets.end())
      throw InputError(where + " has no " + std::to_string(*side.budget_epochs) + "-epoch runs on " + options.dataset +
                       " (it has budgets: " + join(budgets) + ")");
    r.spec.budget_epochs = *side.budget_epochs;
  } else {
    store::QuerySpec probe = r.spec;
    const auto store = store::ResultStore::open(side.store, store::OpenMode::Read);
    budgets = store::budgets_matching(store, probe);
    if (budgets.size() != 1)
      throw InputError(where + " has several budgets for protocol " + *r.spec.protocol + " on " + options.dataset + " (" +
                       join(budgets) + " epochs); choose one — 12- and 200-epoch numbers are never mixed (nasrank compare: --budget or " +
                     "--budget-a / --budget-b; nasrank rerank: --reference-budget)");
    r.spec.budget_epochs = budgets.front();
  }
  const auto store = store::ResultStore::open(side.store, store::OpenMode::Read);
  r.means = store::run_query(store, r.spec);
  if (std::none_of(r.means.begin(), r.means.end(), [](const store::QueryRow& row) { return !std::isnan(row.accuracy); }))
    throw InputError(where + " has no '" + options.split + "' accuracy (split " +
                     store::resolve_split(options.dataset, options.split) + ") for protocol " + *r.spec.protocol + " at " +
                     std::to_string(r.spec.budget_epochs) + " epochs on " + options.dataset +
                     " (choose another --metric, e.g. test, valid or an exact split)");
  store::QuerySpec seeds = r.spec;
  seeds.per_seed = true;
  r.per_seed = store::run_query(store, seeds);

  nlohmann::json provenance{{"store", std::filesystem::absolute(side.store).string()},
                            {"dataset", options.dataset},
                            {"protocol", *r.spec.protocol},
                            {"budget_epochs", r.spec.budget_epochs},
                            {"split", store::resolve_split(options.dataset, options.split)},
                            {"architectures", r.means.size()}};
  std::set<std::string> seed_sets;
  for (const auto& row : r.means) seed_sets.insert(row.seeds);
  provenance["seeds"] = std::vector<std::string>(seed_sets.begin(), seed_sets.end());
  store::RunFilter filter;
  filter.dataset = options.dataset;
  filter.protocol = r.spec.protocol;
  filter.budget_epochs = r.spec.budget_epochs;
  store.for_each(
      [&](std::size_t, const store::RunRecord& run) {
        provenance["tool_version"] = run.tool_version;
        provenance["init"] = run.init;
        if (!run.config_json.empty()) provenance["configuration"] = nlohmann::json::parse(run.config_json, nullptr, false);
        // A base rate nobody calibrated for this dataset must be visible in the report, not only deep in the configuration.
        const nlohmann::json::json_pointer note_at("/configuration/scaler/base_lr_note");
        if (provenance.contains(note_at) && provenance[note_at].is_string() && !provenance[note_at].get<std::string>().empty())
          provenance["base_lr_note"] = provenance[note_at];
        if (run.provenance.imported)
          provenance["imported_from"] = {{"file", run.provenance.source_path},     {"sha256", run.provenance.source_sha256},
                                         {"format", run.provenance.source_format}, {"split", run.provenance.source_split},
                                         {"note", run.provenance.note},            {"seeds_averaged", run.seeds_averaged}};
        return false;
      },
      filter, store::ReadOptions{false});
  r.description.label = side.label.empty() ? *r.spec.protocol + " (" + std::to_string(r.spec.budget_epochs) + " ep)" : side.label;
  r.description.source = side.store.string();
  r.description.provenance = std::move(provenance);
  return r;
}

// Two seeds of one side, paired by architecture, for the noise ceiling.
std::optional<analyze::NoiseCeilingInput> ceiling_from(const ResolvedSide& side, const std::set<std::string>& excluded) {
  std::map<std::int64_t, std::map<std::string, double>> by_seed;
  for (const auto& row : side.per_seed)
    if (row.seed != store::kMeanOverSeeds && std::isfinite(row.accuracy) && !excluded.count(row_key(row)))
      by_seed[row.seed][row_key(row)] = row.accuracy;
  if (by_seed.size() < 2) return std::nullopt;
  // The two seeds that cover the most architectures (lowest seeds on ties).
  std::vector<std::pair<std::size_t, std::int64_t>> coverage;
  for (const auto& [seed, values] : by_seed) coverage.push_back({values.size(), seed});
  std::stable_sort(coverage.begin(), coverage.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const std::int64_t a = std::min(coverage[0].second, coverage[1].second);
  const std::int64_t b = std::max(coverage[0].second, coverage[1].second);
  const auto matched = analyze::match_by_key(by_seed[a], by_seed[b]);
  if (matched.keys.size() < 2) return std::nullopt;
  return analyze::NoiseCeilingInput{side.description.label + ", seed " + std::to_string(a) + " vs seed " + std::to_string(b),
                                    matched.a, matched.b};
}

}  // namespace

StoreContents store_contents(const std::filesystem::path& path, const std::string& dataset) {
  const auto store = store::ResultStore::open(path, store::OpenMode::Read);
  std::set<std::string> protocols;
  std::set<int> budgets;
  store::RunFilter filter;
  filter.dataset = dataset;
  store.for_each(
      [&](std::size_t, const store::RunRecord& run) {
        protocols.insert(run.protocol);
        budgets.insert(run.budget_epochs);
        return true;
      },
      filter, store::ReadOptions{false});
  return {std::vector<std::string>(protocols.begin(), protocols.end()), std::vector<int>(budgets.begin(), budgets.end())};
}

analyze::ComparisonInput build_comparison(const ComparisonSide& reference, const ComparisonSide& candidate,
                                          const ComparisonOptions& options) {
  if (options.ceiling != "auto" && options.ceiling != "reference" && options.ceiling != "candidate" && options.ceiling != "none")
    throw InputError("noise ceiling side '" + options.ceiling + "' is unknown (expected auto, reference, candidate or none)");
  const ResolvedSide ref = resolve(reference, options, "reference");
  const ResolvedSide cand = resolve(candidate, options, "candidate");

  analyze::ComparisonInput in;
  in.dataset = options.dataset;
  in.metric = options.split + " accuracy (" + store::resolve_split(options.dataset, options.split) + "), %";
  in.reference = ref.description;
  in.candidate = cand.description;
  in.title = cand.description.label + " vs " + ref.description.label + " on " + options.dataset;
  for (const ResolvedSide* side : {&cand, &ref})
    if (side->description.provenance.contains("base_lr_note"))
      in.title += " (" + side->description.label + ": " + side->description.provenance["base_lr_note"].get<std::string>() + ")";
  in.options = options.analysis;

  std::set<std::string> excluded, disconnected, diverged;
  std::map<std::string, double> ref_values, cand_values;
  std::map<std::string, std::string> labels;
  auto collect = [&](const ResolvedSide& side, std::map<std::string, double>& values) {
    for (const auto& row : side.means) {
      const std::string key = row_key(row);
      labels.emplace(key, row_label(row));
      if (!options.include_disconnected && row_disconnected(row)) {
        excluded.insert(key);
        disconnected.insert(key);
        continue;
      }
      if (row_diverged(row)) {
        excluded.insert(key);
        diverged.insert(key);
        continue;
      }
      values[key] = row.accuracy;
    }
  };
  collect(ref, ref_values);
  collect(cand, cand_values);
  for (const auto& key : excluded) {
    ref_values.erase(key);
    cand_values.erase(key);
  }
  in.counts.excluded_disconnected = disconnected.size();
  in.counts.diverged = diverged.size();

  const auto matched = analyze::match_by_key(ref_values, cand_values);
  in.keys = matched.keys;
  for (const auto& key : matched.keys) in.labels.push_back(labels.at(key));
  in.reference_values = matched.a;
  in.candidate_values = matched.b;
  in.counts.matched = matched.keys.size();
  in.counts.only_reference = matched.only_in_a;
  in.counts.only_candidate = matched.only_in_b;
  in.counts.non_finite = matched.dropped_non_finite;

  if (options.ceiling == "reference" || options.ceiling == "auto") in.noise_ceiling = ceiling_from(ref, excluded);
  if ((options.ceiling == "candidate" || options.ceiling == "auto") && !in.noise_ceiling)
    in.noise_ceiling = ceiling_from(cand, excluded);
  return in;
}

}  // namespace nasrank::rerank

namespace nasrank::rerank {

std::vector<WrittenReport> write_store_reports(const std::filesystem::path& store,
                                               const std::optional<std::filesystem::path>& reference,
                                               const std::optional<int>& reference_budget, const std::string& baseline,
                                               const ComparisonOptions& options, const std::filesystem::path& out_dir) {
  const StoreContents contents = store_contents(store, options.dataset);
  if (contents.protocols.empty())
    throw InputError("store '" + store.string() + "' has no runs for dataset '" + options.dataset + "'");
  std::string base = baseline;
  if (base.empty()) {
    base = contents.protocols.front();
    for (const auto& p : contents.protocols)
      if (p.find("benchmark") != std::string::npos || p.find("nb201") != std::string::npos) {
        base = p;
        break;
      }
  } else if (std::find(contents.protocols.begin(), contents.protocols.end(), base) == contents.protocols.end()) {
    throw InputError("store '" + store.string() + "' has no protocol '" + base + "' on " + options.dataset);
  }
  std::filesystem::create_directories(out_dir);
  std::vector<WrittenReport> written;
  auto emit = [&](const ComparisonSide& ref, const ComparisonSide& cand, const std::filesystem::path& prefix) {
    analyze::Report report = analyze::build_report(build_comparison(ref, cand, options));
    const auto html = analyze::write_report(report, prefix);
    written.push_back({report.input.title, html, std::move(report)});
  };
  bool first = true;
  for (const auto& p : contents.protocols) {
    if (p == base) continue;
    emit(ComparisonSide{store, base, std::nullopt, ""}, ComparisonSide{store, p, std::nullopt, ""},
         out_dir / (first ? "report" : p + "-vs-" + base));
    first = false;
  }
  if (reference)
    for (const auto& p : contents.protocols)
      emit(ComparisonSide{*reference, std::nullopt, reference_budget, "reference"}, ComparisonSide{store, p, std::nullopt, ""},
           out_dir / (p + "-vs-reference"));
  if (written.empty())
    throw InputError("store '" + store.string() + "' has one protocol (" + base +
                     ") and no --reference was given: nothing to compare");
  return written;
}

}  // namespace nasrank::rerank
