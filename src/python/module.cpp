// The `nasrank._core` extension: the library's cells, scaler, store and
// statistics for the pure-Python package around it (src/python/nasrank).
// Everything computed here is the library's own code; these files only
// convert arguments and results.
#include "convert.h"

#include "nasrank/common/error.h"
#include "nasrank/common/version.h"

#include <filesystem>

namespace nasrank::python {

py::object to_python(const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::boolean:
      return py::bool_(value.get<bool>());
    case Type::number_integer:
      return py::int_(value.get<std::int64_t>());
    case Type::number_unsigned:
      return py::int_(value.get<std::uint64_t>());
    case Type::number_float:
      return py::float_(value.get<double>());
    case Type::string:
      return py::str(value.get_ref<const std::string&>());
    case Type::array: {
      py::list list;
      for (const auto& item : value) list.append(to_python(item));
      return std::move(list);
    }
    case Type::object: {
      py::dict dict;
      for (const auto& item : value.items()) dict[py::str(item.key())] = to_python(item.value());
      return std::move(dict);
    }
    default:
      return py::none();
  }
}

std::vector<double> to_doubles(const py::handle& values, const char* what) {
  auto array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!array) {
    PyErr_Clear();
    throw InputError(std::string(what) + ": expected a sequence of numbers, got " +
                     std::string(py::str(py::type::of(values).attr("__name__"))));
  }
  if (array.ndim() != 1)
    throw InputError(std::string(what) + ": expected a one-dimensional array, got " + std::to_string(array.ndim()) +
                     " dimensions");
  return std::vector<double>(array.data(), array.data() + array.size());
}

}  // namespace nasrank::python

PYBIND11_MODULE(_core, module) {
  namespace py = pybind11;
  module.doc() = "nasrank's C++ library (cells, scaler, results store, ranking statistics); use the `nasrank` package";
  module.attr("__version__") = nasrank::version();

  // Bad input keeps the CLI's message; the package turns a missing or
  // unreadable path into FileNotFoundError / PermissionError where it knows it.
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const nasrank::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const nasrank::InternalError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const std::filesystem::filesystem_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });

  nasrank::python::bind_cells(module);
  nasrank::python::bind_store(module);
  nasrank::python::bind_analyze(module);
}
