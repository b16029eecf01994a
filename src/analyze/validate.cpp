#include "analyze/validate.h"

#include "nasrank/common/error.h"

#include <array>
#include <charconv>
#include <cmath>

namespace nasrank::analyze::detail {

std::string format_number(double value) {
  std::array<char, 64> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  return std::string(text.data(), result.ptr);
}

void require_finite(const char* function, const char* name, const std::vector<double>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw InputError(std::string(function) + ": " + name + "[" + std::to_string(i) +
                       "] = " + format_number(values[i]) +
                       " is not a finite number (drop failed runs before ranking; match_by_key drops and "
                       "counts them)");
    }
  }
}

void require_sample(const char* function, const char* name, const std::vector<double>& values) {
  if (values.size() < 2) {
    throw InputError(std::string(function) + ": " + name + " has " + std::to_string(values.size()) +
                     " value(s); at least 2 are needed");
  }
  require_finite(function, name, values);
}

void require_paired(const char* function, const char* name_x, const std::vector<double>& x, const char* name_y,
                    const std::vector<double>& y) {
  if (x.size() != y.size()) {
    throw InputError(std::string(function) + ": " + name_x + " has " + std::to_string(x.size()) + " values but " +
                     name_y + " has " + std::to_string(y.size()) + " (the vectors must be paired)");
  }
  if (x.size() < 2) {
    throw InputError(std::string(function) + ": " + std::to_string(x.size()) + " pair(s) given; at least 2 are needed");
  }
  require_finite(function, name_x, x);
  require_finite(function, name_y, y);
}

void require_valid(const char* function, const BootstrapOptions& options) {
  if (options.resamples < 1) {
    throw InputError(std::string(function) + ": bootstrap.resamples = 0; at least 1 resample is needed");
  }
  if (!(options.level > 0.0 && options.level < 1.0)) {
    throw InputError(std::string(function) + ": bootstrap.level = " + format_number(options.level) +
                     " is outside (0, 1); e.g. 0.95 for a 95% interval");
  }
  if (options.threads < 1) {
    throw InputError(std::string(function) + ": bootstrap.threads = 0; at least 1 thread is needed");
  }
}

void require_valid_percents(const char* function, const std::vector<double>& percents) {
  for (std::size_t i = 0; i < percents.size(); ++i) {
    if (!(percents[i] > 0.0 && percents[i] <= 100.0)) {
      throw InputError(std::string(function) + ": top percent[" + std::to_string(i) +
                       "] = " + format_number(percents[i]) + " is outside (0, 100]");
    }
  }
}

void require_valid_edges(const char* function, const std::vector<double>& edges) {
  if (edges.size() < 2) {
    throw InputError(std::string(function) + ": " + std::to_string(edges.size()) +
                     " gap bin edge(s) given; at least 2 are needed");
  }
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (!std::isfinite(edges[i])) {
      throw InputError(std::string(function) + ": gap edge[" + std::to_string(i) + "] = " + format_number(edges[i]) +
                       " is not finite");
    }
    if (i > 0 && !(edges[i] > edges[i - 1])) {
      throw InputError(std::string(function) + ": gap edge[" + std::to_string(i) + "] = " + format_number(edges[i]) +
                       " is not greater than edge[" + std::to_string(i - 1) + "] = " + format_number(edges[i - 1]) +
                       " (edges must increase strictly)");
    }
  }
}

void require_valid(const char* function, const AnalysisOptions& options) {
  require_valid(function, options.bootstrap);
  require_valid_percents(function, options.top_percents);
  require_valid_edges(function, options.gap_edges);
  if (options.top_k < 1) throw InputError(std::string(function) + ": top_k = 0; at least 1 is needed");
  if (options.min_n < 2)
    throw InputError(std::string(function) + ": min_n = " + std::to_string(options.min_n) +
                     "; a rank statistic needs at least 2 architectures");
}

}  // namespace nasrank::analyze::detail
