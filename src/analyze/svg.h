#pragma once
// Small inline-SVG charts for the HTML report: no scripts, no external
// resources, readable when printed.
#include <string>
#include <vector>

namespace nasrank::analyze::svg {

struct Axis {
  double min = 0.0;
  double max = 1.0;
  std::string label;
};

// Axis range padded to "nice" tick values covering [lo, hi].
Axis nice_axis(double lo, double hi, std::string label);

// Points (x[i], y[i]) with the y = x line when `identity_line`.
std::string scatter(const std::vector<double>& x, const std::vector<double>& y, const Axis& x_axis, const Axis& y_axis,
                    bool identity_line, const std::string& title);

struct Series {
  std::string name;
  std::vector<double> y;  // one value per category; NaN leaves a gap
  bool dashed = false;
  std::string color;
};

// Lines over categorical x positions (e.g. top-K% = 100, 90, ..., 1).
std::string line_chart(const std::vector<std::string>& categories, const std::vector<Series>& series, const Axis& y_axis,
                       const std::string& x_label, const std::string& title);

// Grouped bars per category, one bar per series (values as fractions).
std::string grouped_bars(const std::vector<std::string>& categories, const std::vector<Series>& series, const Axis& y_axis,
                         const std::string& x_label, const std::string& title);

// Text safe for HTML/XML element content and attribute values.
std::string escape(const std::string& text);
// Fixed-point text ("0.8123"), "n/a" for NaN.
std::string fixed(double value, int decimals);

}  // namespace nasrank::analyze::svg
