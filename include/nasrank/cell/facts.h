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
  // Non-zero edges that lie on no input-to-output path; they cannot change the
  // output and the trainer does not compute them.
  std::vector<Edge> dead_edges;
  // The benchmark's canonical string with zeros considered (6,466 classes over
  // NAS-Bench-201) and without (12,751 classes).
  std::string unique_string;
  std::string unique_string_ignoring_zeros;
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

}  // namespace nasrank::cell
