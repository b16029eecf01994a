// Ranking statistics on numpy arrays and two-store comparisons:
// nasrank.stats.* and nasrank.compare.
#include "convert.h"

#include "nasrank/analyze/report.h"
#include "nasrank/analyze/stats.h"
#include "nasrank/analyze/stats_json.h"
#include "nasrank/rerank/compare.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <optional>

namespace nasrank::python {
namespace {

template <typename Result>
std::string json_repr(const char* name, const Result& result) {
  nlohmann::json j = result;
  return std::string(name) + "(" + j.dump() + ")";
}

}  // namespace

void bind_analyze(py::module_& m) {
  using namespace analyze;
  py::class_<KendallResult>(m, "KendallResult", "Kendall's tau-b with its p-value and pair counts")
      .def_readonly("n", &KendallResult::n)
      .def_readonly("tau_b", &KendallResult::tau_b, "NaN when either side is constant")
      .def_readonly("p_value", &KendallResult::p_value, "Two-sided, chosen as scipy.stats.kendalltau's method='auto'")
      .def_readonly("concordant", &KendallResult::concordant)
      .def_readonly("discordant", &KendallResult::discordant)
      .def_readonly("tied_x", &KendallResult::tied_x)
      .def_readonly("tied_y", &KendallResult::tied_y)
      .def_readonly("tied_both", &KendallResult::tied_both)
      .def_property_readonly(
          "statistic", [](const KendallResult& r) { return r.tau_b; }, "tau_b (scipy's name)")
      .def_property_readonly(
          "pvalue", [](const KendallResult& r) { return r.p_value; }, "p_value (scipy's name)")
      .def("to_dict", [](const KendallResult& r) { return to_python(nlohmann::json(r)); })
      .def("__repr__", [](const KendallResult& r) { return json_repr("KendallResult", r); });
  py::class_<TopKOverlap>(m, "TopKOverlap", "How many of the k best of one ranking are among the k best of the other")
      .def_readonly("k", &TopKOverlap::k)
      .def_readonly("shared", &TopKOverlap::shared)
      .def_readonly("fraction", &TopKOverlap::fraction)
      .def("to_dict", [](const TopKOverlap& r) { return to_python(nlohmann::json(r)); })
      .def("__repr__", [](const TopKOverlap& r) { return json_repr("TopKOverlap", r); });
  py::class_<TopPercentPoint>(m, "TopPercentPoint", "Kendall's tau-b within the top K% of the reference ranking")
      .def_readonly("percent", &TopPercentPoint::percent)
      .def_readonly("count", &TopPercentPoint::count)
      .def_readonly("kendall", &TopPercentPoint::kendall)
      .def("to_dict", [](const TopPercentPoint& r) { return to_python(nlohmann::json(r)); })
      .def("__repr__", [](const TopPercentPoint& r) { return json_repr("TopPercentPoint", r); });

  m.def(
      "kendall_tau_b",
      [](const py::handle& x, const py::handle& y) { return kendall_tau_b(to_doubles(x, "x"), to_doubles(y, "y")); },
      py::arg("x"), py::arg("y"));
  m.def(
      "spearman_rho",
      [](const py::handle& x, const py::handle& y) { return spearman_rho(to_doubles(x, "x"), to_doubles(y, "y")); },
      py::arg("x"), py::arg("y"));
  m.def(
      "pearson_r",
      [](const py::handle& x, const py::handle& y) { return pearson_r(to_doubles(x, "x"), to_doubles(y, "y")); },
      py::arg("x"), py::arg("y"));
  m.def(
      "top_k_overlap",
      [](const py::handle& a, const py::handle& b, std::size_t k) {
        return top_k_overlap(to_doubles(a, "a"), to_doubles(b, "b"), k);
      },
      py::arg("a"), py::arg("b"), py::arg("k"));
  m.def(
      "top_percent_curve",
      [](const py::handle& reference, const py::handle& other, const py::object& percents) {
        return top_percent_kendall(to_doubles(reference, "reference"), to_doubles(other, "other"),
                                   percents.is_none() ? default_top_percents() : to_doubles(percents, "percents"));
      },
      py::arg("reference"), py::arg("other"), py::arg("percents") = py::none());

  m.def(
      "compare",
      [](const std::filesystem::path& reference, const std::filesystem::path& candidate, const std::string& dataset,
         const std::string& split, std::optional<std::string> protocol_a, std::optional<std::string> protocol_b,
         std::optional<int> budget_a, std::optional<int> budget_b, const std::string& label_a,
         const std::string& label_b, bool include_disconnected, const std::string& ceiling, std::size_t bootstrap,
         std::uint64_t seed, std::size_t top_k, std::size_t threads, const std::string& diverged, std::size_t min_n) {
        rerank::ComparisonSide a{reference, protocol_a, budget_a, label_a};
        rerank::ComparisonSide b{candidate, protocol_b, budget_b, label_b};
        rerank::ComparisonOptions options;
        options.dataset = dataset;
        options.split = split;
        options.include_disconnected = include_disconnected;
        options.ceiling = ceiling;
        options.diverged = diverged;
        options.analysis.min_n = min_n;
        options.analysis.bootstrap.resamples = bootstrap;
        options.analysis.bootstrap.seed = seed;
        options.analysis.bootstrap.threads = threads;
        options.analysis.top_k = top_k;
        nlohmann::json report;
        {
          py::gil_scoped_release unlocked;  // the bootstrap takes a while on a whole benchmark
          report = report_json(build_report(rerank::build_comparison(a, b, options)));
        }
        return to_python(report);
      },
      py::arg("reference"), py::arg("candidate"), py::arg("dataset"), py::arg("split"), py::arg("protocol_a"),
      py::arg("protocol_b"), py::arg("budget_a"), py::arg("budget_b"), py::arg("label_a"), py::arg("label_b"),
      py::arg("include_disconnected"), py::arg("ceiling"), py::arg("bootstrap"), py::arg("seed"), py::arg("top_k"),
      py::arg("threads"), py::arg("diverged"), py::arg("min_n"));
}

}  // namespace nasrank::python
