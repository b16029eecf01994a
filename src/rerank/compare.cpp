#include "nasrank/rerank/compare.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"
#include "nasrank/store/query.h"
#include "nasrank/store/store.h"

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <cmath>
#include <limits>
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

std::string short_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

std::string fold(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Classes of the datasets nasrank knows; 0 when unknown.
int known_classes(const std::string& dataset) {
  const std::string key = fold(dataset);
  if (key == "cifar10" || key == "cifar10valid" || key == "fashionmnist" || key == "mnist") return 10;
  if (key == "cifar100") return 100;
  if (key == "imagenet16120") return 120;
  return 0;
}

struct ResolvedSide {
  store::QuerySpec spec;
  std::vector<store::QueryRow> means;
  std::vector<store::QueryRow> per_seed;
  analyze::ReportSide description;
  std::string dataset;  // the store's own key for the requested dataset
  int classes = 0;      // from the runs' configuration, else the dataset's known count
};

ResolvedSide resolve(const ComparisonSide& side, const ComparisonOptions& requested, const char* role) {
  const std::string where = std::string(role) + " store '" + side.store.string() + "'";
  ComparisonOptions options = requested;
  options.dataset =
      store::match_dataset(store::ResultStore::open(side.store, store::OpenMode::Read), requested.dataset);
  const StoreContents contents = store_contents(side.store, options.dataset);
  if (contents.protocols.empty()) throw InputError(where + " has no runs for dataset '" + options.dataset + "'");
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
                     "); choose one for the " + role + " (nasrank compare: --protocol-a / --protocol-b)");
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
      throw InputError(
          where + " has several budgets for protocol " + *r.spec.protocol + " on " + options.dataset + " (" +
          join(budgets) +
          " epochs); choose one — 12- and 200-epoch numbers are never mixed (nasrank compare: --budget or " +
          "--budget-a / --budget-b; nasrank rerank: --reference-budget)");
    r.spec.budget_epochs = budgets.front();
  }
  const auto store = store::ResultStore::open(side.store, store::OpenMode::Read);
  r.means = store::run_query(store, r.spec);
  if (std::none_of(r.means.begin(), r.means.end(),
                   [](const store::QueryRow& row) { return !std::isnan(row.accuracy); }))
    throw InputError(where + " has no '" + options.split + "' accuracy (split " +
                     store::resolve_split(options.dataset, options.split) + ") for protocol " + *r.spec.protocol +
                     " at " + std::to_string(r.spec.budget_epochs) + " epochs on " + options.dataset +
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
        if (!run.config_json.empty()) {
          const auto config = nlohmann::json::parse(run.config_json, nullptr, false);
          provenance["configuration"] = config;
          if (config.is_object() && config.contains("network") && config["network"].is_object() &&
              config["network"].value("num_classes", 0) > 0)
            r.classes = config["network"]["num_classes"].get<int>();
        }
        // A base rate nobody calibrated for this dataset must be visible in the report, not only deep in the
        // configuration.
        const nlohmann::json::json_pointer note_at("/configuration/scaler/base_lr_note");
        if (provenance.contains(note_at) && provenance[note_at].is_string() &&
            !provenance[note_at].get<std::string>().empty())
          provenance["base_lr_note"] = provenance[note_at];
        if (run.provenance.imported)
          provenance["imported_from"] = {{"file", run.provenance.source_path},
                                         {"sha256", run.provenance.source_sha256},
                                         {"format", run.provenance.source_format},
                                         {"split", run.provenance.source_split},
                                         {"note", run.provenance.note},
                                         {"seeds_averaged", run.seeds_averaged}};
        return false;
      },
      filter, store::ReadOptions{false});
  if (r.classes == 0) r.classes = known_classes(options.dataset);
  r.dataset = options.dataset;
  r.description.label =
      side.label.empty() ? *r.spec.protocol + " (" + std::to_string(r.spec.budget_epochs) + " ep)" : side.label;
  r.description.source = side.store.string();
  r.description.provenance = std::move(provenance);
  return r;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One architecture on one side, every run valued by the diverged policy.
struct SideArch {
  std::string label;
  std::string space;
  std::string arch;
  int benchmark_index = -1;
  std::vector<std::int64_t> seeds;  // per-seed runs, ascending
  std::vector<double> seed_values;  // NaN: no usable value (failed, or excluded)
  double stored_mean = kNaN;        // an imported row that is itself a mean
  int stored_mean_seeds = 0;        // seeds behind it, 0 when unknown
  double value = kNaN;              // what is ranked
  bool diverged = false;
  bool disconnected = false;
  double lr = kNaN;
  std::string init;
};

// The last finite accuracy of every diverged run on `side`, by (key, seed):
// the final metric when the trainer could evaluate it, else the last finite
// epoch value of the split.
std::map<std::pair<std::string, std::int64_t>, double> last_finite_accuracies(const ResolvedSide& side,
                                                                              const std::string& split) {
  std::map<std::pair<std::string, std::int64_t>, double> values;
  const auto store = store::ResultStore::open(side.description.source, store::OpenMode::Read);
  store::RunFilter filter;
  filter.dataset = side.dataset;
  filter.protocol = side.spec.protocol;
  filter.budget_epochs = side.spec.budget_epochs;
  const std::string exact = store::resolve_split(side.dataset, split);
  store.for_each(
      [&](std::size_t, const store::RunRecord& run) {
        if (run.status != store::RunStatus::Diverged) return true;
        double value = kNaN;
        if (const auto it = run.final_metrics.find(exact); it != run.final_metrics.end()) value = it->second.accuracy;
        if (!std::isfinite(value))
          if (const auto it = run.curves.eval_accuracy.find(exact); it != run.curves.eval_accuracy.end())
            for (const double v : it->second)
              if (std::isfinite(v)) value = v;
        values[{store::arch_key(run.space, run.arch), run.seed}] = value;
        return true;
      },
      filter, store::ReadOptions{true});
  return values;
}

std::map<std::string, SideArch> value_side(const ResolvedSide& side, const std::string& policy, double chance,
                                           const std::string& split) {
  std::map<std::pair<std::string, std::int64_t>, double> last_finite;
  if (policy == "last-finite" && std::any_of(side.per_seed.begin(), side.per_seed.end(), row_diverged))
    last_finite = last_finite_accuracies(side, split);
  std::map<std::string, SideArch> archs;
  for (const auto& row : side.per_seed) {
    const std::string key = row_key(row);
    SideArch& a = archs[key];
    a.label = row_label(row);
    a.space = row.space;
    a.arch = row.arch;
    a.benchmark_index = row.benchmark_index;
    a.disconnected = a.disconnected || row_disconnected(row);
    if (std::isnan(a.lr)) a.lr = row.learning_rate;
    if (a.init.empty()) a.init = row.init;
    double value = row.accuracy;
    if (row_diverged(row)) {
      a.diverged = true;
      if (policy == "chance") {
        value = chance;
      } else if (policy == "last-finite") {
        if (!std::isfinite(value)) {
          const auto it = last_finite.find({key, row.seed});
          value = it == last_finite.end() ? kNaN : it->second;
        }
      } else {
        value = kNaN;
      }
    }
    if (row.seed == store::kMeanOverSeeds) {
      a.stored_mean = value;
      a.stored_mean_seeds = row.n_seeds;
    } else {
      a.seeds.push_back(row.seed);
      a.seed_values.push_back(value);
    }
  }
  for (auto& [key, a] : archs) {
    double sum = 0.0;
    std::size_t finite = 0;
    for (const double v : a.seed_values)
      if (std::isfinite(v)) sum += v, ++finite;
    a.value = finite > 0 ? sum / static_cast<double>(finite) : a.stored_mean;
  }
  return archs;
}

std::string seed_list(const std::vector<std::int64_t>& seeds) {
  std::string out;
  for (const auto seed : seeds) out += (out.empty() ? "" : ", ") + std::to_string(seed);
  return out;
}

// Seeds of a side over `keys`, most widely covered first (lower seed on ties).
std::vector<std::int64_t> seeds_by_coverage(const std::map<std::string, SideArch>& side,
                                            const std::vector<std::string>& keys) {
  std::map<std::int64_t, std::size_t> coverage;
  for (const auto& key : keys) {
    const SideArch& a = side.at(key);
    for (std::size_t i = 0; i < a.seeds.size(); ++i)
      if (std::isfinite(a.seed_values[i])) ++coverage[a.seeds[i]];
  }
  std::vector<std::int64_t> seeds;
  for (const auto& [seed, count] : coverage) seeds.push_back(seed);
  std::stable_sort(seeds.begin(), seeds.end(),
                   [&](std::int64_t x, std::int64_t y) { return coverage[x] > coverage[y]; });
  return seeds;
}

// The mean over `seeds` of one architecture's runs; NaN unless all are there.
double mean_over(const SideArch& a, const std::vector<std::int64_t>& seeds) {
  double sum = 0.0;
  for (const auto seed : seeds) {
    const auto it = std::find(a.seeds.begin(), a.seeds.end(), seed);
    if (it == a.seeds.end()) return kNaN;
    const double v = a.seed_values[static_cast<std::size_t>(it - a.seeds.begin())];
    if (!std::isfinite(v)) return kNaN;
    sum += v;
  }
  return sum / static_cast<double>(seeds.size());
}

// Like with like: two disjoint halves of the ceiling side's seeds (h each)
// against each other, and against h seeds of the other side. h is half the
// ceiling side's seeds, and no more than the other side has.
std::optional<analyze::NoiseCeilingInput> like_with_like_ceiling(const ResolvedSide& ceiling_side,
                                                                 const std::map<std::string, SideArch>& ceiling,
                                                                 const ResolvedSide& other_side,
                                                                 const std::map<std::string, SideArch>& other,
                                                                 const std::vector<std::string>& keys) {
  const std::vector<std::int64_t> seeds = seeds_by_coverage(ceiling, keys);
  if (seeds.size() < 2) return std::nullopt;
  const std::vector<std::int64_t> other_seeds = seeds_by_coverage(other, keys);
  std::size_t h = seeds.size() / 2;
  if (!other_seeds.empty()) h = std::min(h, other_seeds.size());
  std::vector<std::int64_t> chosen(seeds.begin(), seeds.begin() + static_cast<std::ptrdiff_t>(2 * h));
  std::sort(chosen.begin(), chosen.end());
  const std::vector<std::int64_t> half_a(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(h));
  const std::vector<std::int64_t> half_b(chosen.begin() + static_cast<std::ptrdiff_t>(h), chosen.end());
  std::vector<std::int64_t> other_chosen;
  if (!other_seeds.empty()) {
    other_chosen.assign(other_seeds.begin(), other_seeds.begin() + static_cast<std::ptrdiff_t>(h));
    std::sort(other_chosen.begin(), other_chosen.end());
  }
  analyze::NoiseCeilingInput in;
  in.seeds_per_half = h;
  int stored_seeds = -1;
  for (const auto& key : keys) {
    const double a = mean_over(ceiling.at(key), half_a);
    const double b = mean_over(ceiling.at(key), half_b);
    const SideArch& o = other.at(key);
    const double value = other_chosen.empty() ? o.value : mean_over(o, other_chosen);
    if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(value)) continue;
    if (other_chosen.empty())
      stored_seeds = stored_seeds == -1 ? o.stored_mean_seeds : std::min(stored_seeds, o.stored_mean_seeds);
    in.seed_a.push_back(a);
    in.seed_b.push_back(b);
    in.other.push_back(value);
  }
  if (in.seed_a.size() < 2) return std::nullopt;
  const std::string unit = h == 1 ? "seed " : "mean of seeds ";
  in.description =
      ceiling_side.description.label + ": " + unit + seed_list(half_a) + " vs " + unit + seed_list(half_b) +
      (h == 1 ? " (single seeds on both sides)" : " (two disjoint halves of " + std::to_string(h) + " seeds)");
  if (!other_chosen.empty()) {
    in.other_description = other_side.description.label + ": " + unit + seed_list(other_chosen);
  } else if (stored_seeds > 0) {
    in.other_description = other_side.description.label + ": its stored mean over " + std::to_string(stored_seeds) +
                           " seeds" +
                           (static_cast<std::size_t>(stored_seeds) >= h
                                ? " (at least as many as a half: the test can only under-call a change)"
                                : " (fewer than a half: the test may call seed noise a change)");
  } else {
    in.other_description = other_side.description.label +
                           ": its stored mean over an unknown number of seeds (the test is like with like only if "
                           "that is " +
                           std::to_string(h) + ")";
  }
  return in;
}

void add_structure(analyze::ArchitectureDetail& detail, const SideArch& a) {
  try {
    const cell::CellGraph graph = a.space == "nb201" ? cell::parse_arch_string(a.arch) : cell::parse_encoding(a.arch);
    const auto paths = cell::enumerate_paths(graph);
    detail.paths = static_cast<int>(paths.size());
    detail.longest_depth = 0;
    for (const auto& path : paths) detail.longest_depth = std::max(detail.longest_depth, path.parameterized_edges);
  } catch (const InputError&) {
    // A text the cell parser does not know (e.g. a foreign space) just has no structure columns.
  }
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
  return {std::vector<std::string>(protocols.begin(), protocols.end()),
          std::vector<int>(budgets.begin(), budgets.end())};
}

analyze::ComparisonInput build_comparison(const ComparisonSide& reference, const ComparisonSide& candidate,
                                          const ComparisonOptions& options) {
  if (options.ceiling != "auto" && options.ceiling != "reference" && options.ceiling != "candidate" &&
      options.ceiling != "none")
    throw InputError("noise ceiling side '" + options.ceiling +
                     "' is unknown (expected auto, reference, candidate or none)");
  if (options.diverged != "chance" && options.diverged != "exclude" && options.diverged != "last-finite")
    throw InputError("diverged-run policy '" + options.diverged +
                     "' is unknown (expected chance, exclude or last-finite)");
  const ResolvedSide ref = resolve(reference, options, "reference");
  const ResolvedSide cand = resolve(candidate, options, "candidate");

  analyze::ComparisonInput in;
  in.dataset = ref.dataset;
  in.metric = options.split + " accuracy (" + store::resolve_split(ref.dataset, options.split) + "), %";
  in.reference = ref.description;
  in.candidate = cand.description;
  in.title = cand.description.label + " vs " + ref.description.label + " on " + ref.dataset;
  for (const ResolvedSide* side : {&cand, &ref})
    if (side->description.provenance.contains("base_lr_note"))
      in.title +=
          " (" + side->description.label + ": " + side->description.provenance["base_lr_note"].get<std::string>() + ")";
  in.options = options.analysis;

  auto chance_of = [&](const ResolvedSide& side) { return side.classes > 0 ? 100.0 / side.classes : kNaN; };
  auto any_diverged = [](const ResolvedSide& side) {
    return std::any_of(side.per_seed.begin(), side.per_seed.end(), row_diverged);
  };
  for (const ResolvedSide* side : {&ref, &cand})
    if (options.diverged == "chance" && side->classes == 0 && any_diverged(*side))
      throw InputError("store '" + side->description.source + "' has diverged runs on dataset '" + side->dataset +
                       "', whose chance accuracy nasrank does not know (no num_classes in the runs' configuration); "
                       "choose --diverged exclude or --diverged last-finite");
  const auto ref_archs = value_side(ref, options.diverged, chance_of(ref), options.split);
  const auto cand_archs = value_side(cand, options.diverged, chance_of(cand), options.split);

  std::set<std::string> disconnected, diverged_ref, diverged_cand;
  auto note = [&](const std::map<std::string, SideArch>& archs, std::set<std::string>& diverged) {
    for (const auto& [key, a] : archs) {
      if (!options.include_disconnected && a.disconnected) {
        disconnected.insert(key);
      } else if (a.diverged) {
        diverged.insert(key);
      }
    }
  };
  note(ref_archs, diverged_ref);
  note(cand_archs, diverged_cand);
  for (const auto& key : disconnected) diverged_ref.erase(key), diverged_cand.erase(key);
  std::set<std::string> diverged_any(diverged_ref);
  diverged_any.insert(diverged_cand.begin(), diverged_cand.end());
  in.counts.excluded_disconnected = disconnected.size();
  in.counts.diverged = diverged_any.size();
  in.diverged.policy = options.diverged;
  in.diverged.reference = diverged_ref.size();
  in.diverged.candidate = diverged_cand.size();
  const std::string chance_text =
      ref.classes > 0 ? short_number(100.0 / ref.classes) + "% on " + ref.dataset : "unknown";
  if (options.diverged == "chance")
    in.diverged.description =
        "a diverged run counts as chance accuracy (" + chance_text + "), below every run that learned anything";
  else if (options.diverged == "exclude")
    in.diverged.description = "architectures with a diverged run on either side are left out of both";
  else
    in.diverged.description = "a diverged run counts with the last finite accuracy it measured";

  auto values_of = [&](const std::map<std::string, SideArch>& archs, bool drop_diverged) {
    std::map<std::string, double> values;
    for (const auto& [key, a] : archs) {
      if (disconnected.count(key) || (drop_diverged && diverged_any.count(key))) continue;
      values[key] = a.value;
    }
    return values;
  };
  const bool exclude = options.diverged == "exclude";
  const auto matched = analyze::match_by_key(values_of(ref_archs, exclude), values_of(cand_archs, exclude));
  in.keys = matched.keys;
  in.reference_values = matched.a;
  in.candidate_values = matched.b;
  in.counts.matched = matched.keys.size();
  in.counts.only_reference = matched.only_in_a;
  in.counts.only_candidate = matched.only_in_b;
  in.counts.non_finite = matched.dropped_non_finite;
  for (const auto& key : matched.keys) {
    const SideArch& r = ref_archs.at(key);
    const SideArch& c = cand_archs.at(key);
    in.labels.push_back(r.label);
    analyze::ArchitectureDetail detail;
    detail.benchmark_index = r.benchmark_index;
    detail.arch = r.arch;
    detail.reference_seeds = r.seeds;
    detail.reference_seed_values = r.seed_values;
    detail.candidate_seeds = c.seeds;
    detail.candidate_seed_values = c.seed_values;
    detail.reference_lr = r.lr;
    detail.candidate_lr = c.lr;
    detail.reference_init = r.init;
    detail.candidate_init = c.init;
    detail.reference_diverged = diverged_ref.count(key) > 0;
    detail.candidate_diverged = diverged_cand.count(key) > 0;
    add_structure(detail, r);
    in.details.push_back(std::move(detail));
  }

  // The tau the other way round, so a reader sees how much the policy matters.
  if (!diverged_any.empty()) {
    if (exclude) {
      const bool known = ref.classes > 0 && cand.classes > 0;
      if (known) {
        const auto with =
            analyze::match_by_key(values_of(value_side(ref, "chance", chance_of(ref), options.split), false),
                                  values_of(value_side(cand, "chance", chance_of(cand), options.split), false));
        in.diverged.alternate_description = "with the diverged architectures at chance accuracy";
        in.diverged.alternate_reference = with.a;
        in.diverged.alternate_candidate = with.b;
      }
    } else {
      in.diverged.alternate_description = "without the architectures that diverged on either side";
      for (std::size_t i = 0; i < in.keys.size(); ++i)
        if (!diverged_any.count(in.keys[i])) {
          in.diverged.alternate_reference.push_back(in.reference_values[i]);
          in.diverged.alternate_candidate.push_back(in.candidate_values[i]);
        }
    }
  }

  if (options.ceiling == "reference" || options.ceiling == "auto")
    in.noise_ceiling = like_with_like_ceiling(ref, ref_archs, cand, cand_archs, in.keys);
  if ((options.ceiling == "candidate" || options.ceiling == "auto") && !in.noise_ceiling)
    in.noise_ceiling = like_with_like_ceiling(cand, cand_archs, ref, ref_archs, in.keys);
  return in;
}

}  // namespace nasrank::rerank

namespace nasrank::rerank {

std::vector<WrittenReport> write_store_reports(const std::filesystem::path& store,
                                               const std::optional<std::filesystem::path>& reference,
                                               const std::optional<int>& reference_budget, const std::string& baseline,
                                               const ComparisonOptions& requested,
                                               const std::filesystem::path& out_dir) {
  ComparisonOptions options = requested;
  options.dataset = store::match_dataset(store::ResultStore::open(store, store::OpenMode::Read), requested.dataset);
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
  std::vector<std::pair<analyze::Report, std::filesystem::path>> built;
  auto build = [&](const ComparisonSide& ref, const ComparisonSide& cand, const std::filesystem::path& folder) {
    built.emplace_back(analyze::build_report(build_comparison(ref, cand, options)), folder);
  };
  bool first = true;
  for (const auto& p : contents.protocols) {
    if (p == base) continue;
    build(ComparisonSide{store, base, std::nullopt, ""}, ComparisonSide{store, p, std::nullopt, ""},
          first ? out_dir : out_dir / (p + "-vs-" + base));
    first = false;
  }
  if (reference)
    for (const auto& p : contents.protocols)
      build(ComparisonSide{*reference, std::nullopt, reference_budget, "reference"},
            ComparisonSide{store, p, std::nullopt, ""}, out_dir / (p + "-vs-reference"));
  std::vector<WrittenReport> written;
  for (auto& [report, folder] : built) {
    const auto html = analyze::write_report(report, folder);
    written.push_back({report.input.title, html, std::move(report)});
  }
  if (built.empty())
    throw InputError("store '" + store.string() + "' has one protocol (" + base +
                     ") and no --reference was given: nothing to compare");
  return written;
}

}  // namespace nasrank::rerank
