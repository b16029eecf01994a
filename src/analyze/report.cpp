#include "nasrank/analyze/report.h"

#include "nasrank/analyze/stats_json.h"
#include "nasrank/common/error.h"
#include "nasrank/common/utc_time.h"
#include "nasrank/common/version.h"
#include "report_files.h"
#include "svg.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string_view>

namespace nasrank::analyze {
namespace {

using svg::escape;
using svg::fixed;

constexpr const char* kReferenceColor = "#1f5fa8";
constexpr const char* kCandidateColor = "#d1495b";
constexpr const char* kCeilingColor = "#6a6a6a";

std::string percent_label(double percent) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%g%%", percent);
  return buffer;
}

std::string interval_text(const Interval& interval) {
  return "[" + fixed(interval.lower, 4) + ", " + fixed(interval.upper, 4) + "]";
}

std::string too_small(std::size_t n) { return "n too small (n=" + std::to_string(n) + ")"; }

std::string level_text(const AnalysisOptions& options) {
  return std::to_string(static_cast<int>(std::round(options.bootstrap.level * 100))) + "%";
}

double sample_std(const std::vector<double>& values) {
  double sum = 0.0;
  std::size_t n = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++n;
  if (n < 2) return std::nan("");
  const double mean = sum / static_cast<double>(n);
  double squares = 0.0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(n - 1));
}

// Ranks 1..n with 1 = the highest value; ties share their average rank.
std::vector<double> best_first_ranks(const std::vector<double>& values) {
  std::vector<double> ranks = average_ranks(values);
  const double reversal = static_cast<double>(values.size()) + 1.0;
  for (double& rank : ranks) rank = reversal - rank;
  return ranks;
}

std::string headline_of(const Report& r) {
  const ComparisonInput& in = r.input;
  const auto& c = r.comparison.correlation;
  const std::string n = std::to_string(in.keys.size());
  if (!r.comparison.supported)
    return "Too few architectures to compare rankings: " + n + " matched, and a rank statistic needs at least " +
           std::to_string(in.options.min_n) + " (min n). No correlation, curve point or seed-noise verdict is shown.";
  std::string text = in.candidate.label + " against " + in.reference.label + " over " + n +
                     " architectures: Kendall tau-b " + fixed(c.kendall.tau_b, 4) + " " +
                     interval_text(c.tau_b_interval) + " (" + level_text(in.options) + " bootstrap interval)";
  if (!r.noise_test) return text + "; no seed-noise verdict (it needs two seeds of one protocol).";
  const SeedNoiseTest& t = *r.noise_test;
  if (!t.supported)
    return text + "; no seed-noise verdict (" + too_small(t.n) + " architectures have the seeds it needs).";
  const std::string matched = "at " + std::to_string(in.noise_ceiling->seeds_per_half) +
                              (in.noise_ceiling->seeds_per_half == 1 ? " seed" : " seeds") +
                              " per side, two seed sets of " + "one protocol agree at tau-b " +
                              fixed(t.ceiling_tau_b, 4) + " and the two protocols at " + fixed(t.cross_tau_b, 4) +
                              ", difference " + fixed(t.difference, 4) + " " + interval_text(t.difference_interval);
  return text +
         (t.exceeds ? "; the ranking change exceeds seed noise ("
                    : "; the ranking change does not exceed seed noise (") +
         matched + ").";
}

}  // namespace

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

Report build_report(ComparisonInput input) {
  if (input.keys.size() != input.reference_values.size() || input.keys.size() != input.candidate_values.size() ||
      input.labels.size() != input.keys.size() || (!input.details.empty() && input.details.size() != input.keys.size()))
    throw InternalError("report input: keys, labels, details and values differ in length");
  if (input.keys.size() < 2)
    throw InputError("comparison '" + input.title + "': only " + std::to_string(input.keys.size()) +
                     " architecture(s) are on both sides (at least 2 are needed to compare rankings)");
  Report report;
  const AnalysisOptions& options = input.options;
  report.comparison = compare_rankings(input.reference_values, input.candidate_values, options);
  report.reference_ranks = best_first_ranks(input.reference_values);
  report.candidate_ranks = best_first_ranks(input.candidate_values);
  if (input.noise_ceiling && input.noise_ceiling->seed_a.size() >= 2) {
    const NoiseCeilingInput& nc = *input.noise_ceiling;
    if (nc.seed_b.size() != nc.seed_a.size() || nc.other.size() != nc.seed_a.size())
      throw InternalError("noise ceiling input: seed_a, seed_b and other differ in length");
    const std::size_t n = nc.seed_a.size();
    if (n >= options.min_n) {
      report.ceiling = noise_ceiling(nc.seed_a, nc.seed_b, options.bootstrap);
      report.ceiling_curve = top_percent_curve(nc.seed_a, nc.seed_b, options);
      report.noise_test = seed_noise_test(nc.seed_a, nc.seed_b, nc.other, options.bootstrap);
    } else {
      SeedNoiseTest test;
      test.n = n;
      test.supported = false;
      test.bootstrap = options.bootstrap;
      test.false_positive_rate = 0.5 * (1.0 - options.bootstrap.level);
      report.noise_test = test;
    }
    report.exceeds_seed_noise = report.noise_test->supported && report.noise_test->exceeds;
  } else {
    input.noise_ceiling.reset();
  }
  const DivergedTreatment& d = input.diverged;
  if (d.alternate_reference.size() >= 2 && d.alternate_reference.size() == d.alternate_candidate.size()) {
    report.diverged_alternate = kendall_tau_b(d.alternate_reference, d.alternate_candidate);
    report.diverged_alternate_supported = d.alternate_reference.size() >= options.min_n;
  } else {
    report.diverged_alternate.n = d.alternate_reference.size();
  }
  report.input = std::move(input);
  const ComparisonInput& in = report.input;
  if (!report.comparison.supported)
    report.warnings.push_back("only " + std::to_string(in.keys.size()) + " architectures matched (min n = " +
                              std::to_string(in.options.min_n) + "): every rank statistic is withheld");
  if (report.comparison.supported && !report.comparison.top_k.supported)
    report.warnings.push_back("top-" + std::to_string(in.options.top_k) +
                              " overlap needs n >= " + std::to_string(2 * in.options.top_k) +
                              " (n=" + std::to_string(in.keys.size()) + "); choose a smaller --top-k");
  if (d.reference + d.candidate > 0)
    report.warnings.push_back(std::to_string(d.reference) + " architecture(s) diverged on " + in.reference.label +
                              ", " + std::to_string(d.candidate) + " on " + in.candidate.label + "; " + d.description);
  if (in.noise_ceiling && !in.noise_ceiling->other_description.empty() &&
      in.noise_ceiling->other_description.find("stored mean") != std::string::npos)
    report.warnings.push_back("seed-noise test: " + in.noise_ceiling->other_description);
  report.headline = headline_of(report);
  report.tool_version = version();
  report.created_at = utc_now();
  return report;
}

namespace {

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json side_detail(const std::vector<std::int64_t>& seeds, const std::vector<double>& values, double mean,
                           double rank, double lr, const std::string& init, bool diverged) {
  nlohmann::json seed_values = nlohmann::json::array();
  for (double v : values) seed_values.push_back(number_or_null(v));
  return nlohmann::json{{"seeds", seeds},
                        {"per_seed", seed_values},
                        {"mean", number_or_null(mean)},
                        {"std", number_or_null(sample_std(values))},
                        {"rank", rank},
                        {"learning_rate", number_or_null(lr)},
                        {"init", init},
                        {"diverged", diverged}};
}

}  // namespace

nlohmann::json report_json(const Report& r) {
  const ComparisonInput& in = r.input;
  auto side = [](const ReportSide& s) {
    return nlohmann::json{{"label", s.label}, {"source", s.source}, {"provenance", s.provenance}};
  };
  nlohmann::json architectures = nlohmann::json::array();
  for (std::size_t k = 0; k < in.keys.size(); ++k) {
    const ArchitectureDetail detail = in.details.empty() ? ArchitectureDetail{} : in.details[k];
    architectures.push_back(
        {{"key", in.keys[k]},
         {"label", in.labels[k]},
         {"benchmark_index",
          detail.benchmark_index >= 0 ? nlohmann::json(detail.benchmark_index) : nlohmann::json(nullptr)},
         {"arch", detail.arch.empty() ? in.labels[k] : detail.arch},
         {"paths", detail.paths >= 0 ? nlohmann::json(detail.paths) : nlohmann::json(nullptr)},
         {"longest_depth", detail.longest_depth >= 0 ? nlohmann::json(detail.longest_depth) : nlohmann::json(nullptr)},
         {"reference",
          side_detail(detail.reference_seeds, detail.reference_seed_values, in.reference_values[k],
                      r.reference_ranks[k], detail.reference_lr, detail.reference_init, detail.reference_diverged)},
         {"candidate",
          side_detail(detail.candidate_seeds, detail.candidate_seed_values, in.candidate_values[k],
                      r.candidate_ranks[k], detail.candidate_lr, detail.candidate_init, detail.candidate_diverged)},
         {"rank_move", r.reference_ranks[k] - r.candidate_ranks[k]}});
  }
  nlohmann::json moves = nlohmann::json::array();
  for (const RankMove& m : r.comparison.rank_moves) {
    const ArchitectureDetail detail = in.details.empty() ? ArchitectureDetail{} : in.details[m.index];
    moves.push_back({{"key", in.keys[m.index]},
                     {"benchmark_index",
                      detail.benchmark_index >= 0 ? nlohmann::json(detail.benchmark_index) : nlohmann::json(nullptr)},
                     {"label", in.labels[m.index]},
                     {"reference", m.value_a},
                     {"candidate", m.value_b},
                     {"reference_rank", m.rank_a},
                     {"candidate_rank", m.rank_b},
                     {"move", m.move}});
  }
  nlohmann::json statistics = r.comparison;
  statistics["rank_moves"] = moves;
  const DivergedTreatment& d = in.diverged;
  nlohmann::json alternate = nullptr;
  if (!d.alternate_description.empty())
    alternate = {{"description", d.alternate_description},
                 {"n", r.diverged_alternate.n},
                 {"supported", r.diverged_alternate_supported},
                 {"tau_b", r.diverged_alternate_supported ? number_or_null(r.diverged_alternate.tau_b)
                                                          : nlohmann::json(nullptr)}};
  nlohmann::json doc{{"format", "nasrank-comparison-report"},
                     {"format_version", 2},
                     {"title", in.title},
                     {"dataset", in.dataset},
                     {"metric", in.metric},
                     {"rank_order", "rank 1 is the best (highest accuracy); ties share their average rank"},
                     {"headline", r.headline},
                     {"warnings", r.warnings},
                     {"reference", side(in.reference)},
                     {"candidate", side(in.candidate)},
                     {"counts",
                      {{"matched", in.counts.matched},
                       {"only_reference", in.counts.only_reference},
                       {"only_candidate", in.counts.only_candidate},
                       {"excluded_disconnected", in.counts.excluded_disconnected},
                       {"diverged", in.counts.diverged},
                       {"non_finite", in.counts.non_finite}}},
                     {"diverged",
                      {{"policy", d.policy},
                       {"description", d.description},
                       {"reference", d.reference},
                       {"candidate", d.candidate},
                       {"alternate", alternate}}},
                     {"options", in.options},
                     {"statistics", statistics},
                     {"exceeds_seed_noise", r.exceeds_seed_noise},
                     {"tool_version", r.tool_version},
                     {"created_at", r.created_at},
                     {"architectures", architectures}};
  if (in.noise_ceiling) {
    doc["noise_ceiling"] = {{"description", in.noise_ceiling->description},
                            {"other_description", in.noise_ceiling->other_description},
                            {"seeds_per_half", in.noise_ceiling->seeds_per_half},
                            {"correlation", r.ceiling ? nlohmann::json(*r.ceiling) : nlohmann::json(nullptr)},
                            {"top_percent_curve", r.ceiling_curve},
                            {"test", *r.noise_test}};
  } else {
    doc["noise_ceiling"] = nullptr;
  }
  return doc;
}

namespace {

std::string stat_or_small(bool supported, std::size_t n, const std::string& value) {
  return supported ? value : too_small(n);
}

}  // namespace

std::string report_markdown(const Report& r) {
  const ComparisonInput& in = r.input;
  const RankingComparison& s = r.comparison;
  const auto& c = s.correlation;
  const std::size_t n = in.keys.size();
  std::string md = "# " + markdown_text(in.title) + "\n\n";
  // The headline and warnings quote the user's labels.
  md += "**" + markdown_text(r.headline) + "**\n\n";
  for (const auto& warning : r.warnings) md += "* warning: " + markdown_text(warning) + "\n";
  if (!r.warnings.empty()) md += "\n";
  md += "Dataset **" + markdown_text(in.dataset) + "**, metric **" + markdown_text(in.metric) + "**. Reference: **" +
        markdown_text(in.reference.label) + "** (" + markdown_text(in.reference.source) + "); candidate: **" +
        markdown_text(in.candidate.label) + "** (" + markdown_text(in.candidate.source) +
        "). Rank 1 is the best (highest accuracy); ties share their average rank.\n\n";
  md += "## Rank correlation\n\n| statistic | n | value | " + level_text(in.options) +
        " bootstrap CI |\n|---|---|---|---|\n";
  md += "| Kendall tau-b | " + std::to_string(n) + " | " + stat_or_small(c.supported, n, fixed(c.kendall.tau_b, 4)) +
        " | " + (c.supported ? interval_text(c.tau_b_interval) : "") + " |\n";
  md += "| Spearman rho | " + std::to_string(n) + " | " + stat_or_small(c.supported, n, fixed(c.spearman_rho, 4)) +
        " | " + (c.supported ? interval_text(c.rho_interval) : "") + " |\n";
  md += "| Pearson r | " + std::to_string(n) + " | " + stat_or_small(c.supported, n, fixed(c.pearson_r, 4)) + " | |\n";
  md += "| top-" + std::to_string(s.top_k.k) + " overlap | " + std::to_string(n) + " | " +
        stat_or_small(s.top_k.supported, n,
                      fixed(s.top_k.fraction, 4) + " (" + std::to_string(s.top_k.shared) + " of " +
                          std::to_string(s.top_k.k) + ")") +
        " | |\n";
  if (r.ceiling)
    md += "| noise ceiling tau-b (" + markdown_text(in.noise_ceiling->description) + ") | " +
          std::to_string(r.ceiling->n) + " | " + fixed(r.ceiling->kendall.tau_b, 4) + " | " +
          interval_text(r.ceiling->tau_b_interval) + " |\n";
  if (r.noise_test && r.noise_test->supported) {
    const auto& t = *r.noise_test;
    md += "| tau-b between the protocols at matched seeds (" + markdown_text(in.noise_ceiling->other_description) +
          ") | " + std::to_string(t.n) + " | " + fixed(t.cross_tau_b, 4) + " | |\n";
    md += "| ceiling minus that (exceeds seed noise when the CI is above 0; false-positive rate " +
          fixed(100 * t.false_positive_rate, 1) + "%) | " + std::to_string(t.n) + " | " + fixed(t.difference, 4) +
          " | " + interval_text(t.difference_interval) + " |\n";
  } else if (r.noise_test) {
    md += "| seed-noise test | " + std::to_string(r.noise_test->n) + " | " + too_small(r.noise_test->n) + " | |\n";
  }
  md +=
      "\n## Kendall tau-b within the top K% of the reference\n\nEvery architecture tied with the last one inside the "
      "cut "
      "is kept, so n can exceed K% of " +
      std::to_string(n) + ".\n\n| K | n | tau-b | CI |" +
      std::string(r.ceiling ? " ceiling tau-b | ceiling CI |" : "") + "\n|---|---|---|---|" +
      (r.ceiling ? "---|---|" : "") + "\n";
  for (std::size_t k = 0; k < s.top_percent_curve.size(); ++k) {
    const auto& p = s.top_percent_curve[k];
    md += "| " + percent_label(p.percent) + " | " + std::to_string(p.count) + " | " +
          stat_or_small(p.supported, p.count, fixed(p.kendall.tau_b, 4)) + " | " +
          (p.supported ? interval_text(p.tau_b_interval) : "") + " |";
    if (r.ceiling) {
      if (k < r.ceiling_curve.size() && r.ceiling_curve[k].supported)
        md += " " + fixed(r.ceiling_curve[k].kendall.tau_b, 4) + " | " +
              interval_text(r.ceiling_curve[k].tau_b_interval) + " |";
      else
        md += " " + (k < r.ceiling_curve.size() ? too_small(r.ceiling_curve[k].count) : std::string("n/a")) + " | |";
    }
    md += "\n";
  }
  const DivergedTreatment& d = in.diverged;
  md += "\n## Diverged runs\n\nPolicy **" + d.policy + "**" + (d.description.empty() ? "" : ": " + d.description) +
        ". Diverged architectures: " + std::to_string(d.reference) + " on " + markdown_text(in.reference.label) + ", " +
        std::to_string(d.candidate) + " on " + markdown_text(in.candidate.label) + ".";
  if (!d.alternate_description.empty())
    md += " Kendall tau-b " + d.alternate_description + ": " +
          stat_or_small(r.diverged_alternate_supported, r.diverged_alternate.n, fixed(r.diverged_alternate.tau_b, 4)) +
          " (n=" + std::to_string(r.diverged_alternate.n) + ") against " +
          stat_or_small(c.supported, n, fixed(c.kendall.tau_b, 4)) + " as ranked (n=" + std::to_string(n) + ").";
  md += "\n\n## Accuracy change (candidate - reference, points)\n\n";
  md += "n=" + std::to_string(s.change.n) + ": mean " + fixed(s.change.mean, 3) + ", median " +
        fixed(s.change.median, 3) + ", min " + fixed(s.change.min, 3) + ", max " + fixed(s.change.max, 3) +
        "; improved " + std::to_string(s.change.improved) + ", worsened " + std::to_string(s.change.worsened) +
        ", unchanged " + std::to_string(s.change.unchanged) + ".\n\n";
  md += "Pairwise accuracy gaps |acc_i - acc_j| over " + std::to_string(s.reference_gaps.pairs) + " pairs: median " +
        fixed(s.reference_gaps.median, 3) + " (reference) vs " + fixed(s.candidate_gaps.median, 3) +
        " (candidate); mean " + fixed(s.reference_gaps.mean, 3) + " vs " + fixed(s.candidate_gaps.mean, 3) + ".\n\n";
  md +=
      "## Largest rank moves\n\nRank 1 is the best; move = reference rank - candidate rank (positive: climbed).\n\n"
      "| architecture | " +
      markdown_text(in.reference.label) + " | " + markdown_text(in.candidate.label) + " | rank " +
      markdown_text(in.reference.label) + " | rank " + markdown_text(in.candidate.label) +
      " | move |\n|---|---|---|---|---|---|\n";
  for (const auto& m : s.rank_moves)
    md += "| " + markdown_text(in.labels[m.index]) + " | " + fixed(m.value_a, 2) + " | " + fixed(m.value_b, 2) + " | " +
          fixed(m.rank_a, 1) + " | " + fixed(m.rank_b, 1) + " | " + fixed(m.move, 1) + " |\n";
  md +=
      "\n## Counts\n\n| matched | only in reference | only in candidate | disconnected (excluded) | diverged | other "
      "missing |\n"
      "|---|---|---|---|---|---|\n| " +
      std::to_string(in.counts.matched) + " | " + std::to_string(in.counts.only_reference) + " | " +
      std::to_string(in.counts.only_candidate) + " | " + std::to_string(in.counts.excluded_disconnected) + " | " +
      std::to_string(in.counts.diverged) + " | " + std::to_string(in.counts.non_finite) + " |\n";
  md += "\nEvery architecture with its per-seed values and both ranks is in the JSON report (`architectures`).\n";
  md += "\n## Provenance\n\nReference:\n\n```json\n" + in.reference.provenance.dump(2) +
        "\n```\n\nCandidate:\n\n```json\n" + in.candidate.provenance.dump(2) + "\n```\n\nnasrank " + r.tool_version +
        ", " + r.created_at + ".\n";
  return md;
}

namespace {

// Sorts a table.sortable by the clicked column: numbers by their data-v
// attribute (missing values last), text otherwise. Inline, so the page keeps
// its no-network Content-Security-Policy.
constexpr const char* kSortScript = R"(
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, column) {
    th.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) {
        var cell = row.cells[column], v = cell.getAttribute('data-v');
        return v === null ? cell.textContent : (v === '' ? NaN : parseFloat(v));
      };
      rows.sort(function (x, y) {
        var a = key(x), b = key(y);
        if (typeof a === 'number' && typeof b === 'number') {
          if (isNaN(a) || isNaN(b)) return isNaN(a) - isNaN(b);
          return ascending ? a - b : b - a;
        }
        return ascending ? String(a).localeCompare(String(b)) : String(b).localeCompare(String(a));
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
)";

std::string numeric_cell(double value, int decimals) {
  return "<td data-v=\"" + (std::isfinite(value) ? svg::fixed(value, 6) : std::string()) + "\">" +
         fixed(value, decimals) + "</td>";
}

std::string seed_values_text(const std::vector<std::int64_t>& seeds, const std::vector<double>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i)
    out += (out.empty() ? "" : ", ") + (i < seeds.size() ? std::to_string(seeds[i]) + ": " : "") + fixed(values[i], 2);
  return out.empty() ? "stored mean" : out;
}

std::string arch_tooltip(const ComparisonInput& in, const Report& r, std::size_t k) {
  return in.labels[k] + "\n" + in.reference.label + ": " + fixed(in.reference_values[k], 2) + " (rank " +
         fixed(r.reference_ranks[k], 1) + ")\n" + in.candidate.label + ": " + fixed(in.candidate_values[k], 2) +
         " (rank " + fixed(r.candidate_ranks[k], 1) + ")";
}

// Rank change against a per-architecture quantity, when it is known for some.
// Counts (paths, depth) are spread by a fixed jitter of up to +-0.3 so that
// thousands of architectures at one count show as a cloud, not one dot.
std::string lens_chart(const Report& r, const std::vector<double>& x, const std::string& x_label,
                       const std::string& title, bool jitter) {
  const ComparisonInput& in = r.input;
  std::vector<svg::Point> points;
  double lo = INFINITY, hi = -INFINITY, move_lo = 0.0, move_hi = 0.0;
  const bool tooltips = in.keys.size() <= 2000;
  for (std::size_t k = 0; k < x.size(); ++k) {
    if (!std::isfinite(x[k])) continue;
    const double move = r.reference_ranks[k] - r.candidate_ranks[k];
    const double spread = jitter ? 0.6 * (static_cast<double>((k * 2654435761u) % 1000u) / 1000.0 - 0.5) : 0.0;
    points.push_back(
        {x[k] + spread, move, tooltips ? arch_tooltip(in, r, k) + "\nmove " + fixed(move, 1) : std::string()});
    lo = std::min(lo, x[k] - (jitter ? 0.5 : 0.0));
    hi = std::max(hi, x[k] + (jitter ? 0.5 : 0.0));
    move_lo = std::min(move_lo, move);
    move_hi = std::max(move_hi, move);
  }
  if (points.empty()) return "";
  if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
  return svg::scatter(points, svg::nice_axis(lo, hi, x_label),
                      svg::nice_axis(move_lo, move_hi, "rank move (+ = climbed in " + in.candidate.label + ")"), false,
                      title);
}

}  // namespace

std::string report_html(const Report& r) {
  const ComparisonInput& in = r.input;
  const RankingComparison& s = r.comparison;
  const std::vector<double>& ref = in.reference_values;
  const std::vector<double>& cand = in.candidate_values;
  const std::size_t n = ref.size();
  const double lo = std::min(*std::min_element(ref.begin(), ref.end()), *std::min_element(cand.begin(), cand.end()));
  const double hi = std::max(*std::max_element(ref.begin(), ref.end()), *std::max_element(cand.begin(), cand.end()));
  std::vector<svg::Point> accuracy_points, rank_points;
  for (std::size_t k = 0; k < n; ++k) {
    const std::string tip = arch_tooltip(in, r, k);
    accuracy_points.push_back({ref[k], cand[k], tip});
    rank_points.push_back({r.reference_ranks[k], r.candidate_ranks[k], tip});
  }
  const std::string scatter =
      svg::scatter(accuracy_points, svg::nice_axis(lo, hi, in.reference.label + " — " + in.metric),
                   svg::nice_axis(lo, hi, in.candidate.label + " — " + in.metric), true,
                   "Accuracy of every matched architecture (n=" + std::to_string(n) + ")");
  const double rank_max = static_cast<double>(n);
  const std::string rank_scatter =
      svg::scatter(rank_points, svg::nice_axis(1.0, rank_max, "rank under " + in.reference.label + " (1 = best)"),
                   svg::nice_axis(1.0, rank_max, "rank under " + in.candidate.label + " (1 = best)"), true,
                   "Rank against rank (n=" + std::to_string(n) + ")");

  std::vector<std::string> percents;
  svg::Series tau{in.candidate.label + " vs " + in.reference.label, {}, false, kCandidateColor, {}, {}, {}};
  svg::Series ceiling{"seed vs seed (noise ceiling)", {}, true, kCeilingColor, {}, {}, {}};
  for (std::size_t k = 0; k < s.top_percent_curve.size(); ++k) {
    const auto& p = s.top_percent_curve[k];
    percents.push_back(percent_label(p.percent));
    tau.y.push_back(p.supported ? p.kendall.tau_b : std::nan(""));
    tau.lower.push_back(p.supported ? p.tau_b_interval.lower : std::nan(""));
    tau.upper.push_back(p.supported ? p.tau_b_interval.upper : std::nan(""));
    tau.tooltips.push_back(
        "top " + percent_label(p.percent) + " (n=" + std::to_string(p.count) +
        "): " + (p.supported ? fixed(p.kendall.tau_b, 3) + " " + interval_text(p.tau_b_interval) : too_small(p.count)));
    if (r.ceiling) {
      const bool shown = k < r.ceiling_curve.size() && r.ceiling_curve[k].supported;
      ceiling.y.push_back(shown ? r.ceiling_curve[k].kendall.tau_b : std::nan(""));
      ceiling.lower.push_back(shown ? r.ceiling_curve[k].tau_b_interval.lower : std::nan(""));
      ceiling.upper.push_back(shown ? r.ceiling_curve[k].tau_b_interval.upper : std::nan(""));
      ceiling.tooltips.push_back(
          "noise ceiling, top " + percent_label(p.percent) +
          (k < r.ceiling_curve.size() ? " (n=" + std::to_string(r.ceiling_curve[k].count) + ")" : "") + ": " +
          (shown ? fixed(ceiling.y.back(), 3) + " " + interval_text(r.ceiling_curve[k].tau_b_interval)
                 : std::string("not shown")));
    }
  }
  std::vector<svg::Series> curves{tau};
  if (r.ceiling) curves.push_back(ceiling);
  double tau_min = 0.0;
  for (const auto& series : curves)
    for (const auto* values : {&series.y, &series.lower})
      for (double v : *values)
        if (std::isfinite(v)) tau_min = std::min(tau_min, v);
  const std::string curve_svg = svg::line_chart(percents, curves, svg::nice_axis(tau_min, 1.0, "Kendall tau-b"),
                                                "top K% of the " + in.reference.label + " ranking",
                                                "Kendall tau-b within the top K% (shaded: CI)");

  std::vector<std::string> bins;
  svg::Series ref_gaps{in.reference.label, {}, false, kReferenceColor, {}, {}, {}};
  svg::Series cand_gaps{in.candidate.label, {}, false, kCandidateColor, {}, {}, {}};
  double gap_max = 0.0;
  for (std::size_t k = 0; k + 1 < s.reference_gaps.edges.size(); ++k) {
    bins.push_back(svg::fixed(s.reference_gaps.edges[k], 2).substr(0, 5) + "–");
    const double rp =
        s.reference_gaps.pairs ? static_cast<double>(s.reference_gaps.counts[k]) / s.reference_gaps.pairs : 0;
    const double cp =
        s.candidate_gaps.pairs ? static_cast<double>(s.candidate_gaps.counts[k]) / s.candidate_gaps.pairs : 0;
    ref_gaps.y.push_back(rp);
    cand_gaps.y.push_back(cp);
    gap_max = std::max({gap_max, rp, cp});
  }
  const std::string gaps_svg =
      svg::grouped_bars(bins, {ref_gaps, cand_gaps}, svg::nice_axis(0.0, gap_max, "fraction of pairs"),
                        "|accuracy_i - accuracy_j| (points, bin start)", "Pairwise accuracy gaps");

  // The paper's lens: does the move follow the learning rate or the depth?
  std::string lens;
  if (!in.details.empty()) {
    std::vector<double> lr(n), paths(n), depth(n);
    bool candidate_principled = false, reference_principled = false;
    for (const auto& d : in.details) {
      candidate_principled = candidate_principled || d.candidate_init == "principled";
      reference_principled = reference_principled || d.reference_init == "principled";
    }
    const bool use_reference = reference_principled && !candidate_principled;
    for (std::size_t k = 0; k < n; ++k) {
      const auto& d = in.details[k];
      lr[k] = use_reference ? d.reference_lr : d.candidate_lr;
      paths[k] = d.paths >= 0 ? d.paths : std::nan("");
      depth[k] = d.longest_depth >= 0 ? d.longest_depth : std::nan("");
    }
    const std::string lr_side = use_reference ? in.reference.label : in.candidate.label;
    lens += lens_chart(r, lr, "learning rate under " + lr_side, "Rank move against the learning rate", false);
    lens += lens_chart(r, paths, "input-to-output paths (jittered)", "Rank move against the number of paths", true);
    lens += lens_chart(r, depth, "longest path, parameterized edges (jittered)", "Rank move against the longest path",
                       true);
  }

  std::string moves;
  for (const auto& m : s.rank_moves)
    moves += "<tr><td class=\"arch\">" + escape(in.labels[m.index]) + "</td><td>" + fixed(m.value_a, 2) + "</td><td>" +
             fixed(m.value_b, 2) + "</td><td>" + fixed(m.rank_a, 1) + "</td><td>" + fixed(m.rank_b, 1) + "</td><td>" +
             fixed(m.move, 1) + "</td></tr>\n";

  std::string per_arch;
  per_arch.reserve(n * 320);
  for (std::size_t k = 0; k < n; ++k) {
    const ArchitectureDetail d = in.details.empty() ? ArchitectureDetail{} : in.details[k];
    per_arch += "<tr>" + numeric_cell(d.benchmark_index >= 0 ? d.benchmark_index : std::nan(""), 0) +
                "<td class=\"arch\">" + escape(d.arch.empty() ? in.labels[k] : d.arch) + "</td><td class=\"seeds\">" +
                escape(seed_values_text(d.reference_seeds, d.reference_seed_values)) +
                (d.reference_diverged ? " (diverged)" : "") + "</td>" + numeric_cell(ref[k], 2) +
                numeric_cell(sample_std(d.reference_seed_values), 2) + "<td class=\"seeds\">" +
                escape(seed_values_text(d.candidate_seeds, d.candidate_seed_values)) +
                (d.candidate_diverged ? " (diverged)" : "") + "</td>" + numeric_cell(cand[k], 2) +
                numeric_cell(sample_std(d.candidate_seed_values), 2) + numeric_cell(r.reference_ranks[k], 1) +
                numeric_cell(r.candidate_ranks[k], 1) + numeric_cell(r.reference_ranks[k] - r.candidate_ranks[k], 1) +
                "</tr>\n";
  }

  auto stat_row = [](const std::string& name, const std::string& n_text, const std::string& value,
                     const std::string& id) {
    return "<tr><th>" + name + "</th><td>" + n_text + "</td><td id=\"" + id + "\">" + value + "</td></tr>\n";
  };
  const auto& c = s.correlation;
  const std::string n_text = std::to_string(n);
  std::string stats_rows;
  stats_rows += stat_row(
      "Kendall tau-b [CI]", n_text,
      c.supported ? escape(fixed(c.kendall.tau_b, 4) + " " + interval_text(c.tau_b_interval)) : too_small(n), "tau-b");
  stats_rows += stat_row(
      "Spearman rho [CI]", n_text,
      c.supported ? escape(fixed(c.spearman_rho, 4) + " " + interval_text(c.rho_interval)) : too_small(n), "rho");
  stats_rows += stat_row("Pearson r", n_text, c.supported ? fixed(c.pearson_r, 4) : too_small(n), "pearson");
  stats_rows += stat_row("top-" + std::to_string(s.top_k.k) + " overlap", n_text,
                         s.top_k.supported ? fixed(s.top_k.fraction, 4) + " (" + std::to_string(s.top_k.shared) +
                                                 " of " + std::to_string(s.top_k.k) + ")"
                                           : too_small(n),
                         "top-k");
  stats_rows += stat_row("mean / median accuracy change", n_text,
                         fixed(s.change.mean, 3) + " / " + fixed(s.change.median, 3) + " points", "change");
  if (r.ceiling)
    stats_rows += stat_row(
        "noise ceiling tau-b [CI] (" + escape(in.noise_ceiling->description) + ")", std::to_string(r.ceiling->n),
        escape(fixed(r.ceiling->kendall.tau_b, 4) + " " + interval_text(r.ceiling->tau_b_interval)), "ceiling");
  if (r.noise_test && r.noise_test->supported)
    stats_rows +=
        stat_row("ceiling minus tau-b at matched seeds (" + escape(in.noise_ceiling->other_description) + ") [CI]",
                 std::to_string(r.noise_test->n),
                 escape(fixed(r.noise_test->difference, 4) + " " + interval_text(r.noise_test->difference_interval)),
                 "noise-test");
  const DivergedTreatment& dv = in.diverged;
  std::string diverged_text = "Policy <b>" + escape(dv.policy) + "</b>" +
                              (dv.description.empty() ? std::string() : ": " + escape(dv.description)) +
                              ". Diverged: " + std::to_string(dv.reference) + " on " + escape(in.reference.label) +
                              ", " + std::to_string(dv.candidate) + " on " + escape(in.candidate.label) + ".";
  if (!dv.alternate_description.empty())
    diverged_text +=
        " Kendall tau-b " + escape(dv.alternate_description) + ": " +
        (r.diverged_alternate_supported ? fixed(r.diverged_alternate.tau_b, 4) : too_small(r.diverged_alternate.n)) +
        " (n=" + std::to_string(r.diverged_alternate.n) +
        "), as ranked: " + (c.supported ? fixed(c.kendall.tau_b, 4) : too_small(n)) + " (n=" + n_text + ").";
  std::string warnings;
  for (const auto& w : r.warnings) warnings += "<li>" + escape(w) + "</li>";
  const auto& counts_in = in.counts;
  const std::string counts =
      "<tr><td>" + std::to_string(counts_in.matched) + "</td><td>" + std::to_string(counts_in.only_reference) +
      "</td><td>" + std::to_string(counts_in.only_candidate) + "</td><td>" +
      std::to_string(counts_in.excluded_disconnected) + "</td><td>" + std::to_string(counts_in.diverged) + "</td><td>" +
      std::to_string(counts_in.non_finite) + "</td></tr>";
  const std::string ref_label = escape(in.reference.label), cand_label = escape(in.candidate.label);
  std::string html = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>)" + escape(in.title) +
                     R"(</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;padding:0 .8rem;
max-width:1180px;color:#1b1b1b;line-height:1.4}
h1{font-size:1.5rem;margin-bottom:.2rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#555;overflow-wrap:anywhere}
.headline{background:#f4f6f9;border-left:4px solid #1f5fa8;padding:.6rem 1rem;font-size:1.05rem}
.warnings{color:#8a4b00}code{overflow-wrap:anywhere;word-break:break-all}
table{border-collapse:collapse;margin:.5rem 0;max-width:100%}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
th{background:#f7f7f7;text-align:left}
td.arch{font-family:ui-monospace,monospace;font-size:.78rem;text-align:left;word-break:break-all}
td.seeds{font-size:.78rem;text-align:left}table.stats th{overflow-wrap:anywhere}
table.sortable th{cursor:pointer}table.sortable th[aria-sort=ascending]::after{content:" ▲"}
table.sortable th[aria-sort=descending]::after{content:" ▼"}
.scroll{overflow-x:auto;max-width:100%;max-height:40rem;overflow-y:auto}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
.chart{background:#fff;border:1px solid #e5e5e5;max-width:100%;height:auto;overflow:hidden}
table.moves{width:100%;table-layout:fixed}table.moves th,table.moves td{overflow-wrap:anywhere}
table.moves th:first-child{width:38%}
.chart-title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#444}.axis-label{font-size:12px;fill:#222}
.legend{font-size:11px}.grid{stroke:#eee}.frame{fill:none;stroke:#999}.identity{stroke:#888;stroke-dasharray:4 3}
.points circle{fill:#d1495b}pre{background:#f7f7f7;padding:.6rem;overflow:auto;font-size:.8rem;max-width:100%}
@media (max-width:600px){body{margin:.8rem auto}td,th{padding:.2rem .3rem;font-size:.85rem}}
</style></head><body>
<h1>)" + escape(in.title) +
                     R"(</h1>
<p class="headline" id="headline">)" +
                     escape(r.headline) + R"(</p>
)" + (warnings.empty() ? std::string() : "<ul class=\"warnings\" id=\"warnings\">" + warnings + "</ul>\n") +
                     R"(<p class="meta">Dataset <b>)" + escape(in.dataset) + "</b> · metric <b>" + escape(in.metric) +
                     "</b> · reference <b>" + ref_label + "</b> · candidate <b>" + cand_label + "</b> · nasrank " +
                     escape(r.tool_version) + " · " + escape(r.created_at) +
                     R"(. Rank 1 is the best (highest accuracy); ties share their average rank.</p>
<h2>Rank correlation</h2>
<table class="stats"><tr><th>statistic</th><th>n</th><th>value</th></tr>
)" + stats_rows + R"(</table>
<h2>Diverged runs</h2>
<p id="diverged">)" + diverged_text +
                     R"(</p>
<h2>Counts</h2>
<div class="scroll"><table class="counts"><tr><th>matched</th><th>only in reference</th><th>only in candidate</th>
<th>disconnected (excluded)</th><th>diverged</th><th>other missing</th></tr>
)" + counts + R"(</table></div>
<h2>Charts</h2>
<div class="charts">
)" + scatter + rank_scatter +
                     curve_svg + gaps_svg + lens + R"(</div>
<h2>Largest rank moves</h2>
<p>Move = rank under )" +
                     ref_label + " - rank under " + cand_label + R"( (positive: climbed).</p>
<table class="moves"><tr><th>architecture</th><th>)" +
                     ref_label + "</th><th>" + cand_label + "</th><th>rank " + ref_label + "</th><th>rank " +
                     cand_label + R"(</th><th>move</th></tr>
)" + moves + R"(</table>
<h2>Every architecture</h2>
<p>Click a column to sort. Rank 1 is the best.</p>
<div class="scroll"><table class="sortable per-arch"><thead><tr><th>index</th><th>architecture</th><th>)" +
                     ref_label + " per seed</th><th>" + ref_label + " mean</th><th>" + ref_label + " std</th><th>" +
                     cand_label + " per seed</th><th>" + cand_label + " mean</th><th>" + cand_label +
                     " std</th><th>rank " + ref_label + "</th><th>rank " + cand_label +
                     R"(</th><th>move</th></tr></thead><tbody>
)" + per_arch + R"(</tbody></table></div>
<h2>Provenance</h2>
<h3>Reference: )" + ref_label +
                     "</h3><p><code>" + escape(in.reference.source) + "</code></p><pre>" +
                     escape(in.reference.provenance.dump(2)) + "</pre>\n<h3>Candidate: " + cand_label +
                     "</h3><p><code>" + escape(in.candidate.source) + "</code></p><pre>" +
                     escape(in.candidate.provenance.dump(2)) + "</pre>\n<h3>Analysis options</h3><pre>" +
                     escape(nlohmann::json(in.options).dump(2)) + "</pre>\n<script>" + kSortScript +
                     "</script>\n</body></html>\n";
  return html;
}

std::filesystem::path write_report(const Report& report, const std::filesystem::path& out_dir) {
  if (out_dir.empty()) throw InputError("report folder '': -o needs a folder name (the report goes inside it)");
  if (std::filesystem::exists(out_dir) && !std::filesystem::is_directory(out_dir))
    throw InputError("report folder '" + out_dir.string() +
                     "' exists and is not a folder (-o names a folder; the report is "
                     "written as report.html, report.md and report.json inside it)");
  // Render everything before touching the disk, so a failure creates nothing.
  const std::string json = report_json(report).dump(2) + "\n";
  const std::string md = report_markdown(report);
  const std::string html_text = report_html(report);
  return write_report_files(out_dir, {{"report.json", json}, {"report.md", md}, {"report.html", html_text}}).back();
}

}  // namespace nasrank::analyze
