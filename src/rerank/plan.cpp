#include "nasrank/rerank/plan.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/cell/space.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <unordered_map>

namespace nasrank::rerank {
namespace {

PlannedArchitecture describe(cell::CellGraph graph) {
  PlannedArchitecture a;
  const auto index = cell::to_benchmark_index(graph);
  a.benchmark_index = index.value_or(-1);
  a.encoding = index ? *cell::to_arch_string(graph) : "dag:" + cell::to_dag_code(graph).value_or("");
  a.unique_string = cell::unique_string(graph, true);
  a.disconnected = cell::is_disconnected(graph);
  if (index) a.represents = {*index};
  a.graph = std::move(graph);
  return a;
}

std::vector<PlannedArchitecture> candidates(const ArchitectureSelection& s) {
  std::vector<PlannedArchitecture> out;
  if (!s.explicit_list.empty()) {
    for (const std::string& text : s.explicit_list) {
      cell::CellGraph graph = cell::parse_encoding(text);
      if (std::string(cell::space_name(graph.space())) != s.space)
        throw InputError("architecture '" + text + "' is in space " + std::string(cell::space_name(graph.space())) +
                         ", not in the selected space " + s.space);
      if (graph.space() == cell::Space::Dag && !cell::to_dag_code(graph))
        throw InputError("architecture '" + text + "' has no DAG code");
      out.push_back(describe(std::move(graph)));
    }
    return out;
  }
  if (s.space == "nb201") {
    out.reserve(cell::kNb201SpaceSize);
    for (int index = 0; index < cell::kNb201SpaceSize; ++index)
      out.push_back(describe(cell::from_benchmark_index(index)));
  } else if (s.space == "dag") {
    cell::for_each_dag(s.dag_vertices, [&](const cell::CellGraph& g) {
      out.push_back(describe(g));
      return true;
    });
  } else {
    throw InputError("space '" + s.space + "' is unknown (expected nb201 or dag)");
  }
  return out;
}

// Uniform in [0, bound) by rejection; spelled out so that samples do not
// depend on the standard library's distribution implementation.
std::uint64_t uniform_below(std::mt19937_64& engine, std::uint64_t bound) {
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t draw = engine();
  while (draw >= limit) draw = engine();
  return draw % bound;
}

}  // namespace

std::vector<PlannedArchitecture> select_architectures(const ArchitectureSelection& selection) {
  std::vector<PlannedArchitecture> pool = candidates(selection);
  if (selection.unique) {
    std::vector<PlannedArchitecture> kept;
    std::unordered_map<std::string, std::size_t> class_of;
    for (auto& a : pool) {
      auto [it, inserted] =
          class_of.emplace(selection.benchmark_classes ? a.unique_string : cell::exact_class_key(a.graph), kept.size());
      if (inserted) {
        kept.push_back(std::move(a));
      } else if (a.benchmark_index >= 0) {
        kept[it->second].represents.push_back(a.benchmark_index);
      }
    }
    pool = std::move(kept);
  }
  if (selection.connected_only)
    pool.erase(std::remove_if(pool.begin(), pool.end(), [](const PlannedArchitecture& a) { return a.disconnected; }),
               pool.end());
  if (selection.sample) {
    if (*selection.sample == 0 || *selection.sample > pool.size())
      throw InputError("sample of " + std::to_string(*selection.sample) + " architectures: expected 1.." +
                       std::to_string(pool.size()) + " (the candidates after --unique and --connected)");
    // Partial Fisher-Yates: the first `sample` slots become the sample, then
    // restored to candidate order so runs stay in a stable, readable order.
    std::mt19937_64 engine(selection.sample_seed);
    std::vector<std::size_t> order(pool.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    for (std::size_t k = 0; k < *selection.sample; ++k)
      std::swap(order[k], order[k + uniform_below(engine, order.size() - k)]);
    order.resize(*selection.sample);
    std::sort(order.begin(), order.end());
    std::vector<PlannedArchitecture> sampled;
    for (std::size_t k : order) sampled.push_back(std::move(pool[k]));
    pool = std::move(sampled);
  }
  return pool;
}

std::vector<std::string> nb201_sample_across_conv_counts(std::size_t count, std::uint64_t seed) {
  if (count < 2 || count > 64)
    throw InputError("sample across conv counts of " + std::to_string(count) + " cells: expected 2..64");
  constexpr int kMaxConvs = 6;
  std::vector<std::vector<int>> by_convs(kMaxConvs + 1);
  for (int index = 0; index < cell::kNb201SpaceSize; ++index) {
    const cell::CellGraph graph = cell::from_benchmark_index(index);
    if (cell::is_disconnected(graph)) continue;
    const std::vector<cell::Edge> edges = graph.edges();
    const std::vector<cell::EdgeEffect> effects = cell::edge_effects(graph);
    int convs = 0;
    for (std::size_t k = 0; k < edges.size(); ++k)
      convs += cell::is_parameterized(edges[k].op) && effects[k] != cell::EdgeEffect::NoEffect ? 1 : 0;
    by_convs[static_cast<std::size_t>(convs)].push_back(index);
  }
  std::mt19937_64 engine(seed);
  std::vector<int> picked;
  for (std::size_t k = 0; k < count; ++k) {
    const auto stratum =
        static_cast<std::size_t>(std::lround(static_cast<double>(kMaxConvs * k) / static_cast<double>(count - 1)));
    std::vector<int>& members = by_convs[stratum];
    NASRANK_CHECK(!members.empty(), "every conv count 0..6 has connected cells");
    const std::size_t at = static_cast<std::size_t>(uniform_below(engine, members.size()));
    picked.push_back(members[at]);
    members.erase(members.begin() + static_cast<std::ptrdiff_t>(at));  // no cell twice
  }
  std::sort(picked.begin(), picked.end());
  std::vector<std::string> out;
  for (int index : picked) out.push_back(*cell::to_arch_string(cell::from_benchmark_index(index)));
  return out;
}

std::vector<std::string> read_architecture_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("architecture list '" + path + "': cannot open the file");
  std::vector<std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    const std::string text = line.substr(first, last - first + 1);
    try {
      cell::parse_encoding(text);
    } catch (const InputError& e) {
      throw InputError("architecture list '" + path + "' line " + std::to_string(number) + ": " + e.what());
    }
    out.push_back(text);
  }
  if (out.empty()) throw InputError("architecture list '" + path + "': no architectures in the file");
  return out;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  auto bad = [&]() -> Shard { throw InputError("shard '" + text + "': expected i/n with 0 <= i < n, e.g. 0/4"); };
  if (slash == std::string::npos) return bad();
  Shard shard;
  try {
    std::size_t used = 0;
    shard.index = std::stoi(text.substr(0, slash), &used);
    if (used != slash) return bad();
    const std::string count = text.substr(slash + 1);
    shard.count = std::stoi(count, &used);
    if (used != count.size()) return bad();
  } catch (const std::exception&) {
    return bad();
  }
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count) return bad();
  return shard;
}

std::vector<PlannedRun> plan_runs(std::size_t architectures, const std::vector<ProtocolPlan>& protocols,
                                  const Shard& shard) {
  NASRANK_CHECK(shard.count >= 1 && shard.index >= 0 && shard.index < shard.count, "invalid shard");
  std::vector<PlannedRun> runs;
  std::size_t position = 0;
  for (std::size_t a = 0; a < architectures; ++a)
    for (std::size_t p = 0; p < protocols.size(); ++p)
      for (std::uint64_t seed : protocols[p].seeds) {
        if (position++ % static_cast<std::size_t>(shard.count) == static_cast<std::size_t>(shard.index))
          runs.push_back({a, p, seed});
      }
  return runs;
}

}  // namespace nasrank::rerank
