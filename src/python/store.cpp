// The results store: nasrank.Store's reads. Each method returns columns
// (name -> list), which the package turns into a pandas.DataFrame.
#include "convert.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/rerank/compare.h"
#include "nasrank/store/query.h"
#include "nasrank/store/store.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

namespace nasrank::python {
namespace {

// The store key of any encoding, as `nasrank query --arch/--index` builds it.
std::string arch_key_of(const std::string& encoding) {
  const cell::CellGraph graph = cell::parse_encoding(encoding);
  return graph.space() == cell::Space::Nb201 ? store::arch_key("nb201", *cell::to_arch_string(graph))
                                             : store::arch_key("dag", *cell::to_dag_code(graph));
}

std::optional<std::string> arch_key_of(const py::object& arch) {
  if (arch.is_none()) return std::nullopt;
  if (py::isinstance<py::int_>(arch) && !py::isinstance<py::bool_>(arch))
    return arch_key_of(std::string(py::str(arch)));
  if (py::isinstance<py::str>(arch)) return arch_key_of(arch.cast<std::string>());
  if (py::hasattr(arch, "input")) return arch_key_of(arch.attr("input").cast<std::string>());  // a Cell
  throw InputError("arch " + std::string(py::repr(arch)) + ": expected an encoding, a benchmark index or a Cell");
}

// Named columns of equal length, filled row by row.
class Columns {
 public:
  void add(const char* name, py::object value) {
    auto it = columns_.find(name);
    if (it == columns_.end()) it = columns_.emplace(name, py::list()).first;
    it->second.append(std::move(value));
  }
  template <typename T>
  void add(const char* name, T value) {
    add(name, py::cast(std::move(value)));
  }
  void add_index(const char* name, int index) { add(name, index >= 0 ? py::object(py::int_(index)) : py::none()); }
  void add_seed(const char* name, std::int64_t seed) {
    add(name, seed == store::kMeanOverSeeds ? py::none() : py::object(py::int_(seed)));
  }
  py::dict take(const std::vector<const char*>& expected) {
    py::dict out;
    for (const char* name : expected) out[name] = columns_.count(name) ? columns_[name] : py::list();
    return out;
  }

 private:
  std::map<std::string, py::list> columns_;
};

const std::vector<const char*> kRunColumns{
    "index",    "arch",           "space",         "dataset",  "protocol",     "budget",
    "seed",     "seeds_averaged", "split",         "accuracy", "loss",         "status",
    "params_m", "flops_m",        "learning_rate", "init",     "wall_seconds", "images_per_second",
    "imported", "created_at"};
const std::vector<const char*> kCurveColumns{"index", "arch",  "dataset", "protocol", "budget",
                                             "seed",  "epoch", "metric",  "split",    "value"};
const std::vector<const char*> kSummaryColumns{
    "index",        "arch",          "space",         "dataset",        "protocol",       "budget",
    "seed",         "seeds",         "n_seeds",       "pre_averaged",   "split",          "accuracy",
    "accuracy_std", "loss",          "test_accuracy", "valid_accuracy", "train_accuracy", "params_m",
    "flops_m",      "learning_rate", "init",          "status",         "wall_seconds",   "images_per_second",
    "imported"};

class Store {
 public:
  explicit Store(const std::filesystem::path& path)
      : path_(path), results_(store::ResultStore::open(path, store::OpenMode::Read)) {}

  const std::filesystem::path& path() const { return path_; }
  std::size_t size() const { return open().count(); }
  // Releases the HDF5 file now rather than at garbage collection: h5py in the
  // same process shares Debian's libhdf5, which refuses to open a file that
  // is open with another close degree.
  void close() { results_.reset(); }
  bool closed() const { return !results_; }

  py::dict runs(const py::object& arch, std::optional<std::string> dataset, std::optional<std::string> protocol,
                std::optional<int> budget, std::optional<std::int64_t> seed, std::optional<std::string> split) const {
    Columns columns;
    open().for_each(
        [&](std::size_t, const store::RunRecord& r) {
          auto add_row = [&](const std::string& split_name, const store::SplitMetrics* metrics) {
            columns.add_index("index", r.benchmark_index);
            columns.add("arch", r.arch);
            columns.add("space", r.space);
            columns.add("dataset", r.dataset);
            columns.add("protocol", r.protocol);
            columns.add("budget", r.budget_epochs);
            columns.add_seed("seed", r.seed);
            columns.add("seeds_averaged", r.seeds_averaged);
            columns.add("split", split_name);
            columns.add("accuracy", metrics ? metrics->accuracy : store::kNotMeasured);
            columns.add("loss", metrics ? metrics->loss : store::kNotMeasured);
            columns.add("status", std::string(store::status_name(r.status)));
            columns.add("params_m", r.params_m);
            columns.add("flops_m", r.flops_m);
            columns.add("learning_rate", r.learning_rate);
            columns.add("init", r.init);
            columns.add("wall_seconds", r.wall_seconds);
            columns.add("images_per_second", r.images_per_second);
            columns.add("imported", r.provenance.imported);
            columns.add("created_at", r.created_at);
          };
          if (split) {
            const std::string exact = store::resolve_split(r.dataset, *split);
            const auto it = r.final_metrics.find(exact);
            add_row(exact, it == r.final_metrics.end() ? nullptr : &it->second);
          } else {
            for (const auto& [name, metrics] : r.final_metrics) add_row(name, &metrics);
          }
          return true;
        },
        filter(arch, dataset, protocol, budget, seed), store::ReadOptions{false});
    return columns.take(kRunColumns);
  }

  py::dict curves(const py::object& arch, std::optional<std::string> dataset, std::optional<std::string> protocol,
                  std::optional<int> budget, std::optional<std::int64_t> seed) const {
    Columns columns;
    open().for_each(
        [&](std::size_t, const store::RunRecord& r) {
          auto series = [&](const std::vector<double>& values, const char* metric, const std::string& split) {
            for (std::size_t epoch = 0; epoch < values.size(); ++epoch) {
              if (std::isnan(values[epoch])) continue;
              columns.add_index("index", r.benchmark_index);
              columns.add("arch", r.arch);
              columns.add("dataset", r.dataset);
              columns.add("protocol", r.protocol);
              columns.add("budget", r.budget_epochs);
              columns.add_seed("seed", r.seed);
              columns.add("epoch", epoch);
              columns.add("metric", std::string(metric));
              columns.add("split", split);
              columns.add("value", values[epoch]);
            }
          };
          const store::EpochCurves& c = r.curves;
          series(c.train_loss, "loss", "train");
          series(c.train_accuracy, "accuracy", "train");
          for (const auto& [split, values] : c.eval_accuracy) series(values, "accuracy", split);
          for (const auto& [split, values] : c.eval_loss) series(values, "loss", split);
          series(c.learning_rate, "learning_rate", "train");
          series(c.epoch_seconds, "epoch_seconds", "train");
          return true;
        },
        filter(arch, dataset, protocol, budget, seed), store::ReadOptions{true});
    return columns.take(kCurveColumns);
  }

  // Mean (or per-seed) rows as `nasrank query` computes them. Without a budget
  // the only one stored for the selection is used, as the CLI does.
  py::dict summary(const py::object& arch, std::optional<std::string> dataset, std::optional<std::string> protocol,
                   std::optional<int> budget, const std::string& split, std::optional<std::int64_t> seed, bool per_seed,
                   bool detail) const {
    store::QuerySpec spec;
    spec.arch_key = arch_key_of(arch);
    spec.dataset = dataset;
    spec.protocol = protocol;
    spec.split = split;
    spec.seed = seed;
    spec.per_seed = per_seed || seed.has_value();
    // Without detail the other splits' accuracies and the timings stay NaN
    // (each is one more read); the NATS shim asks for one split at a time.
    spec.detail = detail;
    if (budget) {
      spec.budget_epochs = *budget;
    } else {
      const std::vector<int> budgets = store::budgets_matching(open(), spec);
      if (budgets.size() > 1) {
        std::string list;
        for (int b : budgets) list += (list.empty() ? "" : " and ") + std::to_string(b);
        throw InputError("'" + path_.string() + "' holds results for budgets " + list + " epochs for " +
                         selection_text(arch, dataset, protocol) +
                         "; choose one with budget= (budgets are never mixed)");
      }
      if (budgets.empty()) return Columns().take(kSummaryColumns);
      spec.budget_epochs = budgets.front();
    }
    Columns columns;
    for (const store::QueryRow& q : store::run_query(open(), spec)) {
      columns.add_index("index", q.benchmark_index);
      columns.add("arch", q.arch);
      columns.add("space", q.space);
      columns.add("dataset", q.dataset);
      columns.add("protocol", q.protocol);
      columns.add("budget", q.budget_epochs);
      columns.add_seed("seed", q.seed);
      columns.add("seeds", q.seeds);
      columns.add("n_seeds", q.n_seeds);
      columns.add("pre_averaged", q.pre_averaged);
      columns.add("split", q.split);
      columns.add("accuracy", q.accuracy);
      columns.add("accuracy_std", q.accuracy_std);
      columns.add("loss", q.loss);
      columns.add("test_accuracy", q.test_accuracy);
      columns.add("valid_accuracy", q.valid_accuracy);
      columns.add("train_accuracy", q.train_accuracy);
      columns.add("params_m", q.params_m);
      columns.add("flops_m", q.flops_m);
      columns.add("learning_rate", q.learning_rate);
      columns.add("init", q.init);
      columns.add("status", q.status);
      columns.add("wall_seconds", q.wall_seconds);
      columns.add("images_per_second", q.images_per_second);
      columns.add("imported", q.imported);
    }
    return columns.take(kSummaryColumns);
  }

  std::vector<int> budgets(const py::object& arch, std::optional<std::string> dataset,
                           std::optional<std::string> protocol) const {
    store::QuerySpec spec;
    spec.arch_key = arch_key_of(arch);
    spec.dataset = dataset;
    spec.protocol = protocol;
    return store::budgets_matching(open(), spec);
  }

 private:
  store::RunFilter filter(const py::object& arch, std::optional<std::string> dataset,
                          std::optional<std::string> protocol, std::optional<int> budget,
                          std::optional<std::int64_t> seed) const {
    store::RunFilter f;
    f.arch_key = arch_key_of(arch);
    f.dataset = std::move(dataset);
    f.protocol = std::move(protocol);
    f.budget_epochs = budget;
    f.seed = seed;
    return f;
  }

  static std::string selection_text(const py::object& arch, const std::optional<std::string>& dataset,
                                    const std::optional<std::string>& protocol) {
    std::string text;
    auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
    if (!arch.is_none()) add("arch " + std::string(py::str(arch)));
    if (dataset) add("dataset " + *dataset);
    if (protocol) add("protocol " + *protocol);
    return text.empty() ? "any run" : text;
  }

  const store::ResultStore& open() const {
    if (!results_) throw InputError("results store '" + path_.string() + "' is closed");
    return *results_;
  }

  std::filesystem::path path_;
  std::optional<store::ResultStore> results_;
};

}  // namespace

void bind_store(py::module_& m) {
  py::class_<Store>(m, "Store")
      .def(py::init<std::filesystem::path>(), py::arg("path"))
      .def_property_readonly("path", &Store::path)
      .def("__len__", &Store::size)
      .def("close", &Store::close)
      .def_property_readonly("closed", &Store::closed)
      .def("runs", &Store::runs, py::arg("arch") = py::none(), py::arg("dataset") = py::none(),
           py::arg("protocol") = py::none(), py::arg("budget") = py::none(), py::arg("seed") = py::none(),
           py::arg("split") = py::none())
      .def("curves", &Store::curves, py::arg("arch") = py::none(), py::arg("dataset") = py::none(),
           py::arg("protocol") = py::none(), py::arg("budget") = py::none(), py::arg("seed") = py::none())
      .def("summary", &Store::summary, py::arg("arch") = py::none(), py::arg("dataset") = py::none(),
           py::arg("protocol") = py::none(), py::arg("budget") = py::none(), py::arg("split") = "test",
           py::arg("seed") = py::none(), py::arg("per_seed") = false, py::arg("detail") = true)
      .def("budgets", &Store::budgets, py::arg("arch") = py::none(), py::arg("dataset") = py::none(),
           py::arg("protocol") = py::none());

  m.def(
      "store_contents",
      [](const std::filesystem::path& path, const std::string& dataset) {
        const rerank::StoreContents contents = rerank::store_contents(path, dataset);
        return py::make_tuple(contents.protocols, contents.budgets);
      },
      py::arg("path"), py::arg("dataset"));
  m.def("resolve_split", &store::resolve_split, py::arg("dataset"), py::arg("split"));
}

}  // namespace nasrank::python
