#pragma once
// Conversions shared by the binding files: JSON documents the library builds
// (cell facts, reports) become plain Python objects, and numpy arrays become
// the library's vectors.
#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

namespace nasrank::python {

namespace py = pybind11;

py::object to_python(const nlohmann::json& value);

// A 1-D sequence of numbers (numpy array, list, pandas Series) as doubles;
// anything else is an InputError naming `what`.
std::vector<double> to_doubles(const py::handle& values, const char* what);

void bind_cells(py::module_& module);
void bind_store(py::module_& module);
void bind_analyze(py::module_& module);

}  // namespace nasrank::python
