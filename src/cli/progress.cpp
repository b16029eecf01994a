#include "progress.h"

#include <cstdio>
#include <string>

namespace nasrank::cli {
namespace {

std::string format_duration(double seconds) {
  char buffer[32];
  const int s = static_cast<int>(seconds + 0.5);
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%dh%02dm", s / 3600, s / 60 % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%dm%02ds", s / 60, s % 60);
  return buffer;
}

}  // namespace

void draw_progress(const rerank::Progress& p, bool terminal) {
  if (!terminal) {
    // Logs and CI: one line per finished run, nothing else.
    if (!p.last_line.empty()) std::fprintf(stderr, "[%zu/%zu] %s\n", p.done, p.total, p.last_line.c_str());
    return;
  }
  if (!p.last_line.empty()) std::fprintf(stderr, "\r\033[K[%zu/%zu] %s\n", p.done, p.total, p.last_line.c_str());
  constexpr int kWidth = 28;
  const int filled = p.total ? static_cast<int>(kWidth * p.done / p.total) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r\033[K[%s] %zu/%zu runs  %.0f runs/h  ETA %s  %s", bar.c_str(), p.done, p.total,
               p.runs_per_hour, p.runs_per_hour > 0 ? format_duration(p.eta_seconds).c_str() : "?",
               p.current.substr(0, 40).c_str());
  std::fflush(stderr);
}

}  // namespace nasrank::cli
