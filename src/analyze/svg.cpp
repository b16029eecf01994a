#include "svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nasrank::analyze::svg {
namespace {

constexpr double kWidth = 560;
constexpr double kHeight = 400;
constexpr double kLeft = 64;
constexpr double kRight = 16;
constexpr double kTop = 36;
constexpr double kBottom = 56;

double plot_width() { return kWidth - kLeft - kRight; }
double plot_height() { return kHeight - kTop - kBottom; }

std::string num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

double nice_step(double span, int target_ticks) {
  const double raw = span / target_ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * magnitude >= raw) return m * magnitude;
  return 10.0 * magnitude;
}

std::vector<double> ticks(const Axis& axis) {
  const double step = nice_step(axis.max - axis.min, 5);
  std::vector<double> out;
  for (double t = std::ceil(axis.min / step - 1e-9) * step; t <= axis.max + step * 1e-6; t += step)
    out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

std::string tick_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

struct Frame {
  Axis x, y;
  double px(double v) const { return kLeft + (v - x.min) / (x.max - x.min) * plot_width(); }
  double py(double v) const { return kTop + plot_height() - (v - y.min) / (y.max - y.min) * plot_height(); }
};

std::string open_svg(const std::string& title, const std::string& css_class) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + css_class + "\" viewBox=\"0 0 " + num(kWidth) + " " +
         num(kHeight) + "\" width=\"" + num(kWidth) + "\" height=\"" + num(kHeight) + "\" role=\"img\" aria-label=\"" +
         escape(title) + "\">\n<title>" + escape(title) + "</title>\n<text x=\"" + num(kWidth / 2) +
         "\" y=\"20\" text-anchor=\"middle\" class=\"chart-title\">" + escape(title) + "</text>\n";
}

std::string y_axis_svg(const Frame& f) {
  std::string out;
  for (double t : ticks(f.y)) {
    const double y = f.py(t);
    out += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_width()) + "\" y1=\"" + num(y) +
           "\" y2=\"" + num(y) + "\"/>\n<text class=\"tick\" x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) +
           "\" text-anchor=\"end\">" + tick_text(t) + "</text>\n";
  }
  out += "<text class=\"axis-label\" transform=\"translate(16," + num(kTop + plot_height() / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(f.y.label) + "</text>\n";
  out += "<rect class=\"frame\" x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(plot_width()) +
         "\" height=\"" + num(plot_height()) + "\"/>\n";
  return out;
}

std::string x_label_svg(const std::string& label) {
  return "<text class=\"axis-label\" x=\"" + num(kLeft + plot_width() / 2) + "\" y=\"" + num(kHeight - 12) +
         "\" text-anchor=\"middle\">" + escape(label) + "</text>\n";
}

std::string legend(const std::vector<Series>& series, bool bars) {
  std::string out;
  // Above the plot frame, below the title: the legend never hides a line.
  double x = kLeft + 8;
  double y = kTop - 5;
  for (const Series& s : series) {
    // Long names (user labels) wrap to the next line instead of running off the chart.
    const double width = 26 + 6.5 * static_cast<double>(s.name.size());
    if (x > kLeft + 8 && x + width > kWidth - kRight) {
      x = kLeft + 8;
      y += 14;
    }
    if (bars)
      out +=
          "<rect x=\"" + num(x) + "\" y=\"" + num(y - 8) + "\" width=\"12\" height=\"10\" fill=\"" + s.color + "\"/>\n";
    else
      out += "<line x1=\"" + num(x) + "\" x2=\"" + num(x + 14) + "\" y1=\"" + num(y - 3) + "\" y2=\"" + num(y - 3) +
             "\" stroke=\"" + s.color + "\" stroke-width=\"2\"" + (s.dashed ? " stroke-dasharray=\"5 3\"" : "") +
             "/>\n";
    out += "<text class=\"legend\" x=\"" + num(x + 18) + "\" y=\"" + num(y) + "\">" + escape(s.name) + "</text>\n";
    x += width;
  }
  return out;
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

Axis nice_axis(double lo, double hi, std::string label) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi <= lo) hi = lo + 1.0;
  const double step = nice_step(hi - lo, 5);
  return Axis{std::floor(lo / step) * step, std::ceil(hi / step) * step, std::move(label)};
}

double marker_radius(std::size_t n) {
  const double scaled = 5.0 - 0.9 * std::log10(static_cast<double>(std::max<std::size_t>(n, 1)));
  return std::clamp(scaled, 1.6, 5.0);
}

double marker_opacity(std::size_t n) {
  const double scaled = 0.9 - 0.17 * std::log10(static_cast<double>(std::max<std::size_t>(n, 1)));
  return std::clamp(scaled, 0.25, 0.9);
}

std::string scatter(const std::vector<Point>& points, const Axis& x_axis, const Axis& y_axis, bool identity_line,
                    const std::string& title) {
  const Frame f{x_axis, y_axis};
  std::string out = open_svg(title, "chart scatter");
  out += y_axis_svg(f);
  for (double t : ticks(f.x))
    out += "<text class=\"tick\" x=\"" + num(f.px(t)) + "\" y=\"" + num(kTop + plot_height() + 16) +
           "\" text-anchor=\"middle\">" + tick_text(t) + "</text>\n";
  out += x_label_svg(x_axis.label);
  if (identity_line) {
    const double lo = std::max(x_axis.min, y_axis.min);
    const double hi = std::min(x_axis.max, y_axis.max);
    if (hi > lo)
      out += "<line class=\"identity\" x1=\"" + num(f.px(lo)) + "\" y1=\"" + num(f.py(lo)) + "\" x2=\"" +
             num(f.px(hi)) + "\" y2=\"" + num(f.py(hi)) + "\"><title>y = x</title></line>\n";
  }
  char style[96];
  std::snprintf(style, sizeof style, " style=\"fill-opacity:%.2f\"", marker_opacity(points.size()));
  out += std::string("<g class=\"points\"") + style + ">\n";
  const std::string radius = num(marker_radius(points.size()));
  for (const Point& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    out += "<circle cx=\"" + num(f.px(p.x)) + "\" cy=\"" + num(f.py(p.y)) + "\" r=\"" + radius + "\"";
    out += p.tooltip.empty() ? "/>" : "><title>" + escape(p.tooltip) + "</title></circle>";
    out += "\n";
  }
  out += "</g>\n</svg>\n";
  return out;
}

std::string line_chart(const std::vector<std::string>& categories, const std::vector<Series>& series,
                       const Axis& y_axis, const std::string& x_label, const std::string& title) {
  const Frame f{Axis{0, static_cast<double>(std::max<std::size_t>(categories.size(), 2) - 1), x_label}, y_axis};
  std::string out = open_svg(title, "chart lines");
  out += y_axis_svg(f);
  for (std::size_t k = 0; k < categories.size(); ++k)
    out += "<text class=\"tick\" x=\"" + num(f.px(static_cast<double>(k))) + "\" y=\"" +
           num(kTop + plot_height() + 16) + "\" text-anchor=\"middle\">" + escape(categories[k]) + "</text>\n";
  out += x_label_svg(x_label);
  for (const Series& s : series) {
    if (s.lower.empty() || s.upper.empty()) continue;
    // One shaded polygon per run of categories with a finite band.
    std::size_t k = 0;
    while (k < s.lower.size() && k < s.upper.size()) {
      if (!std::isfinite(s.lower[k]) || !std::isfinite(s.upper[k])) {
        ++k;
        continue;
      }
      std::size_t end = k;
      while (end < s.lower.size() && end < s.upper.size() && std::isfinite(s.lower[end]) && std::isfinite(s.upper[end]))
        ++end;
      std::string polygon;
      for (std::size_t j = k; j < end; ++j)
        polygon += num(f.px(static_cast<double>(j))) + "," + num(f.py(s.upper[j])) + " ";
      for (std::size_t j = end; j-- > k;)
        polygon += num(f.px(static_cast<double>(j))) + "," + num(f.py(s.lower[j])) + " ";
      out += "<polygon class=\"band\" fill=\"" + s.color + "\" fill-opacity=\"0.15\" stroke=\"none\" points=\"" +
             polygon + "\"><title>" + escape(s.name) + ": bootstrap interval</title></polygon>\n";
      k = end;
    }
  }
  for (const Series& s : series) {
    std::string points;
    auto flush = [&] {
      if (!points.empty())
        out += "<polyline class=\"series\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"2\"" +
               (s.dashed ? " stroke-dasharray=\"5 3\"" : "") + " points=\"" + points + "\"/>\n";
      points.clear();
    };
    for (std::size_t k = 0; k < s.y.size(); ++k) {
      if (!std::isfinite(s.y[k])) {
        flush();
        continue;
      }
      const double cx = f.px(static_cast<double>(k)), cy = f.py(s.y[k]);
      points += (points.empty() ? "" : " ") + num(cx) + "," + num(cy);
      out += "<circle class=\"marker\" cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"3\" fill=\"" + s.color +
             "\"><title>" +
             escape(k < s.tooltips.size() ? s.tooltips[k] : s.name + " at " + categories[k] + ": " + fixed(s.y[k], 3)) +
             "</title></circle>\n";
    }
    flush();
  }
  out += legend(series, false);
  out += "</svg>\n";
  return out;
}

std::string grouped_bars(const std::vector<std::string>& categories, const std::vector<Series>& series,
                         const Axis& y_axis, const std::string& x_label, const std::string& title) {
  const Frame f{Axis{0, 1, x_label}, y_axis};
  std::string out = open_svg(title, "chart bars");
  out += y_axis_svg(f);
  const double slot = plot_width() / static_cast<double>(std::max<std::size_t>(categories.size(), 1));
  const double bar = slot * 0.8 / static_cast<double>(std::max<std::size_t>(series.size(), 1));
  for (std::size_t k = 0; k < categories.size(); ++k) {
    const double x0 = kLeft + slot * static_cast<double>(k);
    out += "<text class=\"tick\" x=\"" + num(x0 + slot / 2) + "\" y=\"" + num(kTop + plot_height() + 16) +
           "\" text-anchor=\"middle\">" + escape(categories[k]) + "</text>\n";
    for (std::size_t s = 0; s < series.size(); ++s) {
      const double value = k < series[s].y.size() && std::isfinite(series[s].y[k]) ? series[s].y[k] : 0.0;
      const double top = f.py(std::min(value, y_axis.max));
      out += "<rect class=\"bar\" x=\"" + num(x0 + slot * 0.1 + bar * static_cast<double>(s)) + "\" y=\"" + num(top) +
             "\" width=\"" + num(bar) + "\" height=\"" + num(kTop + plot_height() - top) + "\" fill=\"" +
             series[s].color + "\"><title>" + escape(series[s].name) + ", " + escape(categories[k]) + ": " +
             fixed(value, 4) + "</title></rect>\n";
    }
  }
  out += x_label_svg(x_label);
  out += legend(series, true);
  out += "</svg>\n";
  return out;
}

}  // namespace nasrank::analyze::svg
