#pragma once
// What a re-rank trains: which architectures (a whole space, one per
// isomorphism class, a seeded sample, or a list), under which protocols and
// seeds, split into disjoint shards for a cluster. Planning is pure and
// deterministic: the same options always give the same runs in the same
// order, on every machine, so shards computed independently partition the
// work exactly.
#include "nasrank/cell/graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::rerank {

struct ArchitectureSelection {
  std::string space = "nb201";  // "nb201", or "dag" (generic DAGs on dag_vertices vertices)
  int dag_vertices = 5;
  // One representative per isomorphism class (the lowest index represents
  // its class): by default cell::exact_class_key, so that merged cells train
  // identically under every protocol; `benchmark_classes` uses the
  // benchmark's canonical string with zeros considered (6,466 classes), which
  // merges cells that differ by a trained constant term or by in-degrees.
  bool unique = false;
  bool benchmark_classes = false;
  // Leave out architectures with no input-to-output path (they are never
  // trained and would sit tied at chance on both sides of a comparison).
  bool connected_only = false;
  // A seeded random sample of this many architectures from the candidates.
  std::optional<std::size_t> sample;
  std::uint64_t sample_seed = 0;
  // Explicit encodings (any `nasrank parse` form); when set, the space is
  // only used to validate them and `unique` still merges isomorphic entries.
  std::vector<std::string> explicit_list;
};

struct PlannedArchitecture {
  std::string encoding;  // canonical: arch string (nb201) or DAG code (dag:...)
  cell::CellGraph graph{cell::Space::Nb201, cell::kNb201Vertices};
  int benchmark_index = -1;   // -1 outside NAS-Bench-201
  std::string unique_string;  // zeros considered
  bool disconnected = false;  // recorded without training
  // Benchmark indices this architecture stands for (its isomorphism class
  // within the candidates when `unique`; itself otherwise).
  std::vector<int> represents;
};

// Throws InputError for an unknown space, a malformed explicit encoding or a
// sample larger than the candidates.
std::vector<PlannedArchitecture> select_architectures(const ArchitectureSelection& selection);

// A seeded sample of `count` connected NAS-Bench-201 cells spread evenly over
// the number of convolutions that can change the output (0 to 6): sample k
// of n is drawn from the cells with round(6k / (n - 1)) such convolutions, so
// the sample spans weak (identity and pooling only) to strong cells instead
// of clustering where most cells are. Returned as arch strings in
// benchmark-index order. InputError for count < 2 or count > 64.
std::vector<std::string> nb201_sample_across_conv_counts(std::size_t count, std::uint64_t seed);

// Reads one encoding per line ('#' comments and blank lines skipped); errors
// name the file and line.
std::vector<std::string> read_architecture_list(const std::string& path);

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
};
// "i/n" with 0 <= i < n.
Shard parse_shard(const std::string& text);

struct ProtocolPlan {
  std::string name;  // protocol name or file, as given
  std::string dataset;
  int budget_epochs = 0;
  std::vector<std::uint64_t> seeds;
};

struct PlannedRun {
  std::size_t architecture = 0;  // index into the selected architectures
  std::size_t protocol = 0;      // index into the protocol plans
  std::uint64_t seed = 0;
};

// Every (architecture, protocol, seed), architecture-major, then the shard's
// share: run r of the full plan belongs to shard r mod n. Shards are disjoint
// and their union is the whole plan.
std::vector<PlannedRun> plan_runs(std::size_t architectures, const std::vector<ProtocolPlan>& protocols,
                                  const Shard& shard = {});

}  // namespace nasrank::rerank
