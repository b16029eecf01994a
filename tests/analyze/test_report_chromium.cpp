// Renders a report in headless Chromium (Debian package chromium): the DOM
// after layout holds the three charts and the numbers, and the page made no
// network request. Chromium's net log tells page requests (site_for_cookies
// of the file:// page) from the browser's own background traffic; a control
// page with an external image proves the check sees a page request.
#include "nasrank/analyze/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
         " --user-data-dir=" + (dir / ("profile-" + page.stem().string())).string() + " --log-net-log=" + netlog.string() +
         " --dump-dom file://" + page.string() + " > " + dom.string() + " 2>/dev/null";
}

TEST(ReportInChromium, RendersChartsAndLoadsNothingExternal) {
  if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << "SKIPPED: " << kChromium << " is not installed (apt-get install chromium)";
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
  in.noise_ceiling = NoiseCeilingInput{"A seeds", in.reference_values, in.reference_values};
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
  EXPECT_EQ(svgs, 3U);
  char tau[32];
  std::snprintf(tau, sizeof tau, "%.4f", report.comparison.correlation.kendall.tau_b);
  EXPECT_NE(rendered.find(tau), std::string::npos);
  EXPECT_NE(rendered.find("id=\"verdict\""), std::string::npos);
  const auto requests = page_network_requests(netlog);
  EXPECT_TRUE(requests.empty()) << "the report requested " << requests.front();

  const auto control = dir / "control.html";
  std::ofstream(control) << "<html><body><img src=\"http://example.invalid/x.png\"></body></html>";
  ASSERT_EQ(std::system(chromium_command(dir, control, dir / "control.json", dir / "control-dom.html").c_str()), 0);
  EXPECT_EQ(page_network_requests(dir / "control.json"), std::vector<std::string>{"http://example.invalid/x.png"})
      << "the net-log check no longer recognises a page request";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nasrank::analyze
