#pragma once
// Structural facts of one graph: what the parser reports and what the scaler
// and the trainer build on.
#include "nasrank/cell/graph.h"

#include <string>
#include <vector>

namespace nasrank::cell {

// One directed input-to-output path over non-zero edges.
struct Path {
  std::vector<int> vertices;  // input ... output
  std::vector<Op> ops;        // ops[k] labels vertices[k] -> vertices[k+1]
  // Edges on the path that carry weights (conv / linear): the path's depth
  // before any depth convention is applied.
  int parameterized_edges = 0;
};

struct CellFacts {
  int num_vertices = 0;
  int num_nonzero_edges = 0;
  // Non-zero incoming edges per vertex (the input vertex reports 0; the
  // scaler treats it as 1).
  std::vector<int> in_degree;
  std::vector<Path> paths;
  // No input-to-output path: the output is identically zero.
  bool disconnected = false;
  // Non-zero edges that lie on no input-to-output path.
  std::vector<Edge> dead_edges;
  // The dead edges that still change the output: a parameterized edge whose
  // source no input reaches adds a trained term that does not depend on the
  // input (in NAS-Bench-201, ReLU(0) -> conv -> BatchNorm outputs BN's bias).
  // The trainer computes them, as the benchmark's network does.
  std::vector<Edge> constant_edges;
  // The benchmark's canonical string with zeros considered (6,466 classes over
  // NAS-Bench-201) and without (12,751 classes).
  std::string unique_string;
  std::string unique_string_ignoring_zeros;
  // exact_class_key(graph): equal keys train to the same network under every
  // protocol nasrank runs (finer than the benchmark's classes; see below).
  std::string exact_class_key;
};

CellFacts analyze(const CellGraph& graph);

// Canonical string alone (cheaper than analyze()).
std::string unique_string(const CellGraph& graph, bool consider_zeros);

// Input-to-output paths over non-zero edges, in lexicographic vertex order.
std::vector<Path> enumerate_paths(const CellGraph& graph);

// No input-to-output path over non-zero edges (cheaper than enumerating them).
bool is_disconnected(const CellGraph& graph);

// Non-zero incoming edges of each vertex.
std::vector<int> nonzero_in_degrees(const CellGraph& graph);

// True for edges on at least one input-to-output path, indexed like edges().
std::vector<bool> live_edge_mask(const CellGraph& graph);

// What a vertex holds, decided by the graph alone (for every input and every
// value of the weights).
enum class VertexValue {
  Input,     // depends on the input
  Constant,  // does not depend on the input, but is not zero (a trained term)
  Zero,      // identically zero: every incoming edge is `none` or passes a zero on
};
std::vector<VertexValue> vertex_values(const CellGraph& graph);

// What an edge does to the network's output, indexed like edges().
enum class EdgeEffect {
  // Provably none: `none`; an edge whose target cannot reach the output; an
  // identity-like edge (skip, pooling) out of a Zero vertex.
  NoEffect,
  // A parameterized edge out of a Zero vertex: it adds a trained term that
  // does not depend on the input (NAS-Bench-201: BatchNorm's bias, since
  // ReLU(0) -> conv -> BatchNorm gives exactly beta in training and in
  // evaluation; the conv weight and BN weight get exactly zero gradient).
  ConstantFromZero,
  // Everything else: computed as the benchmark computes it.
  Computed,
};
std::vector<EdgeEffect> edge_effects(const CellGraph& graph);

// A key that is equal for two graphs only when they train to the same
// network under the benchmark's protocol and under the principled one:
//   * the function: the benchmark's canonical string, except that a
//     parameterized edge out of an identically zero vertex is a trained
//     constant term ("B" in NAS-Bench-201, where both conv kernels give just
//     BatchNorm's bias; "(#)@linear" in DAG networks) instead of a zero, and
//     that zero terms are dropped (a zero vertex is "#" however many zero
//     edges it sums);
//   * the principled hyperparameters: each parameterized term carries the
//     non-zero in-degrees of its source and target vertex (the init variance
//     divides by one of them), so edges that add zero but count in a degree
//     still separate classes.
// The benchmark's own classes (unique_string(graph, true)) merge cells that
// differ by such a trained constant term, e.g. 0_33_003 and 0_30_003.
std::string exact_class_key(const CellGraph& graph);

}  // namespace nasrank::cell
