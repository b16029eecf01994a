#include "nasrank/analyze/stats.h"

#include "analyze/rank_core.h"
#include "analyze/validate.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <thread>
#include <utility>

namespace nasrank::analyze {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// SplitMix64's output function: a bijection on 64-bit words that scatters
// nearby inputs, so seeds 0, 1, 2 or replicates r, r+1 get unrelated streams.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t replicate_seed(std::uint64_t seed, std::size_t replicate) {
  // Multiplying by an odd constant is a bijection, so for one seed every
  // replicate gets a distinct engine seed.
  return mix64(seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(replicate) + 1));
}

// Calls take(i, pick) for i = 0..n-1 with replicate `replicate`'s draws: the
// one definition of a resample, so every statistic resampled in one replicate
// sees the same architectures.
template <typename Take>
void draw_resample(std::uint64_t seed, std::size_t replicate, std::size_t n, Take take) {
  std::mt19937_64 engine(replicate_seed(seed, replicate));
  for (std::size_t i = 0; i < n; ++i) take(i, static_cast<std::size_t>(uniform_below(engine, n)));
}

// Runs work(first, step) on at most `threads` threads, thread w taking the
// replicates w, w + step, ...; every replicate draws from its own seed, so the
// split does not change a number. The first failure is rethrown.
template <typename Work>
void run_strided(std::size_t resamples, std::size_t threads, Work work) {
  const std::size_t workers = std::max<std::size_t>(1, std::min(threads, resamples));
  if (workers == 1) {
    work(0, 1);
    return;
  }
  std::vector<std::thread> running;
  std::vector<std::exception_ptr> failures(workers);
  running.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w)
    running.emplace_back([&, w] {
      try {
        work(w, workers);
      } catch (...) {
        failures[w] = std::current_exception();
      }
    });
  for (auto& thread : running) thread.join();
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
}

struct Replicate {
  double tau_b = kNaN;
  double rho = kNaN;
};

void run_replicates(const std::vector<double>& a, const std::vector<double>& b, const BootstrapOptions& options,
                    std::size_t first, std::size_t step, std::vector<Replicate>& out) {
  const std::size_t n = a.size();
  detail::RankScratch scratch;
  std::vector<double> resample_a(n);
  std::vector<double> resample_b(n);
  for (std::size_t r = first; r < options.resamples; r += step) {
    draw_resample(options.seed, r, n, [&](std::size_t i, std::size_t pick) {
      resample_a[i] = a[pick];
      resample_b[i] = b[pick];
    });
    out[r].tau_b = detail::kendall_core(resample_a.data(), resample_b.data(), n, scratch).tau_b;
    out[r].rho = detail::spearman_core(resample_a.data(), resample_b.data(), n, scratch);
  }
}

Interval percentile_interval(std::vector<double> replicates, double level) {
  if (replicates.empty()) return {kNaN, kNaN};
  std::sort(replicates.begin(), replicates.end());
  const double tail = 0.5 * (1.0 - level);
  return {detail::quantile_of_sorted(replicates, tail), detail::quantile_of_sorted(replicates, 1.0 - tail)};
}

}  // namespace

std::uint64_t uniform_below(std::mt19937_64& engine, std::uint64_t bound) {
  if (bound == 0) throw InputError("uniform_below: bound = 0; the range [0, bound) would be empty");
  // 2^64 mod bound low draws are rejected; the rest split evenly by `% bound`.
  const std::uint64_t rejected = (0 - bound) % bound;
  while (true) {
    const std::uint64_t draw = engine();
    if (draw >= rejected) return draw % bound;
  }
}

std::vector<std::size_t> bootstrap_indices(std::uint64_t seed, std::size_t replicate, std::size_t n) {
  std::vector<std::size_t> indices(n);
  draw_resample(seed, replicate, n, [&indices](std::size_t i, std::size_t pick) { indices[i] = pick; });
  return indices;
}

CorrelationSummary correlate(const std::vector<double>& a, const std::vector<double>& b,
                             const BootstrapOptions& bootstrap) {
  detail::require_paired("correlate", "a", a, "b", b);
  detail::require_valid("correlate", bootstrap);
  const std::size_t n = a.size();
  CorrelationSummary summary;
  summary.n = n;
  summary.bootstrap = bootstrap;
  detail::RankScratch scratch;
  summary.kendall = detail::kendall_core(a.data(), b.data(), n, scratch);
  summary.spearman_rho = detail::spearman_core(a.data(), b.data(), n, scratch);
  summary.pearson_r = detail::pearson_core(a.data(), b.data(), n);

  std::vector<Replicate> replicates(bootstrap.resamples);
  run_strided(bootstrap.resamples, bootstrap.threads,
              [&](std::size_t first, std::size_t step) { run_replicates(a, b, bootstrap, first, step, replicates); });

  std::vector<double> taus;
  std::vector<double> rhos;
  taus.reserve(replicates.size());
  rhos.reserve(replicates.size());
  for (const Replicate& replicate : replicates) {
    // A resample constant on one side leaves both statistics undefined.
    if (std::isnan(replicate.tau_b) || std::isnan(replicate.rho)) {
      ++summary.degenerate_resamples;
      continue;
    }
    taus.push_back(replicate.tau_b);
    rhos.push_back(replicate.rho);
  }
  summary.tau_b_interval = percentile_interval(std::move(taus), bootstrap.level);
  summary.rho_interval = percentile_interval(std::move(rhos), bootstrap.level);
  return summary;
}

CorrelationSummary noise_ceiling(const std::vector<double>& seed_a, const std::vector<double>& seed_b,
                                 const BootstrapOptions& bootstrap) {
  return correlate(seed_a, seed_b, bootstrap);
}

bool exceeds_seed_noise(const CorrelationSummary& change, const CorrelationSummary& ceiling) {
  // NaN compares false, so an undefined bound never claims an effect.
  return change.tau_b_interval.upper < ceiling.tau_b_interval.lower;
}

SeedNoiseTest seed_noise_test(const std::vector<double>& half_a, const std::vector<double>& half_b,
                              const std::vector<double>& other, const BootstrapOptions& bootstrap) {
  detail::require_paired("seed_noise_test", "half_a", half_a, "half_b", half_b);
  detail::require_paired("seed_noise_test", "half_a", half_a, "other", other);
  detail::require_valid("seed_noise_test", bootstrap);
  const std::size_t n = half_a.size();
  SeedNoiseTest test;
  test.n = n;
  test.bootstrap = bootstrap;
  test.false_positive_rate = 0.5 * (1.0 - bootstrap.level);
  detail::RankScratch scratch;
  test.ceiling_tau_b = detail::kendall_core(half_a.data(), half_b.data(), n, scratch).tau_b;
  test.cross_tau_b = detail::kendall_core(half_a.data(), other.data(), n, scratch).tau_b;
  test.difference = test.ceiling_tau_b - test.cross_tau_b;

  // Both taus of a replicate see the same resampled architectures: the
  // difference is paired, which is what makes its interval narrow enough.
  std::vector<double> differences(bootstrap.resamples, kNaN);
  auto work = [&](std::size_t first, std::size_t step) {
    detail::RankScratch local;
    std::vector<double> a(n), b(n), o(n);
    for (std::size_t r = first; r < bootstrap.resamples; r += step) {
      draw_resample(bootstrap.seed, r, n, [&](std::size_t i, std::size_t pick) {
        a[i] = half_a[pick];
        b[i] = half_b[pick];
        o[i] = other[pick];
      });
      differences[r] = detail::kendall_core(a.data(), b.data(), n, local).tau_b -
                       detail::kendall_core(a.data(), o.data(), n, local).tau_b;
    }
  };
  run_strided(bootstrap.resamples, bootstrap.threads, work);
  std::vector<double> defined;
  for (double d : differences)
    if (!std::isnan(d)) defined.push_back(d);
  test.difference_interval = percentile_interval(std::move(defined), bootstrap.level);
  // NaN compares false: an undefined interval never claims an effect.
  test.exceeds = test.difference_interval.lower > 0.0;
  return test;
}

}  // namespace nasrank::analyze
