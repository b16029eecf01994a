#include "nasrank/cell/encoding.h"

#include "nasrank/cell/facts.h"
#include "nasrank/cell/nb201_space.h"
#include "nasrank/common/error.h"
#include "nasrank/common/json_reader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nasrank::cell {
namespace {

constexpr std::array<Op, kNb201Ops> kNb201OpsInOrder{Op::None, Op::Skip, Op::Conv1x1, Op::Conv3x3, Op::AvgPool3x3};
constexpr const char* kNb201OpList = "none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3";
// A DAG code has one group per non-input vertex; 3^(n(n-1)/2) codes grow fast,
// and paths grow faster, so the parser stops at a size nobody trains.
constexpr int kMaxDagVertices = 64;

// Error text shared by every parser: "<what> '<text>': <problem> at position P".
[[noreturn]] void fail(std::string_view what, std::string_view text, const std::string& problem) {
  throw InputError(std::string(what) + " '" + std::string(text) + "': " + problem);
}

std::string at(std::size_t zero_based) { return " at position " + std::to_string(zero_based + 1); }

std::optional<Op> nb201_op_from_name(std::string_view name) {
  for (Op op : kNb201OpsInOrder)
    if (op_name(op) == name) return op;
  return std::nullopt;
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string_view strip_prefix(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix ? text.substr(prefix.size()) : std::string_view{};
}

// Splits an underscore code into its groups, checking each group's length
// (group g, 1-based, has g digits) and each digit's range.
std::vector<std::string_view> split_code(std::string_view what, std::string_view text, int max_digit) {
  if (text.empty()) fail(what, text, "empty code (expected groups of digits separated by '_', like 1_01_001)");
  std::vector<std::string_view> groups;
  std::size_t start = 0;
  for (std::size_t pos = 0; pos <= text.size(); ++pos) {
    if (pos < text.size() && text[pos] != '_') {
      const char c = text[pos];
      if (c < '0' || c > static_cast<char>('0' + max_digit))
        fail(what, text,
             std::string("wrong digit '") + c + "'" + at(pos) + " (expected a digit 0.." + std::to_string(max_digit) +
                 ")");
      continue;
    }
    const std::size_t group_number = groups.size() + 1;
    const std::string_view group = text.substr(start, pos - start);
    if (group.size() != group_number)
      fail(what, text,
           "group " + std::to_string(group_number) + " has " + std::to_string(group.size()) + " digit(s)" + at(start) +
               " (expected " + std::to_string(group_number) + ": one per source vertex)");
    groups.push_back(group);
    start = pos + 1;
  }
  return groups;
}

}  // namespace

CellGraph parse_arch_string(std::string_view text) {
  constexpr std::string_view what = "arch string";
  if (text.empty()) fail(what, text, "empty input (expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2|)");
  CellGraph graph(Space::Nb201, kNb201Vertices);
  std::size_t pos = 0;
  int target = 1;
  while (true) {
    const std::size_t group_start = pos;
    if (pos >= text.size() || text[pos] != '|')
      fail(what, text, "expected '|' opening group " + std::to_string(target) + at(pos));
    ++pos;
    std::array<bool, kNb201Vertices> seen{};
    int tokens = 0;
    while (pos < text.size() && text[pos] != '+') {
      const std::size_t token_start = pos;
      const std::size_t bar = text.find('|', pos);
      if (bar == std::string_view::npos)
        fail(what, text, "group " + std::to_string(target) + " is not closed by '|'" + at(token_start));
      const std::string_view token = text.substr(pos, bar - pos);
      const std::size_t tilde = token.find('~');
      if (tilde == std::string_view::npos)
        fail(what, text, "token '" + std::string(token) + "'" + at(token_start) + " has no '~' (expected op~j)");
      const std::string_view name = token.substr(0, tilde);
      const std::string_view source_text = token.substr(tilde + 1);
      const auto op = nb201_op_from_name(name);
      if (!op)
        fail(what, text,
             "unknown op '" + std::string(name) + "'" + at(token_start) + " in group " + std::to_string(target) +
                 " (expected one of " + kNb201OpList + ")");
      if (!all_digits(source_text) || source_text.size() > 2 || std::stoi(std::string(source_text)) >= target)
        fail(what, text,
             "'~" + std::string(source_text) + "'" + at(token_start + tilde) + " is out of range in group " +
                 std::to_string(target) + " (expected ~0.." + "~" + std::to_string(target - 1) + ")");
      const int source = std::stoi(std::string(source_text));
      if (seen[static_cast<std::size_t>(source)])
        fail(what, text,
             "edge ~" + std::to_string(source) + " appears twice in group " + std::to_string(target) + at(token_start));
      seen[static_cast<std::size_t>(source)] = true;
      graph.set_op(source, target, *op);
      ++tokens;
      pos = bar + 1;
    }
    if (tokens != target)
      fail(what, text,
           "group " + std::to_string(target) + at(group_start) + " has " + std::to_string(tokens) +
               " edge(s) (expected " + std::to_string(target) + ", one from each earlier vertex)");
    if (pos >= text.size()) break;
    ++pos;  // '+'
    if (++target >= kNb201Vertices)
      fail(what, text, "more than 3 groups" + at(pos - 1) + " (a NAS-Bench-201 cell has exactly 3 groups)");
  }
  if (target != kNb201Vertices - 1)
    fail(what, text, "has " + std::to_string(target) + " group(s) (expected 3 groups separated by '+')");
  return graph;
}

CellGraph from_benchmark_index(long long index) {
  if (index < 0 || index >= kNb201SpaceSize)
    throw InputError("benchmark index '" + std::to_string(index) + "' is out of range (expected 0..15624)");
  return graph_from_digits(digits_from_ordinal(ordinal_of_index(static_cast<int>(index))));
}

CellGraph parse_compact_code(std::string_view text) {
  const auto groups = split_code("compact code", text, kNb201Ops - 1);
  if (groups.size() != kNb201Vertices - 1)
    fail("compact code", text,
         "has " + std::to_string(groups.size()) +
             " group(s) (expected 3, like 3_34_131; use dag: for a generic DAG code)");
  CellGraph graph(Space::Nb201, kNb201Vertices);
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (std::size_t source = 0; source < groups[g].size(); ++source)
      graph.set_op(static_cast<int>(source), static_cast<int>(g + 1), static_cast<Op>(groups[g][source] - '0'));
  return graph;
}

CellGraph parse_dag_code(std::string_view text) {
  const auto groups = split_code("DAG code", text, 2);
  if (groups.size() + 1 > kMaxDagVertices)
    fail("DAG code", text,
         "has " + std::to_string(groups.size() + 1) + " vertices (at most " + std::to_string(kMaxDagVertices) + ")");
  CellGraph graph(Space::Dag, static_cast<int>(groups.size()) + 1);
  constexpr std::array<Op, 3> kDagOps{Op::None, Op::Skip, Op::Linear};
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (std::size_t source = 0; source < groups[g].size(); ++source)
      graph.set_op(static_cast<int>(source), static_cast<int>(g + 1),
                   kDagOps[static_cast<std::size_t>(groups[g][source] - '0')]);
  return graph;
}

CellGraph parse_graph_json(std::string_view text) {
  constexpr std::string_view what = "graph JSON";
  nlohmann::json doc;
  // nlohmann::json keeps the last of two equal keys; a graph given twice in
  // one object is ambiguous, so it is refused.
  std::vector<std::set<std::string>> keys_of_open_objects;
  const nlohmann::json::parser_callback_t reject_duplicate_keys = [&](int, nlohmann::json::parse_event_t event,
                                                                      nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::object_start) {
      keys_of_open_objects.emplace_back();
    } else if (event == nlohmann::json::parse_event_t::object_end) {
      if (!keys_of_open_objects.empty()) keys_of_open_objects.pop_back();
    } else if (event == nlohmann::json::parse_event_t::key && !keys_of_open_objects.empty() &&
               !keys_of_open_objects.back().insert(parsed.get<std::string>()).second) {
      fail(what, text, "key '" + parsed.get<std::string>() + "' appears twice in one object");
    }
    return true;
  };
  try {
    doc = nlohmann::json::parse(text, reject_duplicate_keys);
  } catch (const nlohmann::json::parse_error& e) {
    fail(what, text, std::string("not valid JSON at byte ") + std::to_string(e.byte) + " (" + e.what() + ")");
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond the range of a double ("1e999") is out_of_range, not a parse_error.
    fail(what, text, std::string("not valid JSON (") + e.what() + ")");
  }
  JsonObjectReader reader(doc, std::string(what) + " '" + std::string(text) + "'");
  // Unknown keys first: a misspelt "edges" explains why the edges are missing.
  for (const char* key : {"space", "vertices", "edges"}) reader.find(key);
  reader.finish();
  Space space = Space::Dag;
  std::string space_text = "dag";
  reader.read("space", space_text);
  if (space_text == "nb201")
    space = Space::Nb201;
  else if (space_text != "dag")
    reader.fail("space", space_text, "must be \"nb201\" or \"dag\"");
  reader.required("vertices");
  int vertices = 0;
  reader.read("vertices", vertices, 2, kMaxDagVertices);
  if (space == Space::Nb201 && vertices != kNb201Vertices)
    fail(what, text, "a NAS-Bench-201 cell has 4 vertices, not " + std::to_string(vertices));
  CellGraph graph(space, vertices);
  const nlohmann::json& edges = reader.required("edges");
  if (!edges.is_array()) reader.fail("edges", edges, "must be an array of {\"from\": int, \"to\": int, \"op\": name}");
  std::vector<bool> seen(static_cast<std::size_t>(vertices * vertices), false);
  std::size_t k = 0;
  for (const auto& edge : edges) {
    const std::string where = "edge " + std::to_string(k);
    JsonObjectReader edge_reader(edge, reader.context(), "edges[" + std::to_string(k++) + "]");
    long long from = 0;
    long long to = 0;
    std::string name;
    for (const char* key : {"from", "to", "op"}) edge_reader.required(key);
    edge_reader.read("from", from, std::numeric_limits<long long>::min(), std::numeric_limits<long long>::max());
    edge_reader.read("to", to, std::numeric_limits<long long>::min(), std::numeric_limits<long long>::max());
    edge_reader.read("op", name);
    edge_reader.finish();
    if (from < 0 || to >= vertices || from >= to)
      fail(what, text,
           where + " goes " + std::to_string(from) + "->" + std::to_string(to) + " (expected 0 <= from < to < " +
               std::to_string(vertices) + ")");
    std::optional<Op> op;
    if (space == Space::Nb201) {
      op = nb201_op_from_name(name);
    } else {
      for (Op candidate : {Op::None, Op::Skip, Op::Linear})
        if (op_name(candidate, Space::Dag) == name) op = candidate;
    }
    if (!op)
      fail(what, text,
           where + " has unknown op '" + name + "' (expected one of " +
               (space == Space::Nb201 ? std::string(kNb201OpList) : std::string("zero, skip, linear")) + ")");
    const auto slot = static_cast<std::size_t>(from * vertices + to);
    if (seen[slot]) fail(what, text, where + " repeats " + std::to_string(from) + "->" + std::to_string(to));
    seen[slot] = true;
    graph.set_op(static_cast<int>(from), static_cast<int>(to), *op);
  }
  return graph;
}

EncodingKind detect_encoding(std::string_view text) {
  if (!strip_prefix(text, "arch:").empty() || text.substr(0, 1) == "|") return EncodingKind::ArchString;
  if (text.substr(0, 6) == "index:") return EncodingKind::BenchmarkIndex;
  if (text.substr(0, 8) == "compact:") return EncodingKind::CompactCode;
  if (text.substr(0, 4) == "dag:") return EncodingKind::DagCode;
  if (text.substr(0, 5) == "json:" || text.substr(0, 1) == "{") return EncodingKind::GraphJson;
  if (all_digits(text) || (text.size() > 1 && text[0] == '-' && all_digits(text.substr(1))))
    return EncodingKind::BenchmarkIndex;
  if (std::count(text.begin(), text.end(), '_') == 2) return EncodingKind::CompactCode;
  return EncodingKind::DagCode;
}

CellGraph parse_encoding(std::string_view text) {
  if (text.empty())
    throw InputError(
        "empty encoding: expected an arch string (|op~0|+...), a benchmark index (0..15624), "
        "a compact code (3_34_131), a DAG code (dag:2_02_002) or graph JSON");
  auto body = [&](std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix ? text.substr(prefix.size()) : text;
  };
  switch (detect_encoding(text)) {
    case EncodingKind::ArchString:
      return parse_arch_string(body("arch:"));
    case EncodingKind::CompactCode:
      return parse_compact_code(body("compact:"));
    case EncodingKind::DagCode:
      // Detection falls back to a DAG code; text with anything besides
      // digits and '_' was never meant as one.
      if (text.substr(0, 4) != "dag:" && text.find_first_not_of("0123456789_") != std::string_view::npos)
        throw InputError("'" + std::string(text) +
                         "' is not an architecture encoding: expected an arch string (|op~0|+...), a benchmark index "
                         "(0..15624), a compact code (3_34_131), a DAG code (2_02_002) or graph JSON ({...})");
      return parse_dag_code(body("dag:"));
    case EncodingKind::GraphJson:
      return parse_graph_json(body("json:"));
    case EncodingKind::BenchmarkIndex: {
      const std::string_view digits = body("index:");
      long long value = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (digits.empty() || ec == std::errc::result_out_of_range)
        throw InputError("benchmark index '" + std::string(digits) + "' is out of range (expected 0..15624)");
      if (ec != std::errc() || end != digits.data() + digits.size())
        throw InputError("benchmark index '" + std::string(digits) + "': not an integer (expected 0..15624)");
      return from_benchmark_index(value);
    }
  }
  NASRANK_CHECK(false, "unhandled encoding kind");
}

namespace {
bool is_nb201_cell(const CellGraph& graph) {
  return graph.space() == Space::Nb201 && graph.num_vertices() == kNb201Vertices;
}
}  // namespace

std::optional<std::string> to_arch_string(const CellGraph& graph) {
  if (!is_nb201_cell(graph)) return std::nullopt;
  std::string out;
  out.reserve(96);
  for (int to = 1; to < kNb201Vertices; ++to) {
    if (to > 1) out += '+';
    out += '|';
    for (int from = 0; from < to; ++from) {
      out.append(op_name(graph.op(from, to)));
      out += '~';
      out += static_cast<char>('0' + from);
      out += '|';
    }
  }
  return out;
}

std::optional<int> to_benchmark_index(const CellGraph& graph) {
  if (!is_nb201_cell(graph)) return std::nullopt;
  return index_of_ordinal(product_ordinal(nb201_digits(graph)));
}

namespace {
std::string digit_groups(const CellGraph& graph, char (*digit_of)(Op)) {
  std::string out;
  for (int to = 1; to < graph.num_vertices(); ++to) {
    if (to > 1) out += '_';
    for (int from = 0; from < to; ++from) out += digit_of(graph.op(from, to));
  }
  return out;
}
}  // namespace

std::optional<std::string> to_compact_code(const CellGraph& graph) {
  if (!is_nb201_cell(graph)) return std::nullopt;
  return digit_groups(graph, [](Op op) { return static_cast<char>('0' + static_cast<int>(op)); });
}

std::optional<std::string> to_dag_code(const CellGraph& graph) {
  for (const Edge& e : graph.edges())
    if (e.op != Op::None && e.op != Op::Skip && e.op != Op::Linear) return std::nullopt;
  return digit_groups(graph, [](Op op) { return op == Op::None ? '0' : op == Op::Skip ? '1' : '2'; });
}

std::string to_graph_json(const CellGraph& graph) {
  nlohmann::json edges = nlohmann::json::array();
  for (const Edge& e : graph.edges())
    if (!is_zero(e.op))
      edges.push_back({{"from", e.from}, {"to", e.to}, {"op", std::string(op_name(e.op, graph.space()))}});
  nlohmann::json doc{
      {"space", std::string(space_name(graph.space()))}, {"vertices", graph.num_vertices()}, {"edges", edges}};
  return doc.dump();
}

std::string to_dot(const CellGraph& graph, std::string_view title) {
  // Dead edges are drawn dashed and grey: they exist in the encoding but
  // cannot reach the output. `none` edges are not drawn.
  const std::vector<Edge> edges = graph.edges();
  const std::vector<bool> live = live_edge_mask(graph);
  std::string out = "digraph cell {\n  rankdir=LR;\n";
  if (!title.empty()) out += "  label=\"" + std::string(title) + "\";\n  labelloc=t;\n";
  out += "  node [shape=circle];\n";
  for (int v = 0; v < graph.num_vertices(); ++v) {
    const char* role = v == graph.input_vertex() ? "in" : v == graph.output_vertex() ? "out" : nullptr;
    out += "  " + std::to_string(v) + " [label=\"" + std::to_string(v) + (role ? std::string("\\n") + role : "") +
           "\"];\n";
  }
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const Edge& e = edges[k];
    if (is_zero(e.op)) continue;
    out += "  " + std::to_string(e.from) + " -> " + std::to_string(e.to) + " [label=\"" +
           std::string(op_name(e.op, graph.space())) + "\"" + (live[k] ? "" : ", style=dashed, color=gray") + "];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace nasrank::cell
