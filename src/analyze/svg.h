#pragma once
// Small inline-SVG charts for HTML reports (the comparison report, and any
// other report that wants the same look): no scripts, no external resources,
// readable when printed, scaled down to the page width by the page's CSS.
#include <cstddef>
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

struct Point {
  double x = 0.0;
  double y = 0.0;
  std::string tooltip;  // shown on hover (an SVG <title>); empty = none
};

// Points with the y = x line when `identity_line`. Marker size and opacity
// follow the number of points, so 10 points are as visible as 15,000 are
// readable. Non-finite points are skipped.
std::string scatter(const std::vector<Point>& points, const Axis& x_axis, const Axis& y_axis, bool identity_line,
                    const std::string& title);

// Radius and fill opacity of a scatter marker among n points.
double marker_radius(std::size_t n);
double marker_opacity(std::size_t n);

struct Series {
  std::string name;
  std::vector<double> y;  // one value per category; NaN leaves a gap
  bool dashed = false;
  std::string color;
  // Optional band (e.g. a bootstrap interval) per category, drawn shaded
  // behind the line; empty = none, NaN leaves a gap.
  std::vector<double> lower;
  std::vector<double> upper;
  // Optional hover text per category (default: name, category and value).
  std::vector<std::string> tooltips;
};

// Lines over categorical x positions (e.g. top-K% = 100, 90, ..., 1).
std::string line_chart(const std::vector<std::string>& categories, const std::vector<Series>& series,
                       const Axis& y_axis, const std::string& x_label, const std::string& title);

// Grouped bars per category, one bar per series (values as fractions).
std::string grouped_bars(const std::vector<std::string>& categories, const std::vector<Series>& series,
                         const Axis& y_axis, const std::string& x_label, const std::string& title);

// Text safe for HTML/XML element content and attribute values.
std::string escape(const std::string& text);
// Fixed-point text ("0.8123"), "n/a" for NaN.
std::string fixed(double value, int decimals);

}  // namespace nasrank::analyze::svg
