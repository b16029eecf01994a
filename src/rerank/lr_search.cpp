#include "nasrank/rerank/lr_search.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"
#include "nasrank/dataset/benchmark.h"
#include "nasrank/scale/calibration.h"
#include "nasrank/store/store.h"
#include "nasrank/train/network.h"
#include "nasrank/train/protocol.h"
#include "nasrank/train/rate_search.h"
#include "run_queue.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace nasrank::rerank {
namespace {

constexpr const char* kLongestPathOnly = "longest path only";
constexpr const char* kConstantRate = "constant rate";

std::string arch_text(const PlannedArchitecture& a) {
  return a.graph.space() == cell::Space::Nb201 ? *cell::to_arch_string(a.graph)
                                               : cell::to_dag_code(a.graph).value_or("");
}

// The scaler's rate for base 1 under `convention` (NaN where it gives none).
double predicted_factor(const cell::CellGraph& graph, scale::DepthConvention convention,
                        const train::Protocol& protocol) {
  scale::ScalerOptions options;
  options.base_lr = 1.0;
  options.convention = convention;
  if (graph.space() == cell::Space::Dag && protocol.network.dag_network == train::DagNetworkKind::Cnn)
    options.kernel_size = protocol.network.kernel_size;
  const scale::LearningRateResult r = scale::learning_rate(graph, options);
  return r.status == scale::ScaleStatus::Ok ? r.learning_rate : std::numeric_limits<double>::quiet_NaN();
}

// A topology-blind rule: only the longest path counts, as if the network
// were that one chain (the same convention's depth, cubed, to the -1/2).
double longest_path_factor(const cell::CellGraph& graph, scale::DepthConvention convention) {
  scale::ScalerOptions options;
  options.base_lr = 1.0;
  options.convention = convention;
  const scale::LearningRateResult r = scale::learning_rate(graph, options);
  if (r.status != scale::ScaleStatus::Ok || r.path_depths.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double longest = *std::max_element(r.path_depths.begin(), r.path_depths.end());
  return longest > 0 ? std::pow(longest, -1.5) : std::numeric_limits<double>::quiet_NaN();
}

std::vector<scale::DepthConvention> conventions_for(cell::Space space) {
  if (space == cell::Space::Nb201) return {scale::DepthConvention::Nb201Reference, scale::DepthConvention::ReluCount};
  return {scale::DepthConvention::DagReference, scale::DepthConvention::ReluCount};
}

double protocol_center(const train::Protocol& p) {
  if (p.learning_rate.kind == train::LearningRateRule::Kind::Fixed) return p.learning_rate.fixed;
  if (p.learning_rate.base_lr) return *p.learning_rate.base_lr;
  return scale::read_calibration(train::calibration_path(p)).base_lr;
}

train::Protocol load_search_protocol(const LrSearchOptions& options) {
  train::Protocol protocol = train::load_protocol(options.protocol);
  if (options.degree) protocol.learning_rate.degree = *options.degree;
  return protocol;
}

}  // namespace

std::vector<double> default_rate_grid(double center, const std::vector<double>& factors, std::size_t points) {
  if (points < 3) throw InputError("default grid: " + std::to_string(points) + " rates; need at least 3");
  if (!(center > 0.0) || !std::isfinite(center)) throw InputError("default grid: the protocol's base rate must be > 0");
  double low = std::numeric_limits<double>::infinity(), high = 0.0;
  for (double f : factors)
    if (f > 0.0 && std::isfinite(f)) {
      low = std::min(low, f);
      high = std::max(high, f);
    }
  if (!(high > 0.0)) throw InputError("default grid: no architecture of the selection has a predicted rate");
  // A protocol's base is only a guess at the calibrated one (the built-in
  // experiment's fitted base came out 5x below its protocol's), so the grid
  // reaches 16x below the deepest prediction: a minimum at the grid's lower
  // edge is flagged and left out of the fit, which loses the deepest networks.
  low *= center / 16.0;
  high *= center * 8.0;
  std::vector<double> grid;
  for (std::size_t k = 0; k < points; ++k)
    grid.push_back(low * std::pow(high / low, static_cast<double>(k) / static_cast<double>(points - 1)));
  return grid;
}

std::vector<std::string> stratified_dag_sample(int vertices, std::size_t count, std::uint64_t seed) {
  ArchitectureSelection all;
  all.space = "dag";
  all.dag_vertices = vertices;
  all.unique = true;
  std::vector<std::pair<double, std::string>> candidates;  // (log factor, encoding)
  for (const PlannedArchitecture& a : select_architectures(all)) {
    if (a.disconnected) continue;
    scale::ScalerOptions options;
    options.base_lr = 1.0;
    options.convention = scale::DepthConvention::DagReference;
    candidates.emplace_back(std::log(scale::learning_rate(a.graph, options).learning_rate), a.encoding);
  }
  if (count == 0 || count > candidates.size())
    throw InputError("stratified sample of " + std::to_string(count) + " architectures: the " +
                     std::to_string(vertices) + "-vertex DAG space has " + std::to_string(candidates.size()) +
                     " connected classes");
  std::sort(candidates.begin(), candidates.end());
  const double low = candidates.front().first, high = candidates.back().first;
  std::mt19937_64 rng(seed);
  std::vector<bool> taken(candidates.size(), false);
  std::vector<std::string> picked;
  for (std::size_t bin = 0; bin < count; ++bin) {
    const double from = low + (high - low) * static_cast<double>(bin) / static_cast<double>(count);
    const double to = low + (high - low) * static_cast<double>(bin + 1) / static_cast<double>(count);
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < candidates.size(); ++i)
      if (candidates[i].first >= from && (candidates[i].first < to || (bin + 1 == count && candidates[i].first <= to)))
        members.push_back(i);
    if (members.empty()) continue;
    const std::size_t pick = members[rng() % members.size()];
    taken[pick] = true;
    picked.push_back(candidates[pick].second);
  }
  while (picked.size() < count) {
    const std::size_t pick = rng() % candidates.size();
    if (taken[pick]) continue;
    taken[pick] = true;
    picked.push_back(candidates[pick].second);
  }
  return picked;
}

LrSearchPlan plan_lr_search(const LrSearchOptions& options) {
  const std::vector<std::string> datasets = dataset::benchmark_keys();
  if (std::find(datasets.begin(), datasets.end(), options.dataset) == datasets.end()) {
    std::string known;
    for (const std::string& key : datasets) known += (known.empty() ? "" : ", ") + key;
    throw InputError("dataset '" + options.dataset + "' is unknown (known: " + known + ")");
  }
  if (options.epochs < 1) throw InputError("--epochs " + std::to_string(options.epochs) + ": must be at least 1");
  if (!(options.tolerance >= 0.0) || !std::isfinite(options.tolerance))
    throw InputError("--tolerance " + std::to_string(options.tolerance) + ": must be >= 0");
  const train::Protocol protocol = load_search_protocol(options);
  if (protocol.loss != "cross-entropy")
    throw InputError("protocol '" + protocol.name + "' has no training loss the search can rank (loss '" +
                     protocol.loss + "')");

  LrSearchPlan plan;
  plan.search_id = options.search_id.empty() ? protocol.name : options.search_id;
  if (plan.search_id.find('@') != std::string::npos)
    throw InputError("search id '" + plan.search_id + "' must not contain '@' (it separates the id from the rate)");
  plan.seeds = options.seeds.empty() ? protocol.seeds : options.seeds;
  if (plan.seeds.empty()) throw InputError("protocol '" + protocol.name + "' has no seeds: give --seeds");

  std::size_t disconnected = 0;
  for (PlannedArchitecture& a : select_architectures(options.selection)) {
    if (a.disconnected) {
      ++disconnected;
      continue;
    }
    plan.architectures.push_back(std::move(a));
  }
  if (plan.architectures.empty())
    throw InputError("the selection has no connected architecture to search (" + std::to_string(disconnected) +
                     " disconnected left out): give --arch, --arch-file or --sample");

  const cell::Space space = plan.architectures.front().graph.space();
  const scale::DepthConvention headline = protocol.learning_rate.convention.value_or(scale::default_convention(space));
  std::vector<scale::DepthConvention> conventions{headline};
  for (scale::DepthConvention c : conventions_for(space))
    if (c != headline) conventions.push_back(c);
  for (scale::DepthConvention c : conventions) plan.predictors.emplace_back(scale::convention_name(c));
  plan.predictors.emplace_back(kLongestPathOnly);
  plan.predictors.emplace_back(kConstantRate);
  std::vector<double> headline_factors;
  for (const PlannedArchitecture& a : plan.architectures) {
    std::vector<double> row;
    for (scale::DepthConvention c : conventions) row.push_back(predicted_factor(a.graph, c, protocol));
    row.push_back(longest_path_factor(a.graph, headline));
    row.push_back(1.0);
    headline_factors.push_back(row.front());
    plan.predicted.push_back(std::move(row));
  }

  plan.grid_center = protocol_center(protocol);
  plan.grid =
      options.grid.empty() ? default_rate_grid(plan.grid_center, headline_factors, options.grid_points) : options.grid;
  plan.grid = train::validate_rate_grid(plan.grid, 3, "--grid");

  std::vector<ProtocolPlan> points;
  for (double rate : plan.grid)
    points.push_back({train::rate_point_protocol(protocol, rate, options.epochs, plan.search_id).name, options.dataset,
                      options.epochs, plan.seeds});
  plan.runs = plan_runs(plan.architectures.size(), points, options.shard);

  nlohmann::json archs = nlohmann::json::array();
  for (const auto& a : plan.architectures) archs.push_back(a.encoding);
  plan.provenance = {
      {"search_id", plan.search_id},
      {"protocol", train::to_json(protocol)},
      {"protocol_source", protocol.source},
      {"dataset", options.dataset},
      {"epochs", options.epochs},
      {"grid", plan.grid},
      {"grid_rule", options.grid.empty() ? "default: protocol base " + train::rate_text(plan.grid_center) +
                                               " x [smallest factor / 4, largest factor x 8], log-spaced"
                                         : std::string("given (--grid)")},
      {"seeds", plan.seeds},
      {"degree", std::string(scale::degree_name(protocol.learning_rate.degree))},
      {"degree_note",
       "the in-degree choice changes the initialization, not the predicted rate; search "
       "again with --degree to compare"},
      {"initialization", std::string(train::initialization_name(protocol.initialization))},
      {"loss", scale::loss_choice_name(options.loss)},
      {"tolerance", options.tolerance},
      {"architectures", archs},
      {"disconnected_left_out", disconnected},
      {"store", std::filesystem::absolute(options.store).string()}};
  return plan;
}

analyze::LrSearchReport lr_search_report(const LrSearchOptions& options, const LrSearchPlan& plan) {
  const store::ResultStore store = store::ResultStore::open(options.store, store::OpenMode::Read);
  const train::Protocol protocol = load_search_protocol(options);
  analyze::LrSearchInput input;
  input.search_id = plan.search_id;
  input.dataset = options.dataset;
  input.protocol = protocol.name;
  input.epochs = options.epochs;
  input.loss = options.loss;
  input.tolerance = options.tolerance;
  input.predictors = plan.predictors;
  input.provenance = plan.provenance;
  for (std::size_t i = 0; i < plan.architectures.size(); ++i) {
    const PlannedArchitecture& a = plan.architectures[i];
    analyze::SearchedArchitecture searched;
    searched.key = a.encoding;
    searched.seeds = plan.seeds;
    const std::vector<cell::Path> paths = cell::enumerate_paths(a.graph);
    searched.paths = static_cast<int>(paths.size());
    for (const cell::Path& p : paths) searched.longest_depth = std::max(searched.longest_depth, p.parameterized_edges);
    for (std::size_t k = 0; k < plan.predictors.size(); ++k)
      if (std::isfinite(plan.predicted[i][k])) searched.predicted[plan.predictors[k]] = plan.predicted[i][k];
    const std::string key = store::arch_key(cell::space_name(a.graph.space()), arch_text(a));
    for (double rate : plan.grid) {
      const std::string point = train::rate_point_protocol(protocol, rate, options.epochs, plan.search_id).name;
      std::vector<double> losses;
      for (std::uint64_t seed : plan.seeds) {
        const auto run =
            store.find(store::RunKey{key, options.dataset, point, options.epochs, static_cast<std::int64_t>(seed)},
                       store::ReadOptions{false});
        if (!run || run->status == store::RunStatus::Failed) continue;  // missing: the row stays short
        if (run->status != store::RunStatus::Ok) {
          losses.push_back(std::nan(""));
          continue;
        }
        std::vector<double> tail;
        const auto config = nlohmann::json::parse(run->config_json, nullptr, false);
        if (config.is_object() && config.contains("final_step_losses"))
          for (const auto& v : config["final_step_losses"])
            tail.push_back(v.is_number() ? v.get<double>() : std::nan(""));
        const auto train_metrics = run->final_metrics.find("train");
        const double epoch_mean = train_metrics == run->final_metrics.end() ? std::nan("") : train_metrics->second.loss;
        const double loss = scale::run_loss(options.loss, epoch_mean, tail);
        losses.push_back(std::isfinite(loss) ? loss : std::nan(""));
      }
      searched.curve.rates.push_back(rate);
      searched.curve.losses.push_back(std::move(losses));
    }
    input.architectures.push_back(std::move(searched));
  }
  return analyze::analyze_lr_search(input, options.bootstrap);
}

LrSearchSummary run_lr_search(const LrSearchOptions& options, const ProgressCallback& progress) {
  reset_stop();
  LrSearchSummary summary;
  summary.plan = plan_lr_search(options);
  const RunQueueOptions queue =
      worker_queue(options.store, options.dataset, options.data_dir, options.execution, options.worker_binary);
  const train::Protocol protocol = load_search_protocol(options);
  std::vector<train::Protocol> points;
  for (double rate : summary.plan.grid)
    points.push_back(train::rate_point_protocol(protocol, rate, options.epochs, summary.plan.search_id));
  summary.planned = summary.plan.runs.size();
  const RunQueueCounts counts = run_queue(summary.plan.architectures, points, summary.plan.runs, queue, progress);
  summary.already_stored = counts.already_stored;
  summary.trained = counts.trained;
  summary.diverged = counts.diverged;
  summary.failed = counts.failed;
  summary.interrupted = counts.interrupted;

  if (!summary.interrupted && !options.report_dir.empty() && options.shard.count == 1) {
    try {
      summary.report = lr_search_report(options, summary.plan);
      summary.report_html = analyze::write_lr_search_report(*summary.report, options.report_dir);
    } catch (const InputError& e) {
      summary.report_error = e.what();
    }
  }
  return summary;
}

}  // namespace nasrank::rerank
