// Cells and the scaler: nasrank.parse / nasrank.space / nasrank.learning_rate /
// nasrank.init_table.
#include "convert.h"

#include "nasrank/cell/describe.h"
#include "nasrank/cell/encoding.h"
#include "nasrank/cell/space.h"
#include "nasrank/common/error.h"
#include "nasrank/scale/scaler.h"

#include <pybind11/stl.h>

#include <optional>

namespace nasrank::python {
namespace {

// One parsed cell. The facts are computed on first use, so that walking a
// whole space costs only the parse.
class Cell {
 public:
  Cell(std::string input, cell::CellGraph graph) : input_(std::move(input)), graph_(std::move(graph)) {}

  const std::string& input() const { return input_; }
  const cell::CellGraph& graph() const { return graph_; }

  const nlohmann::json& facts() {
    if (!facts_) facts_ = cell::describe(graph_);
    return *facts_;
  }
  py::object fact(const char* key) { return to_python(facts()[key]); }

 private:
  std::string input_;
  cell::CellGraph graph_;
  std::optional<nlohmann::json> facts_;
};

std::string encoding_text(const py::handle& encoding) {
  // An int is a benchmark index, as on the command line.
  if (py::isinstance<py::bool_>(encoding))
    throw InputError("encoding " + std::string(py::repr(encoding)) + ": expected a string or a benchmark index");
  if (py::isinstance<py::int_>(encoding)) return std::string(py::str(encoding));
  if (py::isinstance<py::str>(encoding)) return encoding.cast<std::string>();
  if (py::hasattr(encoding, "arch_string") && py::hasattr(encoding, "to_dot"))  // a Cell
    return encoding.attr("input").cast<std::string>();
  throw InputError("encoding " + std::string(py::repr(encoding)) + ": expected a string or a benchmark index");
}

cell::CellGraph parse_any(const py::handle& encoding) {
  if (py::isinstance<Cell>(encoding)) return encoding.cast<Cell&>().graph();
  return cell::parse_encoding(encoding_text(encoding));
}

scale::ScalerOptions scaler_options(double base_lr, const std::optional<std::string>& convention,
                                    const std::string& degree, const std::optional<int>& kernel_size) {
  scale::ScalerOptions options;
  options.base_lr = base_lr;
  if (convention) options.convention = scale::parse_convention(*convention);
  options.degree = scale::parse_degree(degree);
  options.kernel_size = kernel_size;
  return options;
}

// Walks NAS-Bench-201 in index order (optionally one cell per class) or a DAG
// space in for_each_dag's order, one cell per step.
class SpaceIterator {
 public:
  static SpaceIterator nb201(cell::Isomorphism isomorphism) {
    SpaceIterator it;
    it.nb201_ = cell::nb201_space(isomorphism);
    it.size_ = it.nb201_.size();
    return it;
  }
  static SpaceIterator dag(int vertices) {
    SpaceIterator it;
    it.dag_at(vertices, 0);  // validates the vertex count now, not at the first next()
    it.vertices_ = vertices;
    it.size_ = cell::dag_space_size(vertices);
    return it;
  }

  Cell next() {
    if (position_ >= size_) throw py::stop_iteration();
    const std::uint64_t at = position_++;
    if (vertices_ == 0) {
      const auto& summary = nb201_[at];
      return Cell(summary.arch_string, cell::from_benchmark_index(summary.index));
    }
    cell::CellGraph graph = dag_at(vertices_, at);
    // The code is read before the graph moves: a function's arguments are
    // evaluated in no set order.
    std::string input = "dag:" + *cell::to_dag_code(graph);
    return Cell(std::move(input), std::move(graph));
  }
  std::uint64_t remaining() const { return size_ - position_; }

 private:
  static cell::CellGraph dag_at(int vertices, std::uint64_t ordinal) { return cell::dag_at(vertices, ordinal); }
  std::vector<cell::Nb201CellSummary> nb201_;
  int vertices_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t position_ = 0;
};

}  // namespace

void bind_cells(py::module_& m) {
  py::class_<Cell>(m, "Cell",
                   "One architecture cell: every encoding that can represent it and its structural facts\n"
                   "(what `nasrank parse` prints). Build one with nasrank.parse().")
      .def_property_readonly("input", &Cell::input, "The encoding the cell was parsed from")
      .def_property_readonly(
          "space", [](Cell& c) { return c.fact("space"); }, "'nb201' or 'dag'")
      .def_property_readonly(
          "vertices", [](Cell& c) { return c.fact("vertices"); }, "Number of vertices")
      .def_property_readonly(
          "arch_string", [](Cell& c) { return c.fact("arch_string"); }, "NAS-Bench-201 arch string |op~0|+..., or None")
      .def_property_readonly(
          "benchmark_index", [](Cell& c) { return c.fact("benchmark_index"); }, "NAS-Bench-201 index 0..15624, or None")
      .def_property_readonly(
          "compact_code", [](Cell& c) { return c.fact("compact_code"); }, "Compact code such as 3_34_131, or None")
      .def_property_readonly(
          "dag_code", [](Cell& c) { return c.fact("dag_code"); },
          "Generic DAG code such as 2_02_002, or None (cells with convolutions have none)")
      .def_property_readonly(
          "graph_json", [](Cell& c) { return c.fact("graph_json"); },
          "The graph as the JSON encoding nasrank.parse() accepts")
      .def_property_readonly(
          "nonzero_edges", [](Cell& c) { return c.fact("nonzero_edges"); }, "Edges whose op is not none/zero")
      .def_property_readonly(
          "in_degree", [](Cell& c) { return c.fact("in_degree"); },
          "Non-zero incoming edges per vertex (the input vertex reports 0)")
      .def_property_readonly(
          "disconnected", [](Cell& c) { return c.fact("disconnected"); },
          "True when no input-to-output path exists (the output is always zero)")
      .def_property_readonly(
          "dead_edges", [](Cell& c) { return c.fact("dead_edges"); },
          "Non-zero edges on no input-to-output path: [{'from', 'to', 'op'}]")
      .def_property_readonly(
          "constant_edges", [](Cell& c) { return c.fact("constant_edges"); },
          "Dead edges that still add a trained constant (built by the trainer; docs/method.md)")
      .def_property_readonly(
          "exact_class_key", [](Cell& c) { return c.fact("exact_class_key"); },
          "Equal keys train to the same network under every protocol (unique=True classes)")
      .def_property_readonly(
          "unique_string", [](Cell& c) { return c.fact("unique_string"); },
          "The benchmark's canonical string, zeros considered")
      .def_property_readonly(
          "unique_string_ignoring_zeros", [](Cell& c) { return c.fact("unique_string_ignoring_zeros"); },
          "The canonical string without zeros")
      .def_property_readonly(
          "paths", [](Cell& c) { return c.fact("paths"); },
          "Input-to-output paths: [{'vertices', 'ops', 'parameterized_edges'}]; "
          "parameterized_edges is the path's depth before a depth convention")
      .def(
          "facts", [](Cell& c) { return to_python(c.facts()); },
          "Every fact as one dict (the document `nasrank parse --format json` prints, without 'input')")
      .def(
          "to_json", [](Cell& c, std::optional<int> indent) { return c.facts().dump(indent.value_or(-1)); },
          py::arg("indent") = py::none(), "The facts as JSON text")
      .def(
          "to_dot",
          [](Cell& c, std::optional<std::string> title) { return cell::to_dot(c.graph(), title.value_or(c.input())); },
          py::arg("title") = py::none(), "Graphviz DOT text (what `nasrank parse --dot` prints)")
      .def("__eq__", [](Cell& a, Cell& b) { return a.graph() == b.graph(); })
      .def("__hash__", [](Cell& c) { return py::hash(py::str(cell::to_graph_json(c.graph()))); })
      .def("__repr__", [](Cell& c) { return "nasrank.Cell(" + std::string(py::repr(py::str(c.input()))) + ")"; });

  m.def(
      "parse",
      [](const py::handle& encoding) {
        const std::string text = encoding_text(encoding);
        return Cell(text, cell::parse_encoding(text));
      },
      py::arg("encoding"),
      "Parses an arch string, benchmark index (int or digits), compact code (3_34_131), DAG code\n"
      "(dag:2_02_002) or graph JSON; prefixes arch: index: compact: dag: json: force a kind.\n"
      "Raises ValueError with the CLI's message for malformed input.");

  py::class_<SpaceIterator>(m, "SpaceIterator", "Iterator over the cells of a search space")
      .def("__iter__", [](SpaceIterator& it) -> SpaceIterator& { return it; })
      .def("__next__", &SpaceIterator::next)
      .def("__length_hint__", &SpaceIterator::remaining);
  m.def(
      "nb201_space",
      [](const std::string& unique) {
        if (unique == "all") return SpaceIterator::nb201(cell::Isomorphism::All);
        if (unique == "exact") return SpaceIterator::nb201(cell::Isomorphism::Exact);
        if (unique == "benchmark") return SpaceIterator::nb201(cell::Isomorphism::UniqueWithZeros);
        if (unique == "ignoring-zeros") return SpaceIterator::nb201(cell::Isomorphism::UniqueIgnoringZeros);
        throw InputError("unique='" + unique + "': expected all, exact, benchmark or ignoring-zeros");
      },
      py::arg("unique"));
  m.def("dag_space", &SpaceIterator::dag, py::arg("vertices"));
  m.def("dag_space_size", &cell::dag_space_size, py::arg("vertices"));

  m.def(
      "learning_rate",
      [](const py::handle& encoding, double base_lr, std::optional<std::string> convention, const std::string& degree,
         std::optional<int> kernel_size) -> py::object {
        const auto result =
            scale::learning_rate(parse_any(encoding), scaler_options(base_lr, convention, degree, kernel_size));
        if (result.status != scale::ScaleStatus::Ok) return py::none();
        return py::float_(result.learning_rate);
      },
      py::arg("encoding"), py::arg("base_lr") = scale::kDefaultNb201BaseLr, py::arg("convention") = py::none(),
      py::arg("degree") = "source", py::arg("kernel_size") = py::none());
  m.def(
      "scale_details",
      [](const py::handle& encoding, double base_lr, std::optional<std::string> convention, const std::string& degree,
         std::optional<int> kernel_size) {
        const auto r =
            scale::learning_rate(parse_any(encoding), scaler_options(base_lr, convention, degree, kernel_size));
        py::dict out;
        out["status"] = std::string(scale::status_name(r.status));
        out["convention"] = std::string(scale::convention_name(r.convention));
        out["path_depths"] = r.path_depths;
        out["base_depths"] = r.base_depths;
        out["sum_cubed_depths"] = r.sum_cubed_depths;
        out["kernel_factor"] = r.kernel_factor;
        out["learning_rate"] =
            r.status == scale::ScaleStatus::Ok ? py::object(py::float_(r.learning_rate)) : py::none();
        return out;
      },
      py::arg("encoding"), py::arg("base_lr") = scale::kDefaultNb201BaseLr, py::arg("convention") = py::none(),
      py::arg("degree") = "source", py::arg("kernel_size") = py::none());
  m.def(
      "init_table",
      [](const py::handle& encoding, int channels, int cells_per_stage, int num_classes, int input_channels,
         const std::string& degree, std::optional<std::string> convention, std::optional<int> kernel_size) {
        scale::NetworkShape shape;
        shape.channels = channels;
        shape.cells_per_stage = cells_per_stage;
        shape.num_classes = num_classes;
        shape.input_channels = input_channels;
        const auto layers = scale::layer_init_table(
            parse_any(encoding), shape, scaler_options(scale::kDefaultNb201BaseLr, convention, degree, kernel_size));
        py::list rows;
        for (const auto& layer : layers) {
          py::dict row;
          row["name"] = layer.name;
          row["shape"] = py::tuple(py::cast(layer.shape));
          row["fan_in"] = layer.fan_in;
          row["fan_out"] = layer.fan_out;
          row["in_degree"] = layer.in_degree;
          row["std"] = layer.stddev;
          row["rule"] = layer.rule;
          row["computed"] = layer.computed;
          rows.append(std::move(row));
        }
        return rows;
      },
      py::arg("encoding"), py::arg("channels") = 16, py::arg("cells_per_stage") = 5, py::arg("num_classes") = 10,
      py::arg("input_channels") = 3, py::arg("degree") = "source", py::arg("convention") = py::none(),
      py::arg("kernel_size") = py::none());
}

}  // namespace nasrank::python
