#include "nasrank/analyze/lr_search_report.h"

#include "nasrank/analyze/report.h"

#include "nasrank/common/error.h"
#include "nasrank/common/utc_time.h"
#include "nasrank/common/version.h"
#include "report_files.h"
#include "svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

namespace nasrank::analyze {
namespace {

using svg::escape;
using svg::fixed;

nlohmann::json nullable(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); }

nlohmann::json interval_json(const Interval& i) {
  return nlohmann::json::array({nullable(i.lower), nullable(i.upper)});
}

std::string general(double value, int digits = 3) {
  if (!std::isfinite(value)) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  return buffer;
}

std::string interval_text(const Interval& i, int decimals = 2) {
  return "[" + fixed(i.lower, decimals) + ", " + fixed(i.upper, decimals) + "]";
}

bool complete_curve(const SearchedArchitecture& a) {
  for (const auto& row : a.curve.losses)
    if (row.size() != a.seeds.size()) return false;
  return !a.curve.rates.empty();
}

const LawFit* find_fit(const LrSearchReport& r, const std::string& predictor) {
  for (const LawFit& f : r.fits)
    if (f.predictor == predictor) return &f;
  return nullptr;
}

std::string percent(double fraction) {
  if (!std::isfinite(fraction)) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.0f%%", 100.0 * fraction);
  return buffer;
}

std::string make_verdict(const LrSearchReport& r) {
  const std::string& headline = r.input.predictors.front();
  const LawFit* law = find_fit(r, headline);
  if (law == nullptr) {
    std::size_t usable = 0;
    for (const auto& e : r.estimates) usable += e.used_in_fit ? 1 : 0;
    return "The law cannot be tested on this search: only " + std::to_string(usable) + " of " +
           std::to_string(r.estimates.size()) +
           " architectures have their smallest loss strictly inside the grid (the others sit at a grid edge, "
           "diverged at every rate, or miss runs; see the curves below). Widen the grid (--grid) and run the same "
           "command again: stored points are reused.";
  }
  std::string v = "Over " + std::to_string(law->n) + " architectures, the law with " + headline +
                  " depths (slope 1, one fitted base rate " + general(law->base_rate_slope_one) + ") explains " +
                  percent(law->explained_slope_one) +
                  " of the variance of log max-LR on this data; the free fit has slope " + fixed(law->slope, 2) + " " +
                  interval_text(law->slope_interval) + " (the law predicts 1), Pearson r " + fixed(law->pearson, 2) +
                  " " + interval_text(law->pearson_interval) + ". ";
  const bool related = std::isfinite(law->pearson_interval.lower) && law->pearson_interval.lower > 0.0;
  const bool slope_one = law->slope_interval.lower <= 1.0 && 1.0 <= law->slope_interval.upper;
  if (!related)
    v += "The empirical maximal rates show no detectable relation to the predicted ones at this budget: the law does "
         "not "
         "hold here.";
  else if (law->explained_slope_one < 0.0)
    v +=
        "The rates do follow the topology, but with the law's slope they are predicted worse than by one constant rate "
        "for every architecture: the law does not hold here.";
  else if (slope_one && law->slope_interval.upper - law->slope_interval.lower > 0.5)
    v += "The slope is consistent with 1, but its interval is wide: these data do not contradict the law, and do not "
         "pin it down either (more architectures or seeds would).";
  else if (slope_one)
    v += "The slope is consistent with 1: the data agree with the law.";
  else if (law->slope_interval.upper < 1.0)
    v += "The slope is below 1: the rates fall with depth and paths, but less steeply than the law says.";
  else
    v += "The slope is above 1: the rates fall with depth and paths more steeply than the law says.";
  for (const LawFit& other : r.fits) {
    if (other.predictor == headline || other.predictor == "constant rate") continue;
    v += " The " + other.predictor + " rule explains " + percent(other.explained_slope_one) + ".";
  }
  std::size_t excluded = 0;
  for (const auto& e : r.estimates) excluded += e.used_in_fit ? 0 : 1;
  if (excluded > 0)
    v += " " + std::to_string(excluded) + " of " + std::to_string(r.estimates.size()) +
         " architectures were left out of the fit (minimum at a grid edge, every rate diverged, or runs missing).";
  return v;
}

// ------------------------------------------------------------------ charts

constexpr double kW = 560, kH = 420, kL = 70, kR = 20, kT = 40, kB = 56;

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

struct LogFrame {
  double x0, x1, y0, y1;  // log10 bounds
  double left, top, width, height;
  double px(double v) const { return left + (std::log10(v) - x0) / (x1 - x0) * width; }
  double py(double v) const { return top + height - (std::log10(v) - y0) / (y1 - y0) * height; }
};

void widen(double& lo, double& hi) {
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
}

std::string log_ticks(const LogFrame& f, bool x_axis, bool labels) {
  std::string out;
  const double lo = x_axis ? f.x0 : f.y0, hi = x_axis ? f.x1 : f.y1;
  for (int e = static_cast<int>(std::floor(lo)); e <= static_cast<int>(std::ceil(hi)); ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (std::log10(v) < lo || std::log10(v) > hi) continue;
      if (x_axis) {
        const double x = f.px(v);
        out += "<line class=\"grid\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(f.top) + "\" y2=\"" +
               num(f.top + f.height) + "\"/>";
        if (labels)
          out += "<text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(f.top + f.height + 14) +
                 "\" text-anchor=\"middle\">" + general(v, 2) + "</text>";
      } else {
        const double y = f.py(v);
        out += "<line class=\"grid\" x1=\"" + num(f.left) + "\" x2=\"" + num(f.left + f.width) + "\" y1=\"" + num(y) +
               "\" y2=\"" + num(y) + "\"/>";
        if (labels)
          out += "<text class=\"tick\" x=\"" + num(f.left - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
                 general(v, 2) + "</text>";
      }
    }
  return out + "\n";
}

// Empirical vs predicted maximal rate on log-log axes: the law is the
// identity line (predicted rates use the fitted base), the dashed line is the
// free least-squares fit; vertical bars are the seeds' intervals.
std::string law_scatter(const LrSearchReport& r, const LawFit& fit) {
  std::vector<double> xs, ys, lows, highs;
  for (const auto& e : r.estimates) {
    if (!e.used_in_fit) continue;
    const auto p = e.architecture.predicted.find(fit.predictor);
    if (p == e.architecture.predicted.end()) continue;
    xs.push_back(fit.base_rate_slope_one * p->second);
    ys.push_back(e.estimate.interpolated);
    lows.push_back(e.estimate.lower);
    highs.push_back(e.estimate.upper);
  }
  if (xs.empty()) return "";
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto* v : {&xs, &ys, &lows, &highs})
    for (double value : *v) {
      lo = std::min(lo, std::log10(value));
      hi = std::max(hi, std::log10(value));
    }
  widen(lo, hi);
  const LogFrame f{lo, hi, lo, hi, kL, kT, kW - kL - kR, kH - kT - kB};
  const std::string title = "Empirical vs predicted max learning rate (" + fit.predictor + ")";
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " + num(kW) + " " +
                    num(kH) + "\" width=\"" + num(kW) + "\" height=\"" + num(kH) + "\" role=\"img\" aria-label=\"" +
                    escape(title) + "\"><title>" + escape(title) + "</title>\n<text class=\"chart-title\" x=\"" +
                    num(kW / 2) + "\" y=\"20\" text-anchor=\"middle\">" + escape(title) + "</text>\n";
  out += log_ticks(f, true, true) + log_ticks(f, false, true);
  out += "<rect class=\"frame\" x=\"" + num(f.left) + "\" y=\"" + num(f.top) + "\" width=\"" + num(f.width) +
         "\" height=\"" + num(f.height) + "\"/>\n";
  const double a = std::pow(10.0, lo), b = std::pow(10.0, hi);
  out += "<line class=\"identity\" x1=\"" + num(f.px(a)) + "\" y1=\"" + num(f.py(a)) + "\" x2=\"" + num(f.px(b)) +
         "\" y2=\"" + num(f.py(b)) + "\"><title>the law: empirical = predicted</title></line>\n";
  if (std::isfinite(fit.slope)) {
    // y = exp(intercept) * factor^slope with factor = x / base.
    auto fitted = [&](double x) { return std::exp(fit.intercept) * std::pow(x / fit.base_rate_slope_one, fit.slope); };
    std::string path;
    for (int k = 0; k <= 40; ++k) {
      const double x = std::pow(10.0, lo + (hi - lo) * k / 40.0);
      const double y = fitted(x);
      if (!(std::log10(y) >= lo && std::log10(y) <= hi)) continue;
      path += (path.empty() ? "M" : "L") + num(f.px(x)) + " " + num(f.py(y));
    }
    if (!path.empty())
      out += "<path class=\"fit\" d=\"" + path +
             "\" fill=\"none\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"><title>fit: slope " + fixed(fit.slope, 2) +
             "</title></path>\n";
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    out += "<line x1=\"" + num(f.px(xs[i])) + "\" x2=\"" + num(f.px(xs[i])) + "\" y1=\"" + num(f.py(lows[i])) +
           "\" y2=\"" + num(f.py(highs[i])) + "\" stroke=\"#7fa7d6\"/>";
    out += "<circle class=\"point\" cx=\"" + num(f.px(xs[i])) + "\" cy=\"" + num(f.py(ys[i])) +
           "\" r=\"3.5\" fill=\"#1f5fa8\"/>\n";
  }
  out += "<text class=\"axis-label\" x=\"" + num(f.left + f.width / 2) + "\" y=\"" + num(kH - 14) +
         "\" text-anchor=\"middle\">predicted max learning rate (law, base " + general(fit.base_rate_slope_one) +
         ")</text>";
  out += "<text class=\"axis-label\" transform=\"translate(18," + num(f.top + f.height / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">empirical max learning rate</text>\n</svg>\n";
  return out;
}

// One small chart per architecture: mean loss over seeds against the rate
// (log axis), diverged rates marked with a cross at the top, the chosen rate
// as a solid line and the interpolated one dashed.
std::string curves_small_multiples(const LrSearchReport& r) {
  constexpr int kColumns = 4;
  constexpr double kCellW = 210, kCellH = 150, kPad = 26;
  const std::size_t n = r.estimates.size();
  if (n == 0) return "";
  const int rows = static_cast<int>((n + kColumns - 1) / kColumns);
  const double width = kColumns * kCellW, height = rows * kCellH;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " + num(width) + " " +
                    num(height) + "\" width=\"" + num(width) + "\" height=\"" + num(height) +
                    "\" role=\"img\" aria-label=\"loss against learning rate per architecture\">"
                    "<title>final training loss against learning rate, per architecture</title>\n";
  for (std::size_t i = 0; i < n; ++i) {
    const ArchitectureEstimate& e = r.estimates[i];
    const auto& rates = e.architecture.curve.rates;
    const double left = static_cast<double>(i % kColumns) * kCellW + kPad,
                 top = static_cast<double>(i / kColumns) * kCellH + 18;
    const double w = kCellW - kPad - 8, h = kCellH - 40;
    double ylo = std::numeric_limits<double>::infinity(), yhi = -ylo;
    for (double m : e.estimate.mean_losses)
      if (std::isfinite(m)) {
        ylo = std::min(ylo, m);
        yhi = std::max(yhi, m);
      }
    if (!std::isfinite(ylo)) ylo = 0, yhi = 1;
    // Losses just short of divergence can be 1e20: the axis stops at three
    // times the smallest loss and anything above is drawn on the top edge.
    yhi = std::min(yhi, 3.0 * ylo);
    if (!(yhi > ylo)) yhi = ylo + 1e-3;
    double xlo = std::log10(rates.front()), xhi = std::log10(rates.back());
    widen(xlo, xhi);
    auto px = [&](double rate) { return left + (std::log10(rate) - xlo) / (xhi - xlo) * w; };
    auto py = [&](double loss) { return top + h - (std::min(loss, yhi) - ylo) / (yhi - ylo) * h; };
    out += "<g><text class=\"tick\" x=\"" + num(left) + "\" y=\"" + num(top - 4) + "\">" + escape(e.architecture.key) +
           (e.estimate.edge != scale::GridEdge::None ? " (edge)" : "") + "</text>";
    out += "<rect class=\"frame\" x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(w) + "\" height=\"" +
           num(h) + "\"/>";
    std::string path;
    for (std::size_t k = 0; k < rates.size(); ++k) {
      const double m = e.estimate.mean_losses[k];
      if (!std::isfinite(m)) {
        out += "<text x=\"" + num(px(rates[k])) + "\" y=\"" + num(top + 10) +
               "\" text-anchor=\"middle\" fill=\"#c0392b\" font-size=\"10\">×<title>lr " + general(rates[k]) +
               ": diverged</title></text>";
        continue;
      }
      path += (path.empty() ? "M" : "L") + num(px(rates[k])) + " " + num(py(m));
      out += "<circle cx=\"" + num(px(rates[k])) + "\" cy=\"" + num(py(m)) + "\" r=\"2\" fill=\"#1f5fa8\"><title>lr " +
             general(rates[k]) + ": loss " + general(m, 4) + "</title></circle>";
    }
    out += "<path d=\"" + path + "\" fill=\"none\" stroke=\"#1f5fa8\"/>";
    if (e.estimate.found) {
      out += "<line x1=\"" + num(px(e.estimate.rate)) + "\" x2=\"" + num(px(e.estimate.rate)) + "\" y1=\"" + num(top) +
             "\" y2=\"" + num(top + h) + "\" stroke=\"#27ae60\"/>";
      out += "<line x1=\"" + num(px(e.estimate.interpolated)) + "\" x2=\"" + num(px(e.estimate.interpolated)) +
             "\" y1=\"" + num(top) + "\" y2=\"" + num(top + h) + "\" stroke=\"#27ae60\" stroke-dasharray=\"3 3\"/>";
    }
    out += "<text class=\"tick\" x=\"" + num(left) + "\" y=\"" + num(top + h + 12) + "\">" + general(rates.front(), 2) +
           "</text><text class=\"tick\" x=\"" + num(left + w) + "\" y=\"" + num(top + h + 12) +
           "\" text-anchor=\"end\">" + general(rates.back(), 2) + "</text></g>\n";
  }
  return out + "</svg>\n";
}

nlohmann::json fit_json(const LawFit& f) {
  return {{"predictor", f.predictor},
          {"n", f.n},
          {"pearson", nullable(f.pearson)},
          {"pearson_interval", interval_json(f.pearson_interval)},
          {"spearman", nullable(f.spearman)},
          {"spearman_interval", interval_json(f.spearman_interval)},
          {"slope", nullable(f.slope)},
          {"slope_interval", interval_json(f.slope_interval)},
          {"intercept", nullable(f.intercept)},
          {"fitted_base_rate", nullable(std::exp(f.intercept))},
          {"explained_variance_slope_one", nullable(f.explained_slope_one)},
          {"base_rate_slope_one", nullable(f.base_rate_slope_one)}};
}

nlohmann::json groups_json(const std::vector<ResidualGroup>& groups) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : groups)
    out.push_back({{"value", g.value}, {"n", g.n}, {"mean", g.mean}, {"min", g.min}, {"max", g.max}});
  return out;
}

std::string fit_table_markdown(const LrSearchReport& r) {
  std::string md =
      "| predictor | n | law explains (slope 1) | slope [95% CI] | fitted base | Pearson r [CI] | Spearman rho [CI] |\n"
      "|---|---|---|---|---|---|---|\n";
  for (const LawFit& f : r.fits)
    md += "| " + f.predictor + " | " + std::to_string(f.n) + " | " + percent(f.explained_slope_one) + " | " +
          fixed(f.slope, 2) + " " + interval_text(f.slope_interval) + " | " + general(std::exp(f.intercept)) + " | " +
          fixed(f.pearson, 2) + " " + interval_text(f.pearson_interval) + " | " + fixed(f.spearman, 2) + " " +
          interval_text(f.spearman_interval) + " |\n";
  return md;
}

std::string estimates_markdown(const LrSearchReport& r) {
  std::string md =
      "| architecture | paths | longest depth | max lr (grid) | interpolated | seeds' interval | edge | in fit |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const auto& e : r.estimates)
    md += "| " + markdown_text(e.architecture.key) + " | " + std::to_string(e.architecture.paths) + " | " +
          std::to_string(e.architecture.longest_depth) + " | " +
          (e.estimate.found ? general(e.estimate.rate, 4) : "none") + " | " +
          (e.estimate.found ? general(e.estimate.interpolated, 4) : "") + " | " +
          (e.estimate.found ? "[" + general(e.estimate.lower, 3) + ", " + general(e.estimate.upper, 3) + "]" : "") +
          " | " + std::string(scale::grid_edge_name(e.estimate.edge)) + " | " +
          (e.used_in_fit ? "yes" : "no: " + markdown_text(e.excluded_because)) + " |\n";
  return md;
}

std::string residuals_markdown(const std::vector<ResidualGroup>& groups, const std::string& what) {
  std::string md = "| " + what + " | n | mean residual (log) | min | max |\n|---|---|---|---|---|\n";
  for (const auto& g : groups)
    md += "| " + std::to_string(g.value) + " | " + std::to_string(g.n) + " | " + fixed(g.mean, 3) + " | " +
          fixed(g.min, 3) + " | " + fixed(g.max, 3) + " |\n";
  return md;
}

std::string curve_markdown(const ArchitectureEstimate& e) {
  std::string md = "| lr | mean loss | diverged seeds |\n|---|---|---|\n";
  for (std::size_t k = 0; k < e.architecture.curve.rates.size(); ++k)
    md += "| " + general(e.architecture.curve.rates[k], 4) + " | " +
          (std::isfinite(e.estimate.mean_losses[k]) ? fixed(e.estimate.mean_losses[k], 4) : std::string("diverged")) +
          " | " + std::to_string(e.estimate.diverged_seeds[k]) + " |\n";
  return md;
}

std::string setup_text(const LrSearchReport& r) {
  const LrSearchInput& in = r.input;
  return "Search `" + in.search_id + "` on " + in.dataset + ", protocol `" + in.protocol + "` at a constant rate for " +
         std::to_string(in.epochs) + " epoch(s); loss: " + scale::loss_choice_name(in.loss) + "; rule: " +
         (in.tolerance > 0
              ? "within " + general(in.tolerance) + " of the smallest loss (not the paper's)"
              : std::string("the paper's (smallest mean loss over seeds, the largest rate among equal ones)")) +
         "; " + std::to_string(in.architectures.size()) + " architectures.";
}

}  // namespace

LrSearchReport analyze_lr_search(const LrSearchInput& input, const BootstrapOptions& bootstrap) {
  if (input.predictors.empty())
    throw InputError("learning-rate search '" + input.search_id + "': no predictor to test");
  LrSearchReport r;
  r.input = input;
  r.tool_version = version();
  r.created_at = utc_now();
  for (const SearchedArchitecture& a : input.architectures) {
    ArchitectureEstimate e;
    e.architecture = a;
    if (!complete_curve(a)) {
      e.excluded_because = "runs missing";
      // Still estimated on what is there, for the table, when every row has a value per seed.
      scale::RateCurve partial = a.curve;
      for (auto& row : partial.losses) row.resize(a.seeds.size(), std::nan(""));
      if (!partial.rates.empty()) e.estimate = scale::estimate_max_rate(partial, input.tolerance);
    } else {
      e.estimate = scale::estimate_max_rate(a.curve, input.tolerance);
      if (!e.estimate.found)
        e.excluded_because = "every rate diverged";
      else if (e.estimate.edge == scale::GridEdge::Lower)
        e.excluded_because = "minimum at the lowest rate of the grid";
      else if (e.estimate.edge == scale::GridEdge::Upper)
        e.excluded_because = "minimum at the highest rate of the grid";
      else
        e.used_in_fit = true;
    }
    r.estimates.push_back(std::move(e));
  }
  for (const std::string& predictor : input.predictors) {
    std::vector<double> empirical, predicted;
    std::vector<int> paths, depths;
    for (const auto& e : r.estimates) {
      const auto p = e.architecture.predicted.find(predictor);
      if (!e.used_in_fit || p == e.architecture.predicted.end()) continue;
      empirical.push_back(e.estimate.interpolated);
      predicted.push_back(p->second);
      paths.push_back(e.architecture.paths);
      depths.push_back(e.architecture.longest_depth);
    }
    if (empirical.size() < 3) {
      r.skipped_predictors.push_back(predictor + ": " + std::to_string(empirical.size()) +
                                     " architecture(s) with a maximal rate inside the grid; a fit needs 3");
      continue;
    }
    r.fits.push_back(fit_law(predictor, empirical, predicted, bootstrap));
    if (predictor == input.predictors.front()) {
      r.residuals_by_paths = group_residuals(r.fits.back().residuals_slope_one, paths);
      r.residuals_by_depth = group_residuals(r.fits.back().residuals_slope_one, depths);
    }
  }
  r.verdict = make_verdict(r);
  return r;
}

nlohmann::json to_json(const LrSearchReport& r) {
  nlohmann::json architectures = nlohmann::json::array();
  for (const auto& e : r.estimates) {
    nlohmann::json losses = nlohmann::json::array();
    for (const auto& row : e.architecture.curve.losses) {
      nlohmann::json seeds = nlohmann::json::array();
      for (double v : row) seeds.push_back(nullable(v));
      losses.push_back(seeds);
    }
    nlohmann::json means = nlohmann::json::array();
    for (double m : e.estimate.mean_losses) means.push_back(nullable(m));
    architectures.push_back(
        {{"key", e.architecture.key},
         {"paths", e.architecture.paths},
         {"longest_depth", e.architecture.longest_depth},
         {"rates", e.architecture.curve.rates},
         {"seeds", e.architecture.seeds},
         {"losses", losses},
         {"mean_losses", means},
         {"diverged_seeds", e.estimate.diverged_seeds},
         {"found", e.estimate.found},
         {"max_rate", e.estimate.found ? nlohmann::json(e.estimate.rate) : nlohmann::json(nullptr)},
         {"interpolated", e.estimate.found ? nlohmann::json(e.estimate.interpolated) : nlohmann::json(nullptr)},
         {"interval", {e.estimate.lower, e.estimate.upper}},
         {"grid_edge", std::string(scale::grid_edge_name(e.estimate.edge))},
         {"predicted", e.architecture.predicted},
         {"used_in_fit", e.used_in_fit},
         {"excluded_because", e.excluded_because}});
  }
  nlohmann::json fits = nlohmann::json::array();
  for (const LawFit& f : r.fits) fits.push_back(fit_json(f));
  return {{"search_id", r.input.search_id},
          {"dataset", r.input.dataset},
          {"protocol", r.input.protocol},
          {"epochs", r.input.epochs},
          {"loss", scale::loss_choice_name(r.input.loss)},
          {"rule", r.input.tolerance > 0 ? "within-tolerance" : "smallest-loss"},
          {"tolerance", r.input.tolerance},
          {"verdict", r.verdict},
          {"fits", fits},
          {"skipped_predictors", r.skipped_predictors},
          {"residuals_by_paths", groups_json(r.residuals_by_paths)},
          {"residuals_by_longest_depth", groups_json(r.residuals_by_depth)},
          {"architectures", architectures},
          {"provenance", r.input.provenance},
          {"tool_version", r.tool_version},
          {"created_at", r.created_at}};
}

std::string lr_search_markdown(const LrSearchReport& r) {
  std::string md = "# Learning-rate search: does the paper's law hold?\n\n" + setup_text(r) + "\n\n## Verdict\n\n" +
                   r.verdict + "\n\n## Empirical vs predicted maximal learning rate\n\n" +
                   "Logs of the rates; the law predicts slope 1 and a base rate equal to the calibrated one. "
                   "Intervals are percentile bootstraps over architectures.\n\n" +
                   fit_table_markdown(r);
  for (const std::string& skipped : r.skipped_predictors) md += "\nNot fitted: " + skipped + ".\n";
  md += "\n## Where the law fails (residuals of " + r.input.predictors.front() + ", slope 1)\n\n" +
        residuals_markdown(r.residuals_by_paths, "paths") + "\n" +
        residuals_markdown(r.residuals_by_depth, "longest depth") + "\n## Per architecture\n\n" +
        estimates_markdown(r) + "\n";
  for (const auto& e : r.estimates)
    md += "### " + markdown_text(e.architecture.key) + "\n\n" + curve_markdown(e) + "\n";
  md += "## Provenance\n\n```json\n" + r.input.provenance.dump(2) + "\n```\n\nnasrank " + r.tool_version + ", " +
        r.created_at + ".\n";
  return md;
}

std::string lr_search_html(const LrSearchReport& r) {
  auto table = [](const std::string& markdown) {
    // The Markdown tables rendered as HTML tables (same rows, one source).
    std::string html = "<table>";
    std::size_t line_no = 0;
    std::size_t start = 0;
    while (start < markdown.size()) {
      std::size_t end = markdown.find('\n', start);
      if (end == std::string::npos) end = markdown.size();
      const std::string line = markdown.substr(start, end - start);
      start = end + 1;
      if (line.size() < 2 || line[0] != '|') continue;
      if (line_no++ == 1) continue;  // the |---| row
      const std::string tag = line_no == 1 ? "th" : "td";
      html += "<tr>";
      std::size_t cell = 1;
      while (cell < line.size()) {
        const std::size_t next = line.find('|', cell);
        if (next == std::string::npos) break;
        std::string text = line.substr(cell, next - cell);
        text.erase(0, text.find_first_not_of(' '));
        text.erase(text.find_last_not_of(' ') + 1);
        html += "<" + tag + ">" + escape(text) + "</" + tag + ">";
        cell = next + 1;
      }
      html += "</tr>";
    }
    return html + "</table>\n";
  };
  std::string html = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Learning-rate search</title>
<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}th{background:#f4f4f4}
.verdict{background:#f6f8fb;padding:1em;border-left:4px solid #1f5fa8}
.chart-title{font-size:14px}.tick{font-size:10px;fill:#555}.axis-label{font-size:12px}.grid{stroke:#eee}
.frame{fill:none;stroke:#999}
.identity{stroke:#888;stroke-dasharray:4 3}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}
</style></head><body>
<h1>Learning-rate search: does the paper's law hold?</h1>
)";
  html += "<p>" + escape(setup_text(r)) + "</p>\n<h2>Verdict</h2><p class=\"verdict\">" + escape(r.verdict) + "</p>\n";
  html += "<h2>Empirical vs predicted maximal learning rate</h2>\n";
  for (const LawFit& f : r.fits)
    if (f.predictor == r.input.predictors.front()) html += law_scatter(r, f);
  html +=
      "<p>Grey dotted line: the law (empirical = predicted, with the base rate fitted). Red dashed line: the free "
      "least-squares fit. Bars: the rates the seeds cannot tell apart from the chosen one.</p>\n";
  html += table(fit_table_markdown(r));
  for (const std::string& skipped : r.skipped_predictors) html += "<p>Not fitted: " + escape(skipped) + ".</p>\n";
  html += "<h2>Where the law fails</h2><p>Residuals log(empirical) - log(predicted) under " +
          escape(r.input.predictors.front()) + " with slope 1.</p>\n" +
          table(residuals_markdown(r.residuals_by_paths, "paths")) +
          table(residuals_markdown(r.residuals_by_depth, "longest depth"));
  html +=
      "<h2>Loss against learning rate, per architecture</h2>\n" + curves_small_multiples(r) +
      "<p>Mean final training loss over seeds; × a rate where a seed diverged; solid green: the chosen rate, dashed: "
      "interpolated.</p>\n" +
      table(estimates_markdown(r));
  html += "<h2>Provenance</h2><pre>" + escape(r.input.provenance.dump(2)) + "</pre>\n<p>nasrank " +
          escape(r.tool_version) + " · " + escape(r.created_at) + "</p>\n</body></html>\n";
  return html;
}

std::filesystem::path write_lr_search_report(const LrSearchReport& report, const std::filesystem::path& out_dir) {
  return write_report_files(out_dir, {{"lr-search.json", to_json(report).dump(2) + "\n"},
                                      {"lr-search.md", lr_search_markdown(report)},
                                      {"lr-search.html", lr_search_html(report)}})
      .back();
}

}  // namespace nasrank::analyze
