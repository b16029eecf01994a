// Renders a report in headless Chromium (Debian package chromium): the DOM
// after layout holds the charts and the numbers, and the page made no
// network request; at 1280 px and 390 px (phone) widths nothing is wider than
// the viewport (screenshots are kept in the build tree). Chromium's net log tells page requests (site_for_cookies
// of the file:// page) from the browser's own background traffic; a control
// page with an external image proves the check sees a page request.
#include "nasrank/analyze/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nasrank::analyze {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// URLs the page itself requested from the network.
std::vector<std::string> page_network_requests(const std::filesystem::path& netlog) {
  const auto log = nlohmann::json::parse(slurp(netlog));
  const int start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].get<int>();
  std::vector<std::string> urls;
  for (const auto& event : log["events"]) {
    if (event.value("type", -1) != start_job || !event.contains("params")) continue;
    const auto& params = event["params"];
    const std::string url = params.value("url", "");
    const std::string site = params.value("site_for_cookies", "");
    if (site.find("file://") != std::string::npos && url.rfind("file:", 0) != 0) urls.push_back(url);
  }
  return urls;
}

std::string chromium_command(const std::filesystem::path& dir, const std::filesystem::path& page,
                             const std::filesystem::path& netlog, const std::filesystem::path& dom) {
  return std::string(kChromium) +
         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
         " --disable-background-networking --disable-component-update --disable-sync"
         " --user-data-dir=" +
         (dir / ("profile-" + page.stem().string())).string() + " --log-net-log=" + netlog.string() +
         " --dump-dom file://" + page.string() + " > " + dom.string() + " 2>/dev/null";
}

TEST(ReportInChromium, RendersChartsAndLoadsNothingExternal) {
  if (!std::filesystem::exists(kChromium))
    GTEST_SKIP() << "SKIPPED: " << kChromium << " is not installed (apt-get install chromium)";
  ComparisonInput in;
  in.title = "chromium check";
  in.dataset = "synthetic";
  in.metric = "accuracy";
  in.reference = {"A", "a.h5", nlohmann::json::object()};
  in.candidate = {"B", "b.h5", nlohmann::json::object()};
  for (int k = 0; k < 40; ++k) {
    in.keys.push_back(std::to_string(k));
    in.labels.push_back("arch " + std::to_string(k));
    in.reference_values.push_back(50 + k);
    in.candidate_values.push_back(50 + k + ((k * 7) % 11) - 5);
  }
  in.noise_ceiling =
      NoiseCeilingInput{"A seeds", in.reference_values, in.reference_values, in.candidate_values, 1, "B"};
  for (double& v : in.noise_ceiling->seed_b) v += 0.5;
  in.counts.matched = 40;
  in.options.bootstrap.resamples = 100;
  const Report report = build_report(in);
  const auto dir = std::filesystem::temp_directory_path() / "nasrank-chromium-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto html = write_report(report, dir);
  const auto dom = dir / "dom.html";
  const auto netlog = dir / "netlog.json";
  const std::string command = chromium_command(dir, html, netlog, dom);
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::string rendered = slurp(dom);
  std::size_t svgs = 0;
  for (std::size_t p = rendered.find("<svg"); p != std::string::npos; p = rendered.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 4U);  // accuracy scatter, rank scatter, top-K% curve, gaps
  char tau[32];
  std::snprintf(tau, sizeof tau, "%.4f", report.comparison.correlation.kendall.tau_b);
  EXPECT_NE(rendered.find(tau), std::string::npos);
  EXPECT_NE(rendered.find("id=\"headline\""), std::string::npos);
  const auto requests = page_network_requests(netlog);
  EXPECT_TRUE(requests.empty()) << "the report requested " << requests.front();

  const auto control = dir / "control.html";
  std::ofstream(control) << "<html><body><img src=\"http://example.invalid/x.png\"></body></html>";
  ASSERT_EQ(std::system(chromium_command(dir, control, dir / "control.json", dir / "control-dom.html").c_str()), 0);
  EXPECT_EQ(page_network_requests(dir / "control.json"), std::vector<std::string>{"http://example.invalid/x.png"})
      << "the net-log check no longer recognises a page request";
  std::filesystem::remove_all(dir);
}

// Appended to a copy of the page: lists every element that reaches past the
// viewport without a scrolling box around it, and posts the list to the
// host page. The page's own CSP allows inline scripts, so the check runs
// under the same policy as the report.
constexpr const char* kLayoutCheck = R"(<script>
(function () {
  var width = document.documentElement.clientWidth, bad = [];
  document.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    for (var p = e.parentElement; p; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return;
    }
    if (r.right > width + 0.5 || r.left < -0.5)
      bad.push(e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  });
  parent.postMessage(JSON.stringify({width: width, scroll_width: document.documentElement.scrollWidth,
                                     overflowing: bad}), '*');
})();
</script>
)";

// Headless Chromium's window is at least 500 px wide, so the page is laid
// out in an iframe of exactly `width` px inside a host page that collects
// the check's message.
nlohmann::json layout_at(const std::filesystem::path& dir, const std::filesystem::path& page, int width) {
  const auto host = dir / ("host-" + std::to_string(width) + ".html");
  std::ofstream(host) << "<!DOCTYPE html><html><body style=\"margin:0\"><pre id=\"layout-check\"></pre>"
                         "<script>window.addEventListener('message', function (e) {"
                         " document.getElementById('layout-check').textContent = e.data; });</script>"
                         "<iframe src=\"" +
                             page.filename().string() + "\" style=\"border:0;width:" + std::to_string(width) +
                             "px;height:1200px\"></iframe></body></html>";
  const auto dom = dir / ("layout-" + std::to_string(width) + ".html");
  const std::string command = std::string(kChromium) +
                              " --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-sync"
                              " --disable-background-networking --user-data-dir=" +
                              (dir / "profile-layout").string() +
                              " --window-size=1400,1300 --virtual-time-budget=10000 --dump-dom file://" +
                              host.string() + " > " + dom.string() + " 2>/dev/null";
  if (std::system(command.c_str()) != 0) return nullptr;
  const std::string rendered = slurp(dom);
  const auto begin = rendered.find("<pre id=\"layout-check\">");
  if (begin == std::string::npos) return nullptr;
  const auto start = begin + std::string("<pre id=\"layout-check\">").size();
  std::string text = rendered.substr(start, rendered.find("</pre>", start) - start);
  for (const auto& [entity, plain] :
       {std::pair<std::string, std::string>{"&quot;", "\""}, {"&gt;", ">"}, {"&lt;", "<"}, {"&amp;", "&"}})
    for (std::size_t p = text.find(entity); p != std::string::npos; p = text.find(entity, p + 1))
      text.replace(p, entity.size(), plain);
  return nlohmann::json::parse(text, nullptr, false);
}

TEST(ReportInChromium, NothingIsWiderThanTheViewportAtDesktopAndPhoneWidths) {
  if (!std::filesystem::exists(kChromium))
    GTEST_SKIP() << "SKIPPED: " << kChromium << " is not installed (apt-get install chromium)";
  ComparisonInput in;
  in.title = "layout check: nb201-principled (12 ep) vs nb201-benchmark (12 ep) on cifar10";
  in.dataset = "cifar10";
  in.metric = "test accuracy (ori-test), %";
  in.reference = {"nb201-benchmark (12 ep)", "/a/long/path/to/the/reference/store/benchmark.h5",
                  nlohmann::json{{"protocol", "nb201"}}};
  in.candidate = {"nb201-principled (12 ep)", "/a/long/path/to/the/candidate/store/principled.h5",
                  nlohmann::json::object()};
  NoiseCeilingInput ceiling{"nb201-benchmark (12 ep): seed 777 vs seed 888 (single seeds on both sides)",
                            {},
                            {},
                            {},
                            1,
                            "nb201-principled (12 ep): seed 1"};
  for (int k = 0; k < 300; ++k) {
    const std::string arch = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|none~2|";
    in.keys.push_back("nb201:" + arch + std::to_string(k));
    in.labels.push_back("#" + std::to_string(k * 37) + " " + arch);
    in.reference_values.push_back(40 + 0.15 * k);
    in.candidate_values.push_back(40 + 0.15 * k + ((k * 7) % 11) - 5);
    ceiling.seed_a.push_back(in.reference_values.back() + ((k * 3) % 5) * 0.1);
    ceiling.seed_b.push_back(in.reference_values.back() - ((k * 5) % 7) * 0.1);
    ceiling.other.push_back(in.candidate_values.back());
    ArchitectureDetail d;
    d.benchmark_index = k * 37;
    d.arch = arch;
    d.reference_seeds = {777, 888};
    d.reference_seed_values = {ceiling.seed_a.back(), ceiling.seed_b.back()};
    d.candidate_seeds = {1};
    d.candidate_seed_values = {in.candidate_values.back()};
    d.candidate_lr = 0.1 + 0.001 * (k % 50);
    d.candidate_init = "principled";
    d.paths = k % 5;
    d.longest_depth = k % 4;
    in.details.push_back(d);
  }
  in.noise_ceiling = ceiling;
  in.counts.matched = 300;
  in.options.bootstrap.resamples = 100;
  const Report report = build_report(in);
  const auto dir = std::filesystem::path(NASRANK_BINARY_DIR) / "report-layout";
  std::filesystem::remove_all(dir);
  const auto html = write_report(report, dir);
  std::string page = slurp(html);
  page.insert(page.rfind("</body>"), kLayoutCheck);
  const auto checked = dir / "report-layout-check.html";
  std::ofstream(checked) << page;
  for (const int width : {1280, 390}) {
    const nlohmann::json layout = layout_at(dir, checked, width);
    ASSERT_TRUE(layout.is_object()) << "no layout result at " << width << " px";
    EXPECT_EQ(layout["width"].get<int>(), width) << "the viewport is not the window width";
    EXPECT_LE(layout["scroll_width"].get<int>(), width) << "the page scrolls sideways at " << width << " px";
    EXPECT_TRUE(layout["overflowing"].empty()) << width << " px: " << layout["overflowing"].dump();
    const auto shot = dir / ("report-" + std::to_string(width) + ".png");
    // A phone-width screenshot needs the iframe too (the window cannot be narrower than 500 px).
    const auto frame = dir / ("frame-" + std::to_string(width) + ".html");
    std::ofstream(frame)
        << "<!DOCTYPE html><html><body style=\"margin:0\"><iframe src=\"report.html\" style=\"border:0;width:" +
               std::to_string(width) + "px;height:2400px\"></iframe></body></html>";
    const std::string command = std::string(kChromium) +
                                " --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-sync"
                                " --disable-background-networking --user-data-dir=" +
                                (dir / "profile-shot").string() +
                                " --window-size=" + std::to_string(std::max(width, 500)) +
                                ",2400 --virtual-time-budget=10000"
                                " --screenshot=" +
                                shot.string() + " file://" + frame.string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_GT(std::filesystem::file_size(shot), 10000u) << shot;
  }
}

}  // namespace
}  // namespace nasrank::analyze
