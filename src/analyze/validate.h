#pragma once
// Input checks shared by the public statistics: every message names the
// function, the vector and the position.
#include "nasrank/analyze/stats.h"

#include <cstddef>
#include <string>
#include <vector>

namespace nasrank::analyze::detail {

// Throws InputError unless every value is finite.
void require_finite(const char* function, const char* name, const std::vector<double>& values);

// Throws InputError unless both vectors have the same length >= 2 and are
// finite.
void require_paired(const char* function, const char* name_x, const std::vector<double>& x, const char* name_y,
                    const std::vector<double>& y);

// Throws InputError unless the vector has >= 2 finite values.
void require_sample(const char* function, const char* name, const std::vector<double>& values);

// Throws InputError naming the offending field.
void require_valid(const char* function, const BootstrapOptions& options);
void require_valid(const char* function, const AnalysisOptions& options);
void require_valid_percents(const char* function, const std::vector<double>& percents);
void require_valid_edges(const char* function, const std::vector<double>& edges);

std::string format_number(double value);

}  // namespace nasrank::analyze::detail
