#include "nasrank/analyze/report.h"

#include "nasrank/analyze/stats_json.h"
#include "nasrank/common/error.h"
#include "nasrank/common/version.h"
#include "svg.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <string_view>

namespace nasrank::analyze {
namespace {

using svg::escape;
using svg::fixed;

// Text from the user (titles, labels, store paths, arch strings) in Markdown:
// every character Markdown or a table gives a meaning is backslash-escaped
// and line breaks become spaces, so a label shows as written and cannot break
// a table row or inject a link.
std::string markdown_text(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>#!|~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

constexpr const char* kReferenceColor = "#1f5fa8";
constexpr const char* kCandidateColor = "#d1495b";
constexpr const char* kCeilingColor = "#6a6a6a";

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string percent_label(double percent) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%g%%", percent);
  return buffer;
}

std::string with_interval(double value, const Interval& interval) {
  return fixed(value, 4) + " [" + fixed(interval.lower, 4) + ", " + fixed(interval.upper, 4) + "]";
}

std::string verdict(const Report& r) {
  const auto& c = r.comparison.correlation;
  if (!r.ceiling)
    return "No noise ceiling: it needs two seeds of one protocol, so this report cannot say whether the change in "
           "ranking exceeds seed noise.";
  const std::string numbers = "Kendall tau-b between the two sides is " + with_interval(c.kendall.tau_b, c.tau_b_interval) +
                              "; between two seeds (" + r.input.noise_ceiling->description + ") it is " +
                              with_interval(r.ceiling->kendall.tau_b, r.ceiling->tau_b_interval) + ".";
  return r.exceeds_seed_noise ? "The ranking change exceeds seed noise. " + numbers
                              : "The ranking change does not exceed seed noise (the intervals overlap or the change is "
                                "smaller). " + numbers;
}

std::string write_text(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw InputError("report '" + path.string() + "': cannot write " + tmp.string());
    out << text;
    out.flush();
    if (!out) {
      out.close();
      std::filesystem::remove(tmp);
      throw InputError("report '" + path.string() + "': write failed (disk full?)");
    }
  }
  std::filesystem::rename(tmp, path);
  return path.string();
}

}  // namespace

Report build_report(ComparisonInput input) {
  if (input.keys.size() != input.reference_values.size() || input.keys.size() != input.candidate_values.size() ||
      input.labels.size() != input.keys.size())
    throw InternalError("report input: keys, labels and values differ in length");
  if (input.keys.size() < 2)
    throw InputError("comparison '" + input.title + "': only " + std::to_string(input.keys.size()) +
                     " architecture(s) are on both sides (at least 2 are needed to compare rankings)");
  Report report;
  report.comparison = compare_rankings(input.reference_values, input.candidate_values, input.options);
  if (input.noise_ceiling && input.noise_ceiling->seed_a.size() >= 2) {
    report.ceiling = noise_ceiling(input.noise_ceiling->seed_a, input.noise_ceiling->seed_b, input.options.bootstrap);
    report.ceiling_curve =
        top_percent_kendall(input.noise_ceiling->seed_a, input.noise_ceiling->seed_b, input.options.top_percents);
    report.exceeds_seed_noise = exceeds_seed_noise(report.comparison.correlation, *report.ceiling);
  } else {
    input.noise_ceiling.reset();
  }
  report.input = std::move(input);
  report.tool_version = version();
  report.created_at = utc_now();
  return report;
}

nlohmann::json report_json(const Report& r) {
  const ComparisonInput& in = r.input;
  auto side = [](const ReportSide& s) { return nlohmann::json{{"label", s.label}, {"source", s.source}, {"provenance", s.provenance}}; };
  nlohmann::json architectures = nlohmann::json::array();
  for (std::size_t k = 0; k < in.keys.size(); ++k)
    architectures.push_back({{"key", in.keys[k]}, {"label", in.labels[k]}, {"reference", in.reference_values[k]},
                             {"candidate", in.candidate_values[k]}});
  nlohmann::json doc{{"title", in.title},
                     {"dataset", in.dataset},
                     {"metric", in.metric},
                     {"reference", side(in.reference)},
                     {"candidate", side(in.candidate)},
                     {"counts",
                      {{"matched", in.counts.matched},
                       {"only_reference", in.counts.only_reference},
                       {"only_candidate", in.counts.only_candidate},
                       {"excluded_disconnected", in.counts.excluded_disconnected},
                       {"diverged", in.counts.diverged},
                       {"non_finite", in.counts.non_finite}}},
                     {"options", in.options},
                     {"statistics", r.comparison},
                     {"exceeds_seed_noise", r.exceeds_seed_noise},
                     {"verdict", verdict(r)},
                     {"tool_version", r.tool_version},
                     {"created_at", r.created_at},
                     {"architectures", architectures}};
  if (r.ceiling) {
    doc["noise_ceiling"] = {{"description", in.noise_ceiling->description},
                            {"correlation", *r.ceiling},
                            {"top_percent_curve", r.ceiling_curve}};
  } else {
    doc["noise_ceiling"] = nullptr;
  }
  return doc;
}

std::string report_markdown(const Report& r) {
  const ComparisonInput& in = r.input;
  const RankingComparison& s = r.comparison;
  std::string md = "# " + markdown_text(in.title) + "\n\n";
  md += "Dataset **" + markdown_text(in.dataset) + "**, metric **" + markdown_text(in.metric) + "**. Reference: **" +
        markdown_text(in.reference.label) + "** (" + markdown_text(in.reference.source) + "); candidate: **" +
        markdown_text(in.candidate.label) + "** (" + markdown_text(in.candidate.source) + ").\n\n";
  md += verdict(r) + "\n\n## Rank correlation\n\n| statistic | value | " +
        std::to_string(static_cast<int>(std::round(in.options.bootstrap.level * 100))) + "% bootstrap CI |\n|---|---|---|\n";
  md += "| Kendall tau-b | " + fixed(s.correlation.kendall.tau_b, 4) + " | [" + fixed(s.correlation.tau_b_interval.lower, 4) +
        ", " + fixed(s.correlation.tau_b_interval.upper, 4) + "] |\n";
  md += "| Spearman rho | " + fixed(s.correlation.spearman_rho, 4) + " | [" + fixed(s.correlation.rho_interval.lower, 4) +
        ", " + fixed(s.correlation.rho_interval.upper, 4) + "] |\n";
  md += "| Pearson r | " + fixed(s.correlation.pearson_r, 4) + " | |\n";
  md += "| top-" + std::to_string(s.top_k.k) + " overlap | " + fixed(s.top_k.fraction, 4) + " (" +
        std::to_string(s.top_k.shared) + " of " + std::to_string(s.top_k.k) + ") | |\n";
  if (r.ceiling)
    md += "| noise ceiling tau-b (" + markdown_text(in.noise_ceiling->description) + ") | " + fixed(r.ceiling->kendall.tau_b, 4) + " | [" +
          fixed(r.ceiling->tau_b_interval.lower, 4) + ", " + fixed(r.ceiling->tau_b_interval.upper, 4) + "] |\n";
  md += "\n## Kendall tau-b within the top K% of the reference\n\n| K | architectures | tau-b |" +
        std::string(r.ceiling ? " ceiling tau-b |" : "") + "\n|---|---|---|" + (r.ceiling ? "---|" : "") + "\n";
  for (std::size_t k = 0; k < s.top_percent_curve.size(); ++k) {
    const auto& p = s.top_percent_curve[k];
    md += "| " + percent_label(p.percent) + " | " + std::to_string(p.count) + " | " + fixed(p.kendall.tau_b, 4) + " |";
    if (r.ceiling) md += " " + (k < r.ceiling_curve.size() ? fixed(r.ceiling_curve[k].kendall.tau_b, 4) : "n/a") + " |";
    md += "\n";
  }
  md += "\n## Accuracy change (candidate - reference, points)\n\n";
  md += "mean " + fixed(s.change.mean, 3) + ", median " + fixed(s.change.median, 3) + ", min " + fixed(s.change.min, 3) +
        ", max " + fixed(s.change.max, 3) + "; improved " + std::to_string(s.change.improved) + ", worsened " +
        std::to_string(s.change.worsened) + ", unchanged " + std::to_string(s.change.unchanged) + ".\n\n";
  md += "Pairwise accuracy gaps |acc_i - acc_j| over " + std::to_string(s.reference_gaps.pairs) +
        " pairs: median " + fixed(s.reference_gaps.median, 3) + " (reference) vs " + fixed(s.candidate_gaps.median, 3) +
        " (candidate); mean " + fixed(s.reference_gaps.mean, 3) + " vs " + fixed(s.candidate_gaps.mean, 3) + ".\n\n";
  md += "## Largest rank moves\n\n| architecture | reference | candidate | rank ref. | rank cand. | move |\n|---|---|---|---|---|---|\n";
  for (const auto& m : s.rank_moves)
    md += "| " + markdown_text(in.labels[m.index]) + " | " + fixed(m.value_a, 2) + " | " + fixed(m.value_b, 2) + " | " +
          fixed(m.rank_a, 1) + " | " + fixed(m.rank_b, 1) + " | " + fixed(m.move, 1) + " |\n";
  md += "\n## Counts\n\n| matched | only in reference | only in candidate | disconnected (excluded) | diverged | other missing |\n"
        "|---|---|---|---|---|---|\n| " +
        std::to_string(in.counts.matched) + " | " + std::to_string(in.counts.only_reference) + " | " +
        std::to_string(in.counts.only_candidate) + " | " + std::to_string(in.counts.excluded_disconnected) + " | " +
        std::to_string(in.counts.diverged) + " | " + std::to_string(in.counts.non_finite) + " |\n";
  md += "\n## Provenance\n\nReference:\n\n```json\n" + in.reference.provenance.dump(2) + "\n```\n\nCandidate:\n\n```json\n" +
        in.candidate.provenance.dump(2) + "\n```\n\nnasrank " + r.tool_version + ", " + r.created_at + ".\n";
  return md;
}

std::string report_html(const Report& r) {
  const ComparisonInput& in = r.input;
  const RankingComparison& s = r.comparison;
  const std::vector<double>& ref = in.reference_values;
  const std::vector<double>& cand = in.candidate_values;
  const double lo = std::min(*std::min_element(ref.begin(), ref.end()), *std::min_element(cand.begin(), cand.end()));
  const double hi = std::max(*std::max_element(ref.begin(), ref.end()), *std::max_element(cand.begin(), cand.end()));
  const std::string scatter =
      svg::scatter(ref, cand, svg::nice_axis(lo, hi, in.reference.label + " — " + in.metric),
                   svg::nice_axis(lo, hi, in.candidate.label + " — " + in.metric), true,
                   "Accuracy of every matched architecture (" + std::to_string(ref.size()) + ")");

  std::vector<std::string> percents;
  svg::Series tau{"reference vs candidate", {}, false, kCandidateColor};
  svg::Series ceiling{"seed vs seed (noise ceiling)", {}, true, kCeilingColor};
  for (std::size_t k = 0; k < s.top_percent_curve.size(); ++k) {
    percents.push_back(percent_label(s.top_percent_curve[k].percent));
    tau.y.push_back(s.top_percent_curve[k].kendall.tau_b);
    if (r.ceiling) ceiling.y.push_back(k < r.ceiling_curve.size() ? r.ceiling_curve[k].kendall.tau_b : std::nan(""));
  }
  std::vector<svg::Series> curves{tau};
  if (r.ceiling) curves.push_back(ceiling);
  double tau_min = 0.0;
  for (const auto& series : curves)
    for (double v : series.y)
      if (std::isfinite(v)) tau_min = std::min(tau_min, v);
  const std::string curve_svg = svg::line_chart(percents, curves, svg::nice_axis(tau_min, 1.0, "Kendall tau-b"),
                                                "top K% of the reference ranking", "Kendall tau-b within the top K%");

  std::vector<std::string> bins;
  svg::Series ref_gaps{"reference", {}, false, kReferenceColor};
  svg::Series cand_gaps{"candidate", {}, false, kCandidateColor};
  double gap_max = 0.0;
  for (std::size_t k = 0; k + 1 < s.reference_gaps.edges.size(); ++k) {
    bins.push_back(svg::fixed(s.reference_gaps.edges[k], 2).substr(0, 5) + "–");
    const double rp = s.reference_gaps.pairs ? static_cast<double>(s.reference_gaps.counts[k]) / s.reference_gaps.pairs : 0;
    const double cp = s.candidate_gaps.pairs ? static_cast<double>(s.candidate_gaps.counts[k]) / s.candidate_gaps.pairs : 0;
    ref_gaps.y.push_back(rp);
    cand_gaps.y.push_back(cp);
    gap_max = std::max({gap_max, rp, cp});
  }
  const std::string gaps_svg = svg::grouped_bars(bins, {ref_gaps, cand_gaps}, svg::nice_axis(0.0, gap_max, "fraction of pairs"),
                                                 "|accuracy_i - accuracy_j| (points, bin start)",
                                                 "Pairwise accuracy gaps");

  std::string moves;
  for (const auto& m : s.rank_moves)
    moves += "<tr><td class=\"arch\">" + escape(in.labels[m.index]) + "</td><td>" + fixed(m.value_a, 2) + "</td><td>" +
             fixed(m.value_b, 2) + "</td><td>" + fixed(m.rank_a, 1) + "</td><td>" + fixed(m.rank_b, 1) + "</td><td>" +
             fixed(m.move, 1) + "</td></tr>\n";
  auto stat_row = [](const std::string& name, const std::string& value, const std::string& id) {
    return "<tr><th>" + name + "</th><td id=\"" + id + "\">" + value + "</td></tr>\n";
  };
  std::string stats_rows;
  stats_rows += stat_row("Kendall tau-b [CI]", with_interval(s.correlation.kendall.tau_b, s.correlation.tau_b_interval), "tau-b");
  stats_rows += stat_row("Spearman rho [CI]", with_interval(s.correlation.spearman_rho, s.correlation.rho_interval), "rho");
  stats_rows += stat_row("Pearson r", fixed(s.correlation.pearson_r, 4), "pearson");
  stats_rows += stat_row("top-" + std::to_string(s.top_k.k) + " overlap",
                         fixed(s.top_k.fraction, 4) + " (" + std::to_string(s.top_k.shared) + " of " + std::to_string(s.top_k.k) + ")",
                         "top-k");
  stats_rows += stat_row("mean / median accuracy change", fixed(s.change.mean, 3) + " / " + fixed(s.change.median, 3) + " points",
                         "change");
  if (r.ceiling)
    stats_rows += stat_row("noise ceiling tau-b [CI]", with_interval(r.ceiling->kendall.tau_b, r.ceiling->tau_b_interval),
                           "ceiling");
  const auto& c = in.counts;
  const std::string counts = "<tr><td>" + std::to_string(c.matched) + "</td><td>" + std::to_string(c.only_reference) +
                             "</td><td>" + std::to_string(c.only_candidate) + "</td><td>" +
                             std::to_string(c.excluded_disconnected) + "</td><td>" + std::to_string(c.diverged) +
                             "</td><td>" + std::to_string(c.non_finite) + "</td></tr>";
  std::string html = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>)" + escape(in.title) + R"(</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1180px;color:#1b1b1b;line-height:1.4}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#555}.verdict{background:#f4f6f9;border-left:4px solid #1f5fa8;padding:.6rem 1rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th{background:#f7f7f7;text-align:left}td.arch{font-family:ui-monospace,monospace;font-size:.8rem;text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{background:#fff;border:1px solid #e5e5e5}
.chart-title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#444}.axis-label{font-size:12px;fill:#222}
.legend{font-size:11px}.grid{stroke:#eee}.frame{fill:none;stroke:#999}.identity{stroke:#888;stroke-dasharray:4 3}
.points circle{fill:#d1495b;fill-opacity:.45}pre{background:#f7f7f7;padding:.6rem;overflow:auto;font-size:.8rem}
</style></head><body>
<h1>)" + escape(in.title) + R"(</h1>
<p class="meta">Dataset <b>)" + escape(in.dataset) + "</b> · metric <b>" + escape(in.metric) + "</b> · reference <b>" +
                     escape(in.reference.label) + "</b> · candidate <b>" + escape(in.candidate.label) + "</b> · nasrank " +
                     escape(r.tool_version) + " · " + escape(r.created_at) + R"(</p>
<p class="verdict" id="verdict">)" + escape(verdict(r)) + R"(</p>
<h2>Rank correlation</h2>
<table class="stats">)" + stats_rows + R"(</table>
<h2>Counts</h2>
<table class="counts"><tr><th>matched</th><th>only in reference</th><th>only in candidate</th><th>disconnected (excluded)</th><th>diverged</th><th>other missing</th></tr>
)" + counts + R"(</table>
<h2>Charts</h2>
<div class="charts">
)" + scatter + curve_svg + gaps_svg + R"(</div>
<h2>Largest rank moves</h2>
<table class="moves"><tr><th>architecture</th><th>reference</th><th>candidate</th><th>rank ref.</th><th>rank cand.</th><th>move</th></tr>
)" + moves + R"(</table>
<h2>Provenance</h2>
<h3>Reference: )" + escape(in.reference.label) + "</h3><p><code>" + escape(in.reference.source) + "</code></p><pre>" +
                     escape(in.reference.provenance.dump(2)) + "</pre>\n<h3>Candidate: " + escape(in.candidate.label) +
                     "</h3><p><code>" + escape(in.candidate.source) + "</code></p><pre>" +
                     escape(in.candidate.provenance.dump(2)) + "</pre>\n<h3>Analysis options</h3><pre>" +
                     escape(nlohmann::json(in.options).dump(2)) + "</pre>\n</body></html>\n";
  return html;
}

std::filesystem::path write_report(const Report& report, const std::filesystem::path& out) {
  const std::filesystem::path base =
      std::filesystem::is_directory(out) ? out / "report" : out.parent_path() / out.stem();
  if (!base.parent_path().empty() && !std::filesystem::exists(base.parent_path()))
    throw InputError("report '" + out.string() + "': folder '" + base.parent_path().string() + "' does not exist");
  const std::filesystem::path html = base.string() + ".html";
  write_text(base.string() + ".json", report_json(report).dump(2) + "\n");
  write_text(base.string() + ".md", report_markdown(report));
  write_text(html, report_html(report));
  return html;
}

}  // namespace nasrank::analyze
