#pragma once
// Decoding every architecture encoding into a CellGraph and printing any
// graph back. Malformed input throws nasrank::InputError whose message names
// the input, the position and what was expected.
#include "nasrank/cell/graph.h"

#include <optional>
#include <string>
#include <string_view>

namespace nasrank::cell {

// `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`
CellGraph parse_arch_string(std::string_view text);
// 0..15624 in the benchmark's official order.
CellGraph from_benchmark_index(long long index);
// `3_34_131`: NAS-Bench-201 op digits 0..4, grouped by target vertex.
CellGraph parse_compact_code(std::string_view text);
// `2_02_002`: generic DAG code, digits 0 zero / 1 skip / 2 linear-or-conv,
// group i = edges into vertex i+1; any number of vertices >= 2.
CellGraph parse_dag_code(std::string_view text);
// {"space": "dag"|"nb201", "vertices": N, "edges": [{"from":0,"to":1,"op":"linear"}, ...]}
// Pairs not listed are `none`.
CellGraph parse_graph_json(std::string_view text);

// Which encoding a string is. Explicit prefixes win: `arch:`, `index:`,
// `compact:`, `dag:`, `json:`. Otherwise: `|...` is an arch string, digits
// only an index, `{...}` JSON, `d_dd_ddd` (three groups) a compact code, any
// other underscore code a DAG code.
enum class EncodingKind { ArchString, BenchmarkIndex, CompactCode, DagCode, GraphJson };
EncodingKind detect_encoding(std::string_view text);
CellGraph parse_encoding(std::string_view text);

// Printing. Encodings that cannot represent a graph return nullopt (a DAG
// with 5 vertices has no arch string; a cell with a conv has no DAG code).
std::optional<std::string> to_arch_string(const CellGraph& graph);
std::optional<int> to_benchmark_index(const CellGraph& graph);
std::optional<std::string> to_compact_code(const CellGraph& graph);
std::optional<std::string> to_dag_code(const CellGraph& graph);
std::string to_graph_json(const CellGraph& graph);
std::string to_dot(const CellGraph& graph, std::string_view title = {});

}  // namespace nasrank::cell
