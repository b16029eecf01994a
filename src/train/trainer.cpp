// The training loop (LibTorch): SGD with the protocol's per-epoch schedule on
// batches from the dataset module's loader, evaluation on the benchmark's
// splits, and the base-rate calibration built on the same loop.
#include "torch_network.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/common/enum_names.h"
#include "nasrank/common/error.h"
#include "nasrank/common/version.h"
#include "nasrank/dataset/loader.h"
#include "nasrank/train/cost.h"
#include "nasrank/train/rate_search.h"
#include "nasrank/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <numeric>

namespace nasrank::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

torch::Device pick_device(Device device) {
  const bool cuda = torch::cuda::is_available();
  if (device == Device::Cuda && !cuda) throw InputError("device 'cuda' requested, but LibTorch sees no CUDA device");
  if (device == Device::Cpu || !cuda) return torch::Device(torch::kCPU);
  return torch::Device(torch::kCUDA);
}

std::string space_key(cell::Space space) { return space == cell::Space::Nb201 ? "nb201" : "dag"; }

// Where a batch goes and in which memory order.
struct Placement {
  torch::Device device{torch::kCPU};
  torch::MemoryFormat format = torch::MemoryFormat::Contiguous;

  torch::Tensor images(float* data, std::int64_t n, const dataset::ImageTransform& transform) const {
    return torch::from_blob(data, {n, transform.channels(), transform.height(), transform.width()}, torch::kFloat)
        .to(device)
        .contiguous(format);
  }
  torch::Tensor labels(std::int64_t* data, std::int64_t n) const {
    return torch::from_blob(data, {n}, torch::kLong).to(device);
  }
};

Placement place(detail::Model& model, const RuntimeOptions& runtime) {
  Placement placement{pick_device(runtime.device)};
  model.to(placement.device);
  if (runtime.channels_last && placement.device.is_cpu()) {
    detail::use_channels_last(model);
    placement.format = torch::MemoryFormat::ChannelsLast;
  }
  return placement;
}

// Evaluation: network in eval mode, normalization only, every image once.
SplitMetrics evaluate(detail::Model& model, const dataset::ImageDataset& images,
                      const dataset::ImageTransform& transform, int batch_size, int workers,
                      const Placement& placement) {
  dataset::LoaderConfig config;
  config.batch_size = static_cast<std::size_t>(batch_size);
  config.shuffle = false;
  config.augment = false;
  config.workers = static_cast<std::size_t>(workers);
  dataset::BatchLoader loader(images, transform, config);
  model.eval();
  torch::NoGradGuard no_grad;
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  std::int64_t seen = 0;
  dataset::Batch batch;
  while (loader.next(batch)) {
    const auto n = static_cast<std::int64_t>(batch.size);
    const torch::Tensor input = placement.images(batch.images.data(), n, transform);
    const torch::Tensor target = placement.labels(batch.labels.data(), n);
    const torch::Tensor logits = model.forward(input);
    loss_sum += torch::cross_entropy_loss(logits, target, {}, at::Reduction::Sum).item<double>();
    correct += logits.argmax(1).eq(target).sum().item<std::int64_t>();
    seen += n;
  }
  SplitMetrics metrics;
  metrics.images = seen;
  metrics.loss = seen > 0 ? loss_sum / static_cast<double>(seen) : 0.0;
  metrics.accuracy = seen > 0 ? 100.0 * static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
  return metrics;
}

struct StepOutput {
  double loss = 0.0;
  std::int64_t correct = 0;
};

// One SGD step on one batch. A non-finite loss is returned before any
// backward pass, so a diverged network is left as it was.
StepOutput training_step(detail::Model& model, torch::optim::SGD& optimizer, const torch::Tensor& input,
                         const torch::Tensor& target) {
  optimizer.zero_grad();
  const torch::Tensor logits = model.forward(input);
  const torch::Tensor loss = torch::cross_entropy_loss(logits, target);
  StepOutput out;
  out.loss = loss.item<double>();
  if (!std::isfinite(out.loss)) return out;
  loss.backward();
  optimizer.step();
  out.correct = logits.detach().argmax(1).eq(target).sum().item<std::int64_t>();
  return out;
}

torch::optim::SGD make_optimizer(detail::Model& model, const OptimizerConfig& config, double learning_rate) {
  return torch::optim::SGD(model.parameters(), torch::optim::SGDOptions(learning_rate)
                                                   .momentum(config.momentum)
                                                   .nesterov(config.nesterov)
                                                   .weight_decay(config.weight_decay));
}

struct EvaluationSet {
  std::string name;
  dataset::ImageDataset subset;  // used when eval_subset trims the split
  const dataset::ImageDataset* images = nullptr;
};

std::vector<EvaluationSet> evaluation_sets(const Protocol& protocol, const dataset::BenchmarkData& data) {
  std::vector<std::string> names = protocol.data.evaluation_splits;
  if (names.empty())
    for (const dataset::EvaluationSplit& split : data.evaluations) names.push_back(split.name);
  std::vector<EvaluationSet> sets;
  sets.reserve(names.size());
  for (const std::string& name : names) {
    EvaluationSet set;
    set.name = name;
    set.images = &data.evaluation(name);
    const auto limit = static_cast<std::size_t>(protocol.data.eval_subset);
    if (limit > 0 && limit < set.images->size()) {
      std::vector<std::size_t> first(limit);
      std::iota(first.begin(), first.end(), std::size_t{0});
      set.subset = dataset::select(*set.images, first, name + " (first " + std::to_string(limit) + ")");
      set.images = nullptr;
    }
    sets.push_back(std::move(set));
  }
  for (EvaluationSet& set : sets)
    if (set.images == nullptr) set.images = &set.subset;
  return sets;
}

nlohmann::json provenance_json(const dataset::ImageDataset& images) {
  return {{"split", images.provenance.split}, {"images", images.size()}, {"files", images.provenance.files}};
}

SplitMetrics chance(int num_classes, std::int64_t images) {
  return SplitMetrics{std::log(static_cast<double>(num_classes)), 100.0 / num_classes, images};
}

// What a run records before it trains: the architecture, the protocol, the
// network's size, the learning rate and the runtime it trains with. Throws
// before any training when the rate cannot be resolved or the device is
// missing.
TrainResult describe_run(const TrainRequest& request, const dataset::BenchmarkData& data, const NetworkSpec& spec) {
  const Protocol& protocol = request.protocol;
  const cell::CellGraph& graph = request.graph;
  TrainResult result;
  result.architecture = request.architecture;
  result.space = space_key(graph.space());
  result.canonical = graph.space() == cell::Space::Nb201 ? cell::to_arch_string(graph).value_or("")
                                                         : cell::to_dag_code(graph).value_or("");
  if (graph.space() == cell::Space::Nb201) result.benchmark_index = cell::to_benchmark_index(graph);
  result.unique_string = cell::unique_string(graph, true);
  result.dataset = data.key;
  result.protocol = protocol.name;
  result.epochs = protocol.epochs;
  result.seed = request.seed;
  result.initialization = std::string(initialization_name(protocol.initialization));
  result.learning_rate_rule = protocol.learning_rate.kind == LearningRateRule::Kind::Fixed ? "fixed" : "scaler";
  result.tool_version = version();
  result.build = build_description();

  const NetworkCost cost = network_cost(graph, spec);
  result.params_m = cost.benchmark.params_m();
  result.flops_m = cost.benchmark.flops_m();
  result.params_built_m = cost.built.params_m();
  result.flops_built_m = cost.built.flops_m();

  const ResolvedLearningRate lr = resolve_learning_rate(graph, protocol, spec, data.key);
  result.learning_rate = lr.learning_rate;
  result.scaler = lr.scaler;

  // Set by the program (process.h), not per run: it is process-wide.
  result.threads = torch::get_num_threads();
  result.device = pick_device(request.runtime.device).is_cuda() ? "cuda" : "cpu";
  return result;
}

// The data a run saw and every setting, as the record's "data" and "config".
void record_data_and_config(TrainResult& result, const TrainRequest& request, const dataset::BenchmarkData& data,
                            const NetworkSpec& spec, const std::vector<EvaluationSet>& evaluations) {
  const Protocol& protocol = request.protocol;
  result.data = {{"train", provenance_json(data.train)}, {"train_subset", protocol.data.train_subset}};
  for (const EvaluationSet& set : evaluations) result.data["evaluations"][set.name] = provenance_json(*set.images);
  result.config = {{"protocol", to_json(protocol)},
                   {"protocol_source", protocol.source},
                   {"dataset", data.key},
                   {"seed", request.seed},
                   {"network",
                    {{"channels", spec.channels},
                     {"cells_per_stage", spec.cells_per_stage},
                     {"input", {spec.input_channels, spec.input_height, spec.input_width}},
                     {"num_classes", spec.num_classes},
                     {"dag_network", std::string(dag_kind_name(spec.dag_kind))},
                     {"kernel_size", spec.kernel_size},
                     {"edges", request.runtime.edges == EdgeBuild::Pruned ? "pruned" : "every"}}},
                   {"runtime",
                    {{"device", result.device},
                     {"threads", result.threads},
                     {"channels_last", request.runtime.channels_last && result.device == "cpu"},
                     {"conv_fusion", std::string(conv_fusion_name(request.runtime.fusion))}}},
                   {"normalization", {{"mean", data.normalization.mean}, {"std", data.normalization.std}}},
                   {"augmentation",
                    {{"enabled", protocol.augmentation},
                     {"pad", data.augmentation.pad},
                     {"horizontal_flip", data.augmentation.horizontal_flip}}}};
}

Network initialized_network(const TrainRequest& request, const NetworkSpec& spec) {
  const Protocol& protocol = request.protocol;
  Network network(request.graph, spec, request.seed, request.runtime.edges, request.runtime.fusion);
  if (protocol.initialization == Initialization::Principled) {
    scale::ScalerOptions scaler;
    if (protocol.learning_rate.convention) scaler.convention = protocol.learning_rate.convention;
    scaler.degree = protocol.learning_rate.degree;
    network.initialize(Initialization::Principled, scaler, request.seed);
  }
  return network;
}

dataset::LoaderConfig training_loader_config(const TrainRequest& request) {
  const Protocol& protocol = request.protocol;
  dataset::LoaderConfig config;
  config.batch_size = static_cast<std::size_t>(protocol.batch_size);
  config.shuffle = true;
  config.seed = request.seed;
  config.augment = protocol.augmentation;
  config.subset_size = static_cast<std::size_t>(protocol.data.train_subset);
  config.workers = static_cast<std::size_t>(protocol.data.loader_workers);
  return config;
}

// The model, its optimizer and the training batches of one run. The members
// are built in declaration order, which is part of what a seed reproduces:
// weights (and their principled initialization), placement, optimizer, then
// the loader whose first epoch starts prefetching at construction.
class TrainingSession {
 public:
  TrainingSession(const TrainRequest& request, const dataset::BenchmarkData& data, const NetworkSpec& spec,
                  double learning_rate)
      : protocol(request.protocol),
        peak_learning_rate(learning_rate),
        network_(initialized_network(request, spec)),
        model(*network_.impl().model),
        placement(place(model, request.runtime)),
        optimizer(make_optimizer(model, protocol.optimizer, learning_rate)),
        train_transform(data.train.channels, data.train.height, data.train.width, data.normalization,
                        protocol.augmentation ? data.augmentation : dataset::Augmentation{}),
        eval_transform(data.train.channels, data.train.height, data.train.width, data.normalization,
                       dataset::Augmentation{}),
        loader(data.train, train_transform, training_loader_config(request)) {}
  TrainingSession(const TrainingSession&) = delete;
  TrainingSession& operator=(const TrainingSession&) = delete;

  void set_learning_rate(double rate) {
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(rate);
  }

  const Protocol& protocol;
  const double peak_learning_rate;

 private:
  Network network_;

 public:
  detail::Model& model;
  const Placement placement;
  torch::optim::SGD optimizer;
  const dataset::ImageTransform train_transform;
  const dataset::ImageTransform eval_transform;
  dataset::BatchLoader loader;
};

// One epoch of SGD over the training batches (LibTorch's mnist example:
// train()). A non-finite loss stops the epoch and marks the run Diverged.
EpochRecord train_epoch(TrainingSession& session, int epoch, TrainResult& result) {
  const Protocol& protocol = session.protocol;
  EpochRecord record;
  record.epoch = epoch;
  record.learning_rate = scheduled_learning_rate(protocol.schedule, session.peak_learning_rate, epoch, protocol.epochs);
  session.set_learning_rate(record.learning_rate);

  const auto epoch_start = Clock::now();
  session.model.train();
  session.loader.start_epoch(static_cast<std::uint64_t>(epoch));
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  std::int64_t seen = 0;
  std::size_t batch_number = 0;
  std::vector<double> step_losses;
  const bool per_step = protocol.schedule.update == ScheduleConfig::Update::Step;
  dataset::Batch batch;
  while (session.loader.next(batch)) {
    const auto n = static_cast<std::int64_t>(batch.size);
    if (per_step)
      session.set_learning_rate(scheduled_learning_rate(protocol.schedule, session.peak_learning_rate, epoch,
                                                        protocol.epochs, batch_number,
                                                        session.loader.batches_per_epoch()));
    const torch::Tensor input = session.placement.images(batch.images.data(), n, session.train_transform);
    const torch::Tensor target = session.placement.labels(batch.labels.data(), n);
    const StepOutput step = training_step(session.model, session.optimizer, input, target);
    step_losses.push_back(step.loss);
    loss_sum += step.loss * static_cast<double>(n);
    seen += n;
    if (!std::isfinite(step.loss)) {
      result.status = RunStatus::Diverged;
      result.status_detail = "training loss became " + std::to_string(step.loss) + " at epoch " +
                             std::to_string(epoch) + ", batch " + std::to_string(batch_number) + "; stopped";
      break;
    }
    correct += step.correct;
    ++batch_number;
  }
  record.train_seconds = seconds_since(epoch_start);
  const std::size_t tail = std::min(step_losses.size(), static_cast<std::size_t>(scale::kRecordedTailSteps));
  result.final_step_losses.assign(step_losses.end() - static_cast<std::ptrdiff_t>(tail), step_losses.end());
  record.train_images = seen;
  record.train_loss = seen > 0 ? loss_sum / static_cast<double>(seen) : 0.0;
  record.train_accuracy = seen > 0 ? 100.0 * static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
  return record;
}

// Every evaluation split once, after an epoch (the mnist example's test()).
void evaluate_epoch(TrainingSession& session, const std::vector<EvaluationSet>& evaluations, EpochRecord& record) {
  const auto eval_start = Clock::now();
  for (const EvaluationSet& set : evaluations)
    record.evaluations[set.name] =
        evaluate(session.model, *set.images, session.eval_transform, session.protocol.data.eval_batch_size,
                 session.protocol.data.loader_workers, session.placement);
  record.eval_seconds = seconds_since(eval_start);
}

// A cell whose output does not depend on its input is not trained: it scores
// chance on every split.
void record_untrained(TrainResult& result, const NetworkSpec& spec, const std::vector<EvaluationSet>& evaluations) {
  result.status = RunStatus::Disconnected;
  result.status_detail = "no input-to-output path: the output does not depend on the input; not trained";
  result.final_metrics["train"] = chance(spec.num_classes, 0);
  for (const EvaluationSet& set : evaluations)
    result.final_metrics[set.name] = chance(spec.num_classes, static_cast<std::int64_t>(set.images->size()));
}

struct RunOptions {
  bool evaluate = true;
};

TrainResult run(const TrainRequest& request, const dataset::BenchmarkData& data, const RunOptions& options) {
  const auto wall_start = Clock::now();
  const Protocol& protocol = request.protocol;
  const NetworkSpec spec = network_spec(protocol, data.train);
  TrainResult result = describe_run(request, data, spec);
  std::vector<EvaluationSet> evaluations;
  if (options.evaluate) evaluations = evaluation_sets(protocol, data);
  record_data_and_config(result, request, data, spec, evaluations);

  if (cell::is_disconnected(request.graph)) {
    record_untrained(result, spec, evaluations);
    result.wall_seconds = seconds_since(wall_start);
    return result;
  }

  TrainingSession session(request, data, spec, result.learning_rate);
  std::int64_t trained_images = 0;
  for (int epoch = 0; epoch < protocol.epochs && result.status == RunStatus::Ok; ++epoch) {
    EpochRecord record = train_epoch(session, epoch, result);
    trained_images += record.train_images;
    result.train_seconds += record.train_seconds;
    const bool last = epoch + 1 == protocol.epochs || result.status != RunStatus::Ok;
    if (!evaluations.empty() && (last || (epoch + 1) % protocol.data.eval_every == 0))
      evaluate_epoch(session, evaluations, record);
    result.history.push_back(record);
    if (request.on_epoch) request.on_epoch(result.history.back(), protocol.epochs);
  }

  const EpochRecord& final_epoch = result.history.back();
  result.final_metrics["train"] =
      SplitMetrics{final_epoch.train_loss, final_epoch.train_accuracy, final_epoch.train_images};
  for (const auto& [name, metrics] : final_epoch.evaluations) result.final_metrics[name] = metrics;
  result.images_per_second =
      result.train_seconds > 0 ? static_cast<double>(trained_images) / result.train_seconds : 0.0;
  result.wall_seconds = seconds_since(wall_start);
  return result;
}

}  // namespace

constexpr EnumNames<Device, 3> kDeviceNames{{{{Device::Auto, "auto"}, {Device::Cpu, "cpu"}, {Device::Cuda, "cuda"}}}};

std::string_view device_name(Device device) { return kDeviceNames.name(device, "auto"); }

Device parse_device(std::string_view name) { return kDeviceNames.parse(name, "device"); }

dataset::BenchmarkData load_training_data(const std::string& dataset_key, const std::string& data_dir,
                                          const Protocol& protocol) {
  dataset::DataConfig config;
  config.data_dir = data_dir;
  config.holdout = static_cast<std::size_t>(protocol.data.holdout);
  return dataset::load_benchmark_data(dataset_key, config);
}

NetworkSpec network_spec(const Protocol& protocol, const dataset::ImageDataset& train) {
  NetworkSpec spec;
  spec.channels = protocol.network.channels;
  spec.cells_per_stage = protocol.network.cells_per_stage;
  spec.dag_kind = protocol.network.dag_network;
  spec.kernel_size = protocol.network.kernel_size;
  spec.input_channels = train.channels;
  spec.input_height = train.height;
  spec.input_width = train.width;
  spec.num_classes = train.num_classes;
  return spec;
}

ResolvedLearningRate resolve_learning_rate(const cell::CellGraph& graph, const Protocol& protocol,
                                           const NetworkSpec& spec, const std::string& dataset_key) {
  const LearningRateRule& rule = protocol.learning_rate;
  if (rule.kind == LearningRateRule::Kind::Fixed) return {rule.fixed, nullptr};
  scale::ScalerOptions options;
  options.convention = rule.convention;
  options.degree = rule.degree;
  nlohmann::json details;
  if (rule.base_lr) {
    options.base_lr = *rule.base_lr;
    details["base_lr_source"] = "protocol";
    details["base_lr_note"] = uncalibrated_base_note(protocol, dataset_key);
  } else {
    const std::filesystem::path path = calibration_path(protocol);
    const scale::Calibration calibration = scale::read_calibration(path);
    if (!calibration.dataset.empty() && calibration.dataset != dataset_key)
      throw InputError("protocol '" + protocol.name + "': calibration '" + path.string() + "' was made on dataset '" +
                       calibration.dataset + "', not on '" + dataset_key + "'");
    options.base_lr = calibration.base_lr;
    details["base_lr_source"] = path.string();
    details["calibration"] = scale::calibration_summary(calibration);
  }
  options = scaler_options_for(graph, spec, options);
  const scale::LearningRateResult scaled = scale::learning_rate(graph, options);
  details["base_lr"] = options.base_lr;
  details["convention"] = std::string(scale::convention_name(scaled.convention));
  details["degree"] = std::string(scale::degree_name(options.degree));
  details["status"] = std::string(scale::status_name(scaled.status));
  details["path_depths"] = scaled.path_depths;
  details["base_depths"] = scaled.base_depths;
  details["sum_cubed_depths"] = scaled.sum_cubed_depths;
  details["kernel_factor"] = scaled.kernel_factor;
  if (scaled.status == scale::ScaleStatus::NoParameterizedPath)
    throw InputError("architecture " + cell::to_dag_code(graph).value_or(cell::to_arch_string(graph).value_or("?")) +
                     ": no path carries a parameterized edge, so convention '" +
                     std::string(scale::convention_name(scaled.convention)) + "' gives it no learning rate");
  return {scaled.learning_rate, details};
}

TrainResult train(const TrainRequest& request, const dataset::BenchmarkData& data) {
  return run(request, data, RunOptions{true});
}

std::string calibration_architecture(cell::Space space, scale::DepthConvention convention) {
  if (space == cell::Space::Nb201)
    return convention == scale::DepthConvention::ReluCount ? "compact:0_00_300" : "compact:1_01_001";
  return convention == scale::DepthConvention::ReluCount ? "dag:2" : "dag:1";
}

scale::Calibration calibrate(const CalibrationRequest& request, const dataset::BenchmarkData& data) {
  const std::vector<double> grid = validate_rate_grid(request.grid, 3, "calibration grid");
  if (!(request.tolerance >= 0.0) || !std::isfinite(request.tolerance))
    throw InputError("calibration tolerance " + std::to_string(request.tolerance) + ": must be >= 0");
  if (request.seeds.empty()) throw InputError("calibration: no seed given");
  scale::LossChoice last_steps = request.loss;
  last_steps.kind = scale::LossChoice::Kind::LastSteps;
  scale::run_loss(last_steps, 0.0, {0.0});  // validates the step count before any training

  TrainRequest train_request;
  train_request.architecture = request.base_architecture;
  train_request.graph = cell::parse_encoding(request.base_architecture);
  if (cell::is_disconnected(train_request.graph))
    throw InputError("calibration base architecture '" + request.base_architecture + "' is disconnected");
  train_request.runtime = request.runtime;

  scale::Calibration calibration;
  calibration.dataset = data.key;
  calibration.protocol = request.protocol.name;
  calibration.base_architecture = request.base_architecture;
  calibration.seeds = request.seeds;
  calibration.loss = request.loss;
  calibration.tolerance = request.tolerance;
  calibration.tool_version = version();
  for (double rate : grid) {
    scale::CalibrationPoint point;
    point.rate = rate;
    train_request.protocol = rate_point_protocol(request.protocol, rate, 1, "calibrate:" + request.protocol.name);
    for (std::uint64_t seed : request.seeds) {
      train_request.seed = seed;
      const TrainResult result = run(train_request, data, RunOptions{false});
      point.epoch_mean.push_back(run_loss(result, scale::LossChoice{}));
      point.last_steps.push_back(run_loss(result, last_steps));
      point.diverged.push_back(result.status != RunStatus::Ok);
      if (request.on_run)
        request.on_run(rate, seed,
                       request.loss.kind == scale::LossChoice::Kind::EpochMean ? point.epoch_mean.back()
                                                                               : point.last_steps.back());
    }
    calibration.curve.push_back(std::move(point));
  }
  const scale::MaxRateEstimate estimate =
      scale::estimate_max_rate(scale::calibration_curve(calibration, request.loss), request.tolerance);
  if (!estimate.found) throw InputError("calibration: every learning rate of the grid diverged");
  calibration.base_lr = estimate.rate;
  calibration.interpolated_lr = estimate.interpolated;
  calibration.edge = estimate.edge;
  return calibration;
}

StepBenchmark benchmark_training_steps(const cell::CellGraph& graph, const NetworkSpec& spec, const Protocol& protocol,
                                       int warmup, int steps, int repeats, std::uint64_t seed,
                                       const RuntimeOptions& runtime) {
  if (steps < 1 || warmup < 0 || repeats < 1)
    throw InputError("benchmark steps and repeats must be >= 1 and warm-up steps >= 0");
  Network network(graph, spec, seed, runtime.edges, runtime.fusion);
  detail::Model& model = *network.impl().model;
  const Placement placement = place(model, runtime);
  model.train();
  const double peak = protocol.learning_rate.kind == LearningRateRule::Kind::Fixed
                          ? protocol.learning_rate.fixed
                          : protocol.learning_rate.base_lr.value_or(0.1);
  torch::optim::SGD optimizer = make_optimizer(model, protocol.optimizer, peak);
  auto generator = at::detail::createCPUGenerator(seed);
  const std::int64_t batch = protocol.batch_size;
  const torch::Tensor input =
      torch::randn({batch, spec.input_channels, spec.input_height, spec.input_width}, generator, torch::kFloat)
          .to(placement.device)
          .contiguous(placement.format);
  const torch::Tensor target = torch::randint(spec.num_classes, {batch}, generator, torch::kLong).to(placement.device);
  StepBenchmark out;
  out.steps = steps;
  out.images = batch * steps;
  out.seconds = std::numeric_limits<double>::infinity();
  for (int k = 0; k < warmup; ++k) training_step(model, optimizer, input, target);
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    const std::clock_t cpu_start = std::clock();
    for (int k = 0; k < steps; ++k) out.last_loss = training_step(model, optimizer, input, target).loss;
    const double seconds = seconds_since(start);
    if (seconds < out.seconds) {
      out.seconds = seconds;
      out.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    }
  }
  out.images_per_second = static_cast<double>(out.images) / out.seconds;
  return out;
}

double measure_sgemm_gflops(int size, int repeats) {
  if (size < 1 || repeats < 1) throw InputError("sgemm size and repeats must be >= 1");
  auto generator = at::detail::createCPUGenerator(1);
  const torch::Tensor a = torch::randn({size, size}, generator, torch::kFloat);
  const torch::Tensor b = torch::randn({size, size}, generator, torch::kFloat);
  torch::Tensor c = torch::mm(a, b);
  double best = std::numeric_limits<double>::infinity();
  for (int k = 0; k < repeats; ++k) {
    const auto start = Clock::now();
    torch::mm_out(c, a, b);
    best = std::min(best, seconds_since(start));
  }
  return 2.0 * size * static_cast<double>(size) * size / best / 1e9;
}

}  // namespace nasrank::train
