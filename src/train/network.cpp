// LibTorch modules of the NAS-Bench-201 TinyNetwork and the generic DAG
// networks, and the torch-free Network handle around them.
#include "torch_network.h"

#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

namespace nasrank::train {
namespace detail {
namespace {

torch::nn::Conv2d make_conv(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel,
                            std::int64_t stride) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in_channels, out_channels, kernel).stride(stride).padding(kernel / 2).bias(false));
}

int kernel_of(cell::Op op) { return op == cell::Op::Conv1x1 ? 1 : 3; }

bool is_nb201_conv(cell::Op op) { return op == cell::Op::Conv1x1 || op == cell::Op::Conv3x3; }

// Adds `term` into the running sum of a vertex.
void accumulate(torch::Tensor& sum, const torch::Tensor& term) { sum = sum.defined() ? sum + term : term; }

}  // namespace

ConvBn::ConvBn(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel, std::int64_t stride) {
  conv = register_module("conv", make_conv(in_channels, out_channels, kernel, stride));
  // PyTorch's defaults (momentum 0.1, eps 1e-5, affine, running stats), as the benchmark.
  bn = register_module("bn", torch::nn::BatchNorm2d(out_channels));
}

std::vector<BuiltEdge> built_edges(const cell::CellGraph& graph, EdgeBuild build) {
  const std::vector<cell::Edge> edges = graph.edges();
  const std::vector<cell::EdgeEffect> effects = cell::edge_effects(graph);
  std::vector<BuiltEdge> out;
  for (std::size_t k = 0; k < edges.size(); ++k) {
    if (build == EdgeBuild::Pruned && effects[k] == cell::EdgeEffect::NoEffect) continue;
    out.push_back({edges[k], build == EdgeBuild::Pruned && effects[k] == cell::EdgeEffect::ConstantFromZero});
  }
  return out;
}

FusedConvBn::FusedConvBn(std::vector<std::shared_ptr<ConvBn>> members, std::int64_t kernel)
    : members_(std::move(members)), kernel_(kernel) {}

std::vector<torch::Tensor> FusedConvBn::forward(const torch::Tensor& relu_input, bool training) const {
  std::vector<torch::Tensor> weights, gammas, betas, means, variances;
  for (const auto& member : members_) {
    weights.push_back(member->conv->weight);
    gammas.push_back(member->bn->weight);
    betas.push_back(member->bn->bias);
    means.push_back(member->bn->running_mean);
    variances.push_back(member->bn->running_var);
  }
  const torch::nn::BatchNormOptions& options = members_.front()->bn->options;
  const std::int64_t channels = members_.front()->conv->options.out_channels();
  const torch::Tensor output = torch::conv2d(relu_input, torch::cat(weights, 0), {}, 1, kernel_ / 2);
  // batch_norm updates the statistics it is given in place: the
  // concatenation's, copied back into each edge's buffers below.
  const torch::Tensor mean = torch::cat(means, 0);
  const torch::Tensor variance = torch::cat(variances, 0);
  const torch::Tensor normalized =
      torch::batch_norm(output, torch::cat(gammas, 0), torch::cat(betas, 0), mean, variance, training,
                        options.momentum().value(), options.eps(), at::globalContext().userEnabledCuDNN());
  if (training) {
    torch::NoGradGuard no_grad;
    for (std::size_t k = 0; k < members_.size(); ++k) {
      torch::nn::BatchNorm2dImpl& bn = *members_[k]->bn;
      const auto offset = static_cast<std::int64_t>(k) * channels;
      bn.running_mean.copy_(mean.narrow(0, offset, channels));
      bn.running_var.copy_(variance.narrow(0, offset, channels));
      bn.num_batches_tracked += 1;  // as BatchNorm2d's own forward counts
    }
  }
  // One backward node for all k terms: their gradients are concatenated,
  // not each padded with zeros to k*C channels and summed.
  return normalized.split(channels, 1);
}

Nb201Cell::Nb201Cell(const cell::CellGraph& graph, std::int64_t channels, EdgeBuild build, ConvFusion fusion)
    : num_vertices_(graph.num_vertices()) {
  for (const auto& [edge, from_zero] : built_edges(graph, build)) {
    CellEdge built{edge.from, edge.to, edge.op, from_zero, nullptr, nullptr, nullptr};
    if (is_nb201_conv(edge.op))
      built.conv_bn = register_module(edge_module_name(edge.from, edge.to),
                                      std::make_shared<ConvBn>(channels, channels, kernel_of(edge.op), 1));
    edges_.push_back(std::move(built));
  }
  if (fusion != ConvFusion::Fused) {
    // The edges in the benchmark's order: by target vertex, then source.
    for (std::size_t k = 0; k < edges_.size(); ++k) steps_.push_back(Step{k, -1, {}});
    return;
  }
  // By source vertex, so that every edge out of a vertex runs at once; each
  // vertex still sums its terms in the same order (by source vertex).
  std::vector<std::size_t> order(edges_.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(),
                   [this](std::size_t a, std::size_t b) { return edges_[a].from < edges_[b].from; });
  std::vector<bool> placed(edges_.size(), false);
  for (std::size_t position = 0; position < order.size(); ++position) {
    const std::size_t k = order[position];
    if (placed[k]) continue;
    placed[k] = true;
    const CellEdge& edge = edges_[k];
    std::vector<std::size_t> members{k};
    if (edge.conv_bn && !edge.from_zero)
      for (std::size_t later = position + 1; later < order.size(); ++later) {
        const CellEdge& other = edges_[order[later]];
        if (other.from == edge.from && other.op == edge.op && other.conv_bn && !other.from_zero) {
          members.push_back(order[later]);
          placed[order[later]] = true;
        }
      }
    if (members.size() == 1) {
      steps_.push_back(Step{k, -1, {}});
      continue;
    }
    std::vector<std::shared_ptr<ConvBn>> modules;
    for (std::size_t m : members) modules.push_back(edges_[m].conv_bn);
    groups_.emplace_back(std::move(modules), kernel_of(edge.op));
    steps_.push_back(Step{k, static_cast<int>(groups_.size() - 1), std::move(members)});
  }
}

std::vector<std::string> Nb201Cell::fused_groups() const {
  std::vector<std::string> out;
  for (const Step& step : steps_) {
    if (step.group < 0) continue;
    std::string line;
    for (std::size_t m : step.members)
      line += (line.empty() ? "" : "+") + edge_module_name(edges_[m].from, edges_[m].to);
    const int kernel = kernel_of(edges_[step.edge].op);
    out.push_back(line + " (" + std::to_string(kernel) + "x" + std::to_string(kernel) + ")");
  }
  return out;
}

torch::Tensor Nb201Cell::edge_term(const CellEdge& edge, const torch::Tensor& input,
                                   std::array<torch::Tensor, cell::kNb201Vertices>& vertex,
                                   std::array<torch::Tensor, cell::kNb201Vertices>& relu_of) {
  if (edge.from_zero) {
    // ReLU(0) -> conv -> BatchNorm is exactly BN's bias, in training (the
    // batch has mean 0 and variance 0) and in evaluation (the running mean
    // of zeros stays 0): add the bias alone, with the same gradient.
    const torch::Tensor& beta = edge.conv_bn->bn->bias;
    return beta.view({1, -1, 1, 1}).expand(input.sizes());
  }
  const torch::Tensor& source = vertex[static_cast<std::size_t>(edge.from)];
  switch (edge.op) {
    case cell::Op::None:
      return source * 0.0;
    case cell::Op::Skip:
      return source;
    case cell::Op::AvgPool3x3:
      return torch::avg_pool2d(source, 3, 1, 1, /*ceil_mode=*/false, /*count_include_pad=*/false);
    case cell::Op::Conv1x1:
    case cell::Op::Conv3x3: {
      torch::Tensor& relu = relu_of[static_cast<std::size_t>(edge.from)];
      if (!relu.defined()) relu = torch::relu(source);
      return edge.conv_bn->forward(relu);
    }
    case cell::Op::Linear:
      break;
  }
  NASRANK_CHECK(false, "linear edge in a NAS-Bench-201 cell");
  return {};
}

torch::Tensor Nb201Cell::forward(const torch::Tensor& input) {
  std::array<torch::Tensor, cell::kNb201Vertices> vertex;
  std::array<torch::Tensor, cell::kNb201Vertices> relu_of;
  NASRANK_CHECK(num_vertices_ <= cell::kNb201Vertices, "NAS-Bench-201 cells have 4 vertices");
  vertex[0] = input;
  for (const Step& step : steps_) {
    if (step.group < 0) {
      const CellEdge& edge = edges_[step.edge];
      accumulate(vertex[static_cast<std::size_t>(edge.to)], edge_term(edge, input, vertex, relu_of));
      continue;
    }
    const auto from = static_cast<std::size_t>(edges_[step.edge].from);
    torch::Tensor& relu = relu_of[from];
    if (!relu.defined()) relu = torch::relu(vertex[from]);
    const std::vector<torch::Tensor> terms = groups_[static_cast<std::size_t>(step.group)].forward(relu, is_training());
    for (std::size_t m = 0; m < step.members.size(); ++m)
      accumulate(vertex[static_cast<std::size_t>(edges_[step.members[m]].to)], terms[m]);
  }
  const torch::Tensor& output = vertex[static_cast<std::size_t>(num_vertices_ - 1)];
  // A disconnected cell's output is zero whatever the input.
  return output.defined() ? output : input * 0.0;
}

BasicBlock::BasicBlock(std::int64_t in_channels, std::int64_t out_channels) {
  conv_a_ = register_module("conv_a", std::make_shared<ConvBn>(in_channels, out_channels, 3, 2));
  conv_b_ = register_module("conv_b", std::make_shared<ConvBn>(out_channels, out_channels, 3, 1));
  auto shortcut = register_module("shortcut", std::make_shared<torch::nn::Module>());
  shortcut_conv_ = shortcut->register_module("conv", make_conv(in_channels, out_channels, 1, 1));
  shortcut_pool_ = torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(2));
}

torch::Tensor BasicBlock::forward(const torch::Tensor& input) {
  const torch::Tensor residual = conv_b_->forward(torch::relu(conv_a_->forward(torch::relu(input))));
  return shortcut_conv_->forward(shortcut_pool_->forward(input)) + residual;
}

TinyNetwork::TinyNetwork(const cell::CellGraph& graph, const NetworkSpec& spec, EdgeBuild build, ConvFusion fusion) {
  const std::int64_t c = spec.channels;
  if (fusion == ConvFusion::Auto)
    fusion = spec.channels <= kAutoFusionMaxChannels ? ConvFusion::Fused : ConvFusion::Separate;
  auto stem = std::make_shared<ConvBn>(spec.input_channels, c, 3, 1);
  stem_ = register_module("stem", stem);
  auto cells = register_module("cells", std::make_shared<torch::nn::Module>());
  std::int64_t channels = c;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      blocks_.push_back(std::make_shared<BasicBlock>(channels, 2 * channels));
      channels *= 2;
    }
    for (int k = 0; k < spec.cells_per_stage; ++k)
      blocks_.push_back(std::make_shared<Nb201Cell>(graph, channels, build, fusion));
  }
  for (std::size_t k = 0; k < blocks_.size(); ++k) cells->register_module(std::to_string(k), blocks_[k]);
  head_bn_ = register_module("head_bn", torch::nn::BatchNorm2d(channels));
  classifier_ = register_module("classifier", torch::nn::Linear(channels, spec.num_classes));
}

std::vector<std::string> TinyNetwork::fused_groups() const {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < blocks_.size(); ++k)
    if (const auto* cell = dynamic_cast<const Nb201Cell*>(blocks_[k].get()))
      for (const std::string& group : cell->fused_groups()) out.push_back("cells." + std::to_string(k) + ": " + group);
  return out;
}

torch::Tensor TinyNetwork::forward(const torch::Tensor& images) {
  torch::Tensor x = stem_->forward(images);
  for (const auto& block : blocks_) x = block->forward(x);
  x = torch::relu(head_bn_->forward(x));
  return classifier_->forward(x.mean({2, 3}));
}

DagNetwork::DagNetwork(const cell::CellGraph& graph, const NetworkSpec& spec, EdgeBuild build)
    : convolutional_(spec.dag_kind == DagNetworkKind::Cnn), num_vertices_(graph.num_vertices()) {
  // The reference's Block: Linear (or Conv, stride 1, same padding) with a
  // bias, then ReLU; used for the stem and every parameterized edge.
  const std::int64_t width = spec.channels;
  const std::int64_t q = spec.kernel_size;
  auto conv_block = [&](std::int64_t in) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, width, q).stride(1).padding(q / 2).bias(true));
  };
  if (convolutional_) {
    stem_conv_ = register_module("stem", conv_block(spec.input_channels));
  } else {
    const std::int64_t in_features = std::int64_t{spec.input_channels} * spec.input_height * spec.input_width;
    stem_linear_ = register_module("stem", torch::nn::Linear(torch::nn::LinearOptions(in_features, width).bias(true)));
  }
  for (const auto& [edge, from_zero] : built_edges(graph, build)) {
    CellEdge built{edge.from, edge.to, edge.op, from_zero, nullptr, nullptr, nullptr};
    if (cell::is_parameterized(edge.op)) {
      const std::string name = edge_module_name(edge.from, edge.to);
      if (convolutional_)
        built.conv = register_module(name, conv_block(width));
      else
        built.linear = register_module(name, torch::nn::Linear(torch::nn::LinearOptions(width, width).bias(true)));
    }
    edges_.push_back(std::move(built));
  }
  readout_ = register_module("readout", torch::nn::Linear(width, spec.num_classes));
}

torch::Tensor DagNetwork::forward(const torch::Tensor& images) {
  std::vector<torch::Tensor> vertex(static_cast<std::size_t>(num_vertices_));
  vertex[0] = torch::relu(convolutional_ ? stem_conv_->forward(images) : stem_linear_->forward(images.flatten(1)));
  for (const CellEdge& edge : edges_) {
    const torch::Tensor& source = vertex[static_cast<std::size_t>(edge.from)];
    if (edge.from_zero) {
      // A block over an identically zero vertex gives ReLU(bias) at every
      // position (a conv's zero padding included): the bias broadcast, with
      // the same gradient, instead of a pass over a tensor of zeros. The
      // weight multiplies only zeros; its gradient is exactly zero.
      const torch::Tensor& bias = convolutional_ ? edge.conv->bias : edge.linear->bias;
      const torch::Tensor relu_bias = torch::relu(bias);
      accumulate(vertex[static_cast<std::size_t>(edge.to)],
                 (convolutional_ ? relu_bias.view({1, -1, 1, 1}) : relu_bias.view({1, -1})).expand(vertex[0].sizes()));
      continue;
    }
    torch::Tensor term;
    if (edge.op == cell::Op::None) {
      term = source * 0.0;
    } else if (edge.op == cell::Op::Skip) {
      term = source;
    } else {
      term = torch::relu(convolutional_ ? edge.conv->forward(source) : edge.linear->forward(source));
    }
    accumulate(vertex[static_cast<std::size_t>(edge.to)], term);
  }
  torch::Tensor output = vertex.back();
  if (!output.defined()) output = vertex[0] * 0.0;
  if (convolutional_) output = output.mean({2, 3});
  return readout_->forward(output);
}

std::shared_ptr<Model> build_model(const cell::CellGraph& graph, const NetworkSpec& spec, EdgeBuild build,
                                   ConvFusion fusion, std::uint64_t seed) {
  validate(spec, graph.space());
  torch::manual_seed(seed);
  if (graph.space() == cell::Space::Nb201) return std::make_shared<TinyNetwork>(graph, spec, build, fusion);
  return std::make_shared<DagNetwork>(graph, spec, build);
}

void use_channels_last(Model& model) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : model.parameters())
    if (parameter.dim() == 4) parameter.set_data(parameter.contiguous(torch::MemoryFormat::ChannelsLast));
}

namespace {

// Every random draw is keyed by the parameter's name, so two builds of one
// graph (pruned or with every edge) give every parameter they share the same
// values, whatever else each build holds.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

at::Generator parameter_generator(std::uint64_t seed, const std::string& name) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : name) hash = (hash ^ c) * 0x100000001b3ULL;
  return at::detail::createCPUGenerator(splitmix64(splitmix64(seed) ^ hash));
}

// PyTorch's default initialization (what the benchmark trained with): conv
// and linear weights kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)), biases U over the same bound; BatchNorm weight 1, bias 0.
void reset_to_defaults(torch::nn::Module& model, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    torch::nn::Module* module = item.value().get();
    const std::string& prefix = item.key();
    torch::Tensor weight;
    torch::Tensor bias;
    if (auto* conv = dynamic_cast<torch::nn::Conv2dImpl*>(module)) {
      weight = conv->weight;
      bias = conv->bias;
    } else if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(module)) {
      weight = linear->weight;
      bias = linear->bias;
    } else if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(module)) {
      bn->reset_parameters();
      continue;
    } else {
      continue;
    }
    const double bound = 1.0 / std::sqrt(static_cast<double>(weight.numel() / weight.size(0)));
    weight.uniform_(-bound, bound, parameter_generator(seed, prefix + ".weight"));
    if (bias.defined()) bias.uniform_(-bound, bound, parameter_generator(seed, prefix + ".bias"));
  }
}

// Names of the BatchNorm affine parameters ("<module>.weight" / ".bias").
std::set<std::string> batch_norm_parameter_names(torch::nn::Module& model) {
  std::set<std::string> names;
  for (const auto& item : model.named_modules("", /*include_self=*/false))
    if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(item.value().get())) {
      names.insert(item.key() + ".weight");
      names.insert(item.key() + ".bias");
    }
  return names;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<float> to_vector(const torch::Tensor& tensor) {
  const torch::Tensor flat = tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
  return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
}

}  // namespace
}  // namespace detail

Network::Network(const cell::CellGraph& graph, const NetworkSpec& spec, std::uint64_t seed, EdgeBuild build,
                 ConvFusion fusion)
    : impl_(std::make_unique<detail::NetworkImpl>(
          detail::NetworkImpl{graph, spec, build, fusion, cell::is_disconnected(graph), nullptr})) {
  impl_->model = detail::build_model(graph, spec, build, fusion, seed);
  detail::reset_to_defaults(*impl_->model, seed);
}

Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

const NetworkSpec& Network::spec() const { return impl_->spec; }
bool Network::disconnected() const { return impl_->disconnected; }
detail::NetworkImpl& Network::impl() { return *impl_; }
const detail::NetworkImpl& Network::impl() const { return *impl_; }

std::vector<std::string> Network::fused_convolutions() const {
  if (const auto* tiny = dynamic_cast<const detail::TinyNetwork*>(impl_->model.get())) return tiny->fused_groups();
  return {};
}

std::vector<ParameterInfo> Network::parameters() const {
  std::vector<ParameterInfo> out;
  for (const auto& item : impl_->model->named_parameters(/*recurse=*/true)) {
    const torch::Tensor& value = item.value();
    out.push_back(ParameterInfo{item.key(), value.sizes().vec(), value.numel()});
  }
  return out;
}

std::int64_t Network::parameter_count() const {
  std::int64_t total = 0;
  for (const auto& item : impl_->model->named_parameters(/*recurse=*/true)) total += item.value().numel();
  return total;
}

std::vector<scale::LayerInit> Network::initialize(Initialization init, const scale::ScalerOptions& options,
                                                  std::uint64_t seed) {
  detail::Model& model = *impl_->model;
  if (init == Initialization::Benchmark) {
    detail::reset_to_defaults(model, seed);
    return {};
  }
  const scale::ScalerOptions scaler = scaler_options_for(impl_->graph, impl_->spec, options);
  std::vector<scale::LayerInit> table =
      scale::layer_init_table(impl_->graph, network_shape(impl_->graph, impl_->spec), scaler);
  torch::NoGradGuard no_grad;
  auto parameters = model.named_parameters(/*recurse=*/true);
  std::set<std::string> drawn;
  for (const scale::LayerInit& row : table) {
    torch::Tensor* parameter = parameters.find(row.name);
    if (parameter == nullptr) {
      // The table names every weight of the benchmark's network; a build
      // leaves out only edges that cannot change the output.
      NASRANK_CHECK(impl_->build == EdgeBuild::Pruned && !row.computed,
                    "the scaler names '" + row.name + "', which the network does not have");
      continue;
    }
    NASRANK_CHECK(parameter->sizes().vec() == row.shape,
                  "the scaler's shape of '" + row.name + "' differs from the network's");
    parameter->normal_(0.0, row.stddev, detail::parameter_generator(seed, row.name));
    drawn.insert(row.name);
  }
  const std::set<std::string> batch_norm = detail::batch_norm_parameter_names(model);
  for (auto& item : parameters) {
    const std::string& name = item.key();
    if (drawn.count(name)) continue;
    if (batch_norm.count(name)) {
      item.value().fill_(detail::ends_with(name, ".weight") ? 1.0 : 0.0);
    } else {
      NASRANK_CHECK(detail::ends_with(name, ".bias"), "weight '" + name + "' is not named by the scaler's init table");
      item.value().zero_();
    }
  }
  for (const auto& module : model.modules(/*include_self=*/false))
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(module.get())) bn->reset_running_stats();
  return table;
}

void Network::copy_parameters_from(const Network& source) {
  torch::NoGradGuard no_grad;
  auto copy_all = [](torch::OrderedDict<std::string, torch::Tensor> to,
                     const torch::OrderedDict<std::string, torch::Tensor>& from) {
    for (auto& item : to) {
      const torch::Tensor* value = from.find(item.key());
      if (value == nullptr) throw InputError("copying network weights: the source has no '" + item.key() + "'");
      if (value->sizes() != item.value().sizes())
        throw InputError("copying network weights: '" + item.key() + "' has a different shape in the source");
      item.value().copy_(*value);
    }
  };
  copy_all(impl_->model->named_parameters(true), source.impl_->model->named_parameters(true));
  copy_all(impl_->model->named_buffers(true), source.impl_->model->named_buffers(true));
}

std::vector<float> Network::parameter_values(const std::string& name) const {
  const auto parameters = impl_->model->named_parameters(true);
  const torch::Tensor* value = parameters.find(name);
  if (value == nullptr) throw InputError("network parameter '" + name + "' does not exist");
  return detail::to_vector(*value);
}

std::vector<float> Network::buffer_values(const std::string& name) const {
  const auto buffers = impl_->model->named_buffers(true);
  const torch::Tensor* value = buffers.find(name);
  if (value == nullptr) throw InputError("network buffer '" + name + "' does not exist");
  return detail::to_vector(*value);
}

ForwardBackward Network::forward_backward(const float* images, const std::int64_t* labels, std::int64_t batch) {
  const NetworkSpec& s = impl_->spec;
  detail::Model& model = *impl_->model;
  model.train();
  model.zero_grad();
  const torch::Tensor input = torch::from_blob(const_cast<float*>(images),
                                               {batch, s.input_channels, s.input_height, s.input_width}, torch::kFloat)
                                  .clone();
  const torch::Tensor target = torch::from_blob(const_cast<std::int64_t*>(labels), {batch}, torch::kLong).clone();
  const torch::Tensor logits = model.forward(input);
  const torch::Tensor loss = torch::cross_entropy_loss(logits, target);
  loss.backward();
  ForwardBackward out;
  out.logits = detail::to_vector(logits);
  out.loss = loss.item<double>();
  for (const auto& item : model.named_parameters(true)) {
    const torch::Tensor& grad = item.value().grad();
    out.gradients[item.key()] =
        grad.defined() ? detail::to_vector(grad) : std::vector<float>(item.value().numel(), 0.0f);
  }
  return out;
}

}  // namespace nasrank::train
