#include "nasrank/analyze/stats.h"
#include "nasrank/analyze/stats_json.h"
#include "nasrank/common/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace nasrank::analyze {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ------------------------------------------------------------ references
// Pair-by-pair definitions, deliberately written differently from the library.

struct BruteKendall {
  std::int64_t concordant = 0;
  std::int64_t discordant = 0;
  std::int64_t tied_x_only = 0;
  std::int64_t tied_y_only = 0;
  std::int64_t tied_both = 0;
  double tau_b = 0.0;
};

BruteKendall brute_kendall(const std::vector<double>& x, const std::vector<double>& y) {
  BruteKendall result;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const double dx = x[i] - x[j];
      const double dy = y[i] - y[j];
      if (dx == 0 && dy == 0) {
        ++result.tied_both;
      } else if (dx == 0) {
        ++result.tied_x_only;
      } else if (dy == 0) {
        ++result.tied_y_only;
      } else if ((dx > 0) == (dy > 0)) {
        ++result.concordant;
      } else {
        ++result.discordant;
      }
    }
  }
  // Pairs not tied in x = C + D + tied in y only; likewise for y.
  const double untied_x = static_cast<double>(result.concordant + result.discordant + result.tied_y_only);
  const double untied_y = static_cast<double>(result.concordant + result.discordant + result.tied_x_only);
  result.tau_b = static_cast<double>(result.concordant - result.discordant) / std::sqrt(untied_x * untied_y);
  return result;
}

// rank_i = 1 + #{v_j < v_i} + (#{v_j == v_i, j != i}) / 2
std::vector<double> brute_ranks(const std::vector<double>& values) {
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    double less = 0;
    double equal = 0;
    for (std::size_t j = 0; j < values.size(); ++j) {
      if (values[j] < values[i]) less += 1;
      if (j != i && values[j] == values[i]) equal += 1;
    }
    ranks[i] = 1 + less + equal / 2;
  }
  return ranks;
}

double brute_pearson(const std::vector<double>& x, const std::vector<double>& y) {
  // The one-pass textbook form, in long double.
  long double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  const auto n = static_cast<long double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += static_cast<long double>(x[i]) * x[i];
    syy += static_cast<long double>(y[i]) * y[i];
    sxy += static_cast<long double>(x[i]) * y[i];
  }
  return static_cast<double>((n * sxy - sx * sy) / std::sqrt((n * sxx - sx * sx) * (n * syy - sy * sy)));
}

double brute_spearman(const std::vector<double>& x, const std::vector<double>& y) {
  return brute_pearson(brute_ranks(x), brute_ranks(y));
}

double numpy_quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double h = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - lo) * (values[lo + 1] - values[lo]);
}

// Tie-heavy data: `levels` distinct values (in hundredths), y partly
// following x so that correlations are not all near zero.
struct Paired {
  std::vector<double> x;
  std::vector<double> y;
};

Paired tied_data(std::uint64_t seed, std::size_t n, std::uint64_t levels) {
  std::mt19937_64 engine(seed);
  Paired data;
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = uniform_below(engine, levels);
    const auto noise = uniform_below(engine, levels);
    const auto b = (uniform_below(engine, 3) == 0) ? noise : (a + noise / 4) % levels;
    data.x.push_back(static_cast<double>(a) / 100.0);
    data.y.push_back(static_cast<double>(b) / 100.0 - 0.5);
  }
  return data;
}

void expect_input_error(const std::function<void()>& call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "expected InputError containing '" << fragment << "'";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
        << "message '" << error.what() << "' lacks '" << fragment << "'";
  }
}

// ------------------------------------------------- Kendall / Spearman / r

TEST(KendallTauB, MatchesBruteForceOnTieHeavyData) {
  // Sizes on both sides of the switch from comparison to radix sorting
  // (1024 values).
  const std::vector<std::size_t> sizes = {2, 3, 4, 7, 16, 33, 34, 100, 257, 1000, 1023, 1024, 1500, 3000};
  const std::vector<std::uint64_t> levels = {2, 3, 5, 20, 1000};
  int compared = 0;
  for (const std::size_t n : sizes) {
    for (const std::uint64_t level : levels) {
      for (std::uint64_t seed = 0; seed < (n > 1000 ? 3 : 12); ++seed) {
        const Paired data = tied_data(seed * 7919 + n * 31 + level, n, level);
        const BruteKendall expected = brute_kendall(data.x, data.y);
        const KendallResult actual = kendall_tau_b(data.x, data.y);
        EXPECT_EQ(actual.concordant, expected.concordant) << "n=" << n << " levels=" << level;
        EXPECT_EQ(actual.discordant, expected.discordant);
        EXPECT_EQ(actual.tied_both, expected.tied_both);
        EXPECT_EQ(actual.tied_x, expected.tied_x_only + expected.tied_both);
        EXPECT_EQ(actual.tied_y, expected.tied_y_only + expected.tied_both);
        if (std::isnan(expected.tau_b)) {
          EXPECT_TRUE(std::isnan(actual.tau_b));
        } else {
          EXPECT_NEAR(actual.tau_b, expected.tau_b, 1e-12) << "n=" << n << " levels=" << level;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 500);  // the data must not be mostly degenerate
}

TEST(SpearmanRho, MatchesBruteForceOnTieHeavyData) {
  for (const std::size_t n : {2, 3, 5, 17, 64, 300, 2000}) {
    for (const std::uint64_t level : {2, 4, 10, 500}) {
      for (std::uint64_t seed = 0; seed < (n > 1000 ? 2 : 10); ++seed) {
        const Paired data = tied_data(seed + 1000 * n + level, n, level);
        const double expected = brute_spearman(data.x, data.y);
        const double actual = spearman_rho(data.x, data.y);
        if (std::isnan(expected)) {
          EXPECT_TRUE(std::isnan(actual));
        } else {
          EXPECT_NEAR(actual, expected, 1e-12) << "n=" << n << " levels=" << level;
        }
        EXPECT_EQ(average_ranks(data.x), brute_ranks(data.x));
      }
    }
  }
}

TEST(KendallTauB, IntegerValuesAndSignedZeros) {
  // Small integers leave most key digits equal in every value (the radix
  // sort skips those passes); -0.0 == 0.0 must be a tie, not an order.
  Paired data;
  for (std::size_t i = 0; i < 3000; ++i) {
    data.x.push_back(static_cast<double>(i % 50));  // low digits zero in every key
    data.y.push_back(static_cast<double>((i * 7) % 30) - 10.0);
  }
  const BruteKendall expected = brute_kendall(data.x, data.y);
  const KendallResult actual = kendall_tau_b(data.x, data.y);
  EXPECT_EQ(actual.discordant, expected.discordant);
  EXPECT_EQ(actual.tied_both, expected.tied_both);
  EXPECT_NEAR(actual.tau_b, expected.tau_b, 1e-12);
  EXPECT_NEAR(spearman_rho(data.x, data.y), brute_spearman(data.x, data.y), 1e-12);

  for (const std::size_t n : {4, 3000}) {
    std::vector<double> signed_zeros;
    std::vector<double> other;
    for (std::size_t i = 0; i < n; ++i) {
      signed_zeros.push_back(i % 2 == 0 ? -0.0 : 0.0);
      other.push_back(static_cast<double>(i));
    }
    signed_zeros[n - 1] = 1.0;
    EXPECT_EQ(kendall_tau_b(signed_zeros, other).tied_x, static_cast<std::int64_t>((n - 1) * (n - 2) / 2)) << n;
    EXPECT_EQ(average_ranks(signed_zeros)[0], 0.5 * static_cast<double>(n)) << n;
  }
}

TEST(PearsonR, MatchesTextbookFormula) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Paired data = tied_data(seed, 200, 1000);
    EXPECT_NEAR(pearson_r(data.x, data.y), brute_pearson(data.x, data.y), 1e-12);
  }
}

TEST(KendallTauB, HandComputedWithoutTies) {
  // x = 1..5, y = 3 1 2 5 4. Pairs (i<j): (1,2) D (1,3) D (1,4) C (1,5) C
  // (2,3) C (2,4) C (2,5) C (3,4) C (3,5) C (4,5) D: C = 7, D = 3,
  // tau = (7 - 3) / 10 = 0.4. Exact p: inversions of a random permutation of
  // 5 items (Mahonian row 1 4 9 15 20 22 ...): P(S <= 3) = 29/120, p = 29/60.
  const KendallResult r = kendall_tau_b({1, 2, 3, 4, 5}, {3, 1, 2, 5, 4});
  EXPECT_EQ(r.concordant, 7);
  EXPECT_EQ(r.discordant, 3);
  EXPECT_NEAR(r.tau_b, 0.4, 1e-15);
  EXPECT_NEAR(r.p_value, 29.0 / 60.0, 1e-15);
  // Rank differences -2 1 1 -1 1: rho = 1 - 6 * 8 / (5 * 24) = 0.6.
  EXPECT_NEAR(spearman_rho({1, 2, 3, 4, 5}, {3, 1, 2, 5, 4}), 0.6, 1e-15);
}

TEST(KendallTauB, HandComputedWithTies) {
  // x = 1 1 2 3, y = 1 2 2 3. Pairs: (1,2) tied in x, (2,3) tied in y, the
  // other four concordant. n0 = 6, n1 = n2 = 1, n3 = 0, D = 0:
  // tau_b = (6 - 1 - 1 + 0 - 0) / sqrt(5 * 5) = 0.8.
  const KendallResult r = kendall_tau_b({1, 1, 2, 3}, {1, 2, 2, 3});
  EXPECT_NEAR(r.tau_b, 0.8, 1e-15);
  EXPECT_EQ(r.tied_x, 1);
  EXPECT_EQ(r.tied_y, 1);
  EXPECT_EQ(r.tied_both, 0);
  // Normal approximation: one tie group of 2 on each side,
  // var = (4*3*13 - 2*1*9 - 2*1*9)/18 + (2*1)(2*1)/(2*4*3) + 0 = 41/6,
  // z = 4 / sqrt(41/6), p = erfc(z / sqrt 2).
  EXPECT_NEAR(r.p_value, std::erfc(4.0 / std::sqrt(41.0 / 6.0) / std::sqrt(2.0)), 1e-15);
  // Average ranks x: 1.5 1.5 3 4, y: 1 2.5 2.5 4; deviations from 2.5:
  // dx = -1 -1 .5 1.5, dy = -1.5 0 0 1.5: sxy = 3.75, sxx = syy = 4.5,
  // rho = 3.75 / 4.5.
  EXPECT_NEAR(spearman_rho({1, 1, 2, 3}, {1, 2, 2, 3}), 3.75 / 4.5, 1e-15);
}

// Values printed by scipy 1.10.1 (Debian 12):
//   kendalltau(x, y) -> statistic, pvalue; spearmanr(x, y); pearsonr(x, y)
struct ScipyCase {
  const char* name;
  std::vector<double> x;
  std::vector<double> y;
  double tau_b;
  double p_value;
  double rho;
  double r;
};

std::vector<double> index_sequence(int n, int multiplier, int offset) {
  std::vector<double> values;
  for (int i = 0; i < n; ++i) values.push_back((i * multiplier + offset) % n);
  return values;
}

TEST(KendallTauB, MatchesScipyGoldenValues) {
  std::vector<double> nearly_sorted = index_sequence(35, 1, 0);
  std::swap(nearly_sorted[0], nearly_sorted[1]);
  const std::vector<ScipyCase> cases = {
      {"exact p, n=5",
       {1, 2, 3, 4, 5},
       {3, 1, 2, 5, 4},
       0.39999999999999997,
       0.48333333333333334,
       0.6,
       0.6000000000000001},
      {"ties, asymptotic p",
       {0.5, 0.5, 0.7, 0.1, 0.9, 0.7, 0.7, 0.2, 0.5, 0.3},
       {1, 2, 2, 0, 3, 3, 1, 0, 2, 1},
       0.7370973770897189,
       0.007434356232766584,
       0.8077089028024419,
       0.8386931159687993},
      {"n=40 no ties, asymptotic p", index_sequence(40, 1, 0), index_sequence(40, 17, 0), -0.046153846153846156,
       0.6748966096484204, -0.020637898686679177, -0.020637898686679177},
      {"n=35 one discordant pair, exact p", index_sequence(35, 1, 0), nearly_sorted, 0.9966386554621849,
       6.774315071042324e-39, 0.9997198879551822, 0.9997198879551822},
      {"n=20 no ties, exact p", index_sequence(20, 1, 0), index_sequence(20, 7, 3), 0.052631578947368425,
       0.7732194749063227, -0.037593984962406006, -0.037593984962406055},
      {"small ties",
       {1, 1, 2, 3},
       {1, 2, 2, 3},
       0.7999999999999999,
       0.12597116307723114,
       0.8333333333333335,
       0.8528028654224415},
      {"n=33 no ties, last exact p", index_sequence(33, 1, 0), index_sequence(33, 5, 2), 0.125, 0.31650710505376345,
       0.125, 0.125},
      {"n=34 no ties, first asymptotic p", index_sequence(34, 1, 0), index_sequence(34, 5, 2), 0.15151515151515152,
       0.20764134025637526, 0.12727272727272726, 0.12727272727272726},
  };
  for (const ScipyCase& c : cases) {
    const KendallResult k = kendall_tau_b(c.x, c.y);
    EXPECT_NEAR(k.tau_b, c.tau_b, 1e-12) << c.name;
    EXPECT_NEAR(k.p_value, c.p_value, 1e-12 * std::max(c.p_value, 1e-300) + 1e-15) << c.name;
    EXPECT_NEAR(spearman_rho(c.x, c.y), c.rho, 1e-12) << c.name;
    EXPECT_NEAR(pearson_r(c.x, c.y), c.r, 1e-12) << c.name;
  }
}

TEST(KendallTauB, PerfectAgreementAndReversal) {
  std::vector<double> up(50);
  for (std::size_t i = 0; i < up.size(); ++i) up[i] = static_cast<double>(i % 7);  // ties too
  std::vector<double> down = up;
  for (double& v : down) v = -v;
  EXPECT_DOUBLE_EQ(kendall_tau_b(up, up).tau_b, 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau_b(up, down).tau_b, -1.0);
  EXPECT_DOUBLE_EQ(spearman_rho(up, down), -1.0);
}

TEST(Correlations, ConstantSideIsUndefinedNotAnError) {
  const std::vector<double> constant = {0.1, 0.1, 0.1, 0.1};
  const std::vector<double> varied = {1, 2, 3, 4};
  EXPECT_TRUE(std::isnan(kendall_tau_b(constant, varied).tau_b));
  EXPECT_TRUE(std::isnan(kendall_tau_b(varied, constant).p_value));
  EXPECT_TRUE(std::isnan(spearman_rho(constant, varied)));
  EXPECT_TRUE(std::isnan(pearson_r(varied, constant)));
}

TEST(Correlations, RejectsBadInputWithPosition) {
  expect_input_error([] { kendall_tau_b({1, 2, 3}, {1, 2}); }, "x has 3 values but y has 2");
  expect_input_error([] { kendall_tau_b({1}, {1}); }, "at least 2");
  expect_input_error([] { kendall_tau_b({}, {}); }, "at least 2");
  expect_input_error([] { kendall_tau_b({1, 2, kNaN}, {1, 2, 3}); }, "x[2] = nan");
  expect_input_error([] { spearman_rho({1, 2, 3}, {1, kInf, 3}); }, "y[1] = inf");
  expect_input_error([] { pearson_r({1, 2, 3}, {1, 2, -kInf}); }, "pearson_r: y[2] = -inf");
  expect_input_error([] { average_ranks({0.5, kNaN}); }, "values[1] = nan");
}

// ------------------------------------------------------------ top-k / top-K%

TEST(TopKOverlap, HandComputed) {
  // a's top 3: indices 0 1 2; b's top 3: indices 4 1 0 -> shared {0, 1}.
  const std::vector<double> a = {90, 80, 70, 60, 50};
  const std::vector<double> b = {70, 80, 10, 20, 95};
  const TopKOverlap overlap = top_k_overlap(a, b, 3);
  EXPECT_EQ(overlap.shared, 2u);
  EXPECT_NEAR(overlap.fraction, 2.0 / 3.0, 1e-15);
  EXPECT_EQ(top_k_overlap(a, b, 5).shared, 5u);
  EXPECT_EQ(top_k_overlap(a, b, 1).shared, 0u);
}

TEST(TopKOverlap, TiesBrokenByLowerIndex) {
  // All of a tied: top-2 of a is indices {0, 1}. b's top-2 is {3, 2}: none
  // shared. With any other tie rule this could differ.
  const std::vector<double> a = {5, 5, 5, 5};
  EXPECT_EQ(top_k_overlap(a, {1, 2, 3, 4}, 2).shared, 0u);
  EXPECT_EQ(top_k_overlap(a, {4, 3, 2, 1}, 2).shared, 2u);
}

TEST(TopKOverlap, RejectsBadK) {
  expect_input_error([] { top_k_overlap({1, 2, 3}, {1, 2, 3}, 0); }, "k = 0 is outside 1..3");
  expect_input_error([] { top_k_overlap({1, 2, 3}, {1, 2, 3}, 4); }, "k = 4 is outside 1..3");
}

TEST(TopPercentKendall, ConstructedCurve) {
  // reference ranks index 0 best .. index 9 worst. other agrees on the top
  // half and reverses the bottom half: 10 9 8 7 6 | 1 2 3 4 5.
  // Top m (m <= 6): all concordant -> 1. Top 7: only the pair (5, 6) is
  // discordant -> (21 - 2) / 21. Top 8: 3 of 28 discordant -> 22/28.
  // Top 9: 6 of 36 -> 24/36. All 10: 10 of 45 -> 25/45.
  const std::vector<double> reference = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  const std::vector<double> other = {10, 9, 8, 7, 6, 1, 2, 3, 4, 5};
  const auto curve = top_percent_kendall(reference, other);
  const std::vector<double> percents = {100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 5, 1};
  const std::vector<std::size_t> counts = {10, 9, 8, 7, 6, 5, 4, 3, 2, 2, 2, 2};
  const std::vector<double> taus = {25.0 / 45, 24.0 / 36, 22.0 / 28, 19.0 / 21, 1, 1, 1, 1, 1, 1, 1, 1};
  ASSERT_EQ(curve.size(), percents.size());
  for (std::size_t i = 0; i < curve.size(); ++i) {
    EXPECT_EQ(curve[i].percent, percents[i]);
    EXPECT_EQ(curve[i].count, counts[i]) << "K=" << percents[i];
    EXPECT_NEAR(curve[i].kendall.tau_b, taus[i], 1e-15) << "K=" << percents[i];
  }
}

TEST(TopPercentKendall, CountIsExactCeiling) {
  // 15,625 architectures: 1% -> 156.25 -> 157, 5% -> 781.25 -> 782,
  // 10% -> 1562.5 -> 1563, 90% -> 14062.5 -> 14063. And 90% of 100 is 90
  // (not 91, as ceil(0.9 * 100 = 90.00000000000001) would give).
  std::vector<double> values(15625);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  const auto curve = top_percent_kendall(values, values, {1, 5, 10, 90, 100});
  EXPECT_EQ(curve[0].count, 157u);
  EXPECT_EQ(curve[1].count, 782u);
  EXPECT_EQ(curve[2].count, 1563u);
  EXPECT_EQ(curve[3].count, 14063u);
  EXPECT_EQ(curve[4].count, 15625u);
  std::vector<double> hundred(values.begin(), values.begin() + 100);
  EXPECT_EQ(top_percent_kendall(hundred, hundred, {90, 70, 0.5})[0].count, 90u);
  EXPECT_EQ(top_percent_kendall(hundred, hundred, {90, 70, 0.5})[1].count, 70u);
  EXPECT_EQ(top_percent_kendall(hundred, hundred, {90, 70, 0.5})[2].count, 2u);
}

TEST(TopPercentKendall, KeepsEveryArchitectureTiedAtTheCut) {
  // Top 60% of 5 = 3 nominally: index 0, then the cut falls inside the tie
  // {1, 2, 3} at 5, so all three are kept (4 architectures). other on them =
  // 3 2 1 10: pairs (0,1) C, (0,2) C, (0,3) D, the rest tied in reference ->
  // tau_b = (2 - 1) / sqrt((6 - 3) * 6).
  const auto curve = top_percent_kendall({9, 5, 5, 5, 1}, {3, 2, 1, 10, 0}, {60});
  EXPECT_EQ(curve[0].nominal_count, 3u);
  EXPECT_EQ(curve[0].count, 4u);
  EXPECT_NEAR(curve[0].kendall.tau_b, 1.0 / std::sqrt(18.0), 1e-15);
  // No tie at the cut: nothing is added.
  const auto clean = top_percent_kendall({9, 8, 5, 5, 1}, {3, 2, 1, 10, 0}, {40});
  EXPECT_EQ(clean[0].count, 2u);
}

TEST(TopPercentKendall, SubsetDoesNotDependOnTheOrderOfTiedArchitectures) {
  // The same 200 architectures listed in two orders: many reference values
  // are tied (rounded to whole points), so a cut by position would pick
  // different members of a tie. Every point must be the same.
  std::mt19937_64 engine(3);
  std::vector<double> reference(200), other(200);
  for (std::size_t i = 0; i < reference.size(); ++i) {
    reference[i] = std::round(static_cast<double>(uniform_below(engine, 3000)) / 100.0);
    other[i] = static_cast<double>(uniform_below(engine, 100000));
  }
  std::vector<std::size_t> order(reference.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), engine);
  std::vector<double> reference_shuffled, other_shuffled;
  for (std::size_t i : order) {
    reference_shuffled.push_back(reference[i]);
    other_shuffled.push_back(other[i]);
  }
  const auto a = top_percent_kendall(reference, other);
  const auto b = top_percent_kendall(reference_shuffled, other_shuffled);
  std::size_t extended = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].count, b[k].count) << "K=" << a[k].percent;
    if (std::isnan(a[k].kendall.tau_b))  // the top is one tie: tau undefined either way
      EXPECT_TRUE(std::isnan(b[k].kendall.tau_b)) << "K=" << a[k].percent;
    else
      EXPECT_DOUBLE_EQ(a[k].kendall.tau_b, b[k].kendall.tau_b) << "K=" << a[k].percent;
    EXPECT_GE(a[k].count, a[k].nominal_count);
    extended += a[k].count > a[k].nominal_count ? 1 : 0;
  }
  EXPECT_GT(extended, 0u) << "the data should put ties at some cut";
}

TEST(TopPercentCurve, MinimumNAndBands) {
  std::vector<double> reference(40), other(40);
  std::mt19937_64 engine(8);
  for (std::size_t i = 0; i < reference.size(); ++i) {
    reference[i] = static_cast<double>(i);
    other[i] = static_cast<double>(i) + static_cast<double>(uniform_below(engine, 2000)) / 100.0;
  }
  AnalysisOptions options;
  options.bootstrap.resamples = 200;
  const auto curve = top_percent_curve(reference, other, options);
  for (const auto& point : curve) {
    EXPECT_EQ(point.supported, point.count >= 8) << "K=" << point.percent;
    if (point.supported) {
      EXPECT_LE(point.tau_b_interval.lower, point.kendall.tau_b) << "K=" << point.percent;
      EXPECT_GE(point.tau_b_interval.upper, point.kendall.tau_b) << "K=" << point.percent;
    } else {
      EXPECT_TRUE(std::isnan(point.tau_b_interval.lower));
    }
  }
  // 40 architectures: 20% -> 8 (shown), 10% -> 4 (not).
  EXPECT_TRUE(curve[8].supported);
  EXPECT_FALSE(curve[9].supported);
  const nlohmann::json hidden = curve[9];
  EXPECT_TRUE(hidden["kendall"].is_null());
  EXPECT_EQ(hidden["count"], 4);
}

TEST(TopPercentKendall, RejectsBadPercent) {
  expect_input_error([] { top_percent_kendall({1, 2}, {1, 2}, {50, 0}); }, "percent[1] = 0 is outside (0, 100]");
  expect_input_error([] { top_percent_kendall({1, 2}, {1, 2}, {101}); }, "percent[0] = 101");
  expect_input_error([] { top_percent_kendall({1, 2}, {1, 2}, {kNaN}); }, "percent[0] = nan");
}

// ------------------------------------------------- changes, gaps, rank moves

TEST(AccuracyChange, HandComputed) {
  // Changes: +1, -2, 0, +3.5 -> mean 2.5/4, median (0 + 1)/2.
  const AccuracyChange change = accuracy_change({70, 80, 90, 60}, {71, 78, 90, 63.5});
  EXPECT_EQ(change.n, 4u);
  EXPECT_NEAR(change.mean, 0.625, 1e-15);
  EXPECT_NEAR(change.median, 0.5, 1e-15);
  EXPECT_NEAR(change.min, -2, 1e-15);
  EXPECT_NEAR(change.max, 3.5, 1e-15);
  EXPECT_EQ(change.improved, 2u);
  EXPECT_EQ(change.worsened, 1u);
  EXPECT_EQ(change.unchanged, 1u);
}

TEST(PairwiseGaps, HandComputed) {
  // Values 1 2 4 4: gaps 1 3 3 2 2 0 -> sorted 0 1 2 2 3 3, mean 11/6.
  // Edges 0 1 2 3: [0,1): {0}, [1,2): {1}, [2,3]: {2,2,3,3}.
  const GapDistribution gaps = pairwise_gaps({4, 1, 4, 2}, {0, 1, 2, 3});
  EXPECT_EQ(gaps.pairs, 6u);
  EXPECT_EQ(gaps.counts, (std::vector<std::uint64_t>{1, 1, 4}));
  EXPECT_EQ(gaps.below_first_edge, 0u);
  EXPECT_EQ(gaps.above_last_edge, 0u);
  EXPECT_NEAR(gaps.mean, 11.0 / 6.0, 1e-15);
  EXPECT_EQ(gaps.median, 2.0);  // positions 2, 3 of 0..5 -> (2 + 2) / 2
  EXPECT_EQ(gaps.q25, 1.25);    // position 1.25 -> 1 + 0.25 * (2 - 1)
  EXPECT_EQ(gaps.q75, 2.75);    // position 3.75 -> 2 + 0.75 * (3 - 2)
  EXPECT_EQ(gaps.max, 3.0);
  const GapDistribution shifted = pairwise_gaps({4, 1, 4, 2}, {0.5, 1, 2.5});
  EXPECT_EQ(shifted.below_first_edge, 1u);                        // the 0
  EXPECT_EQ(shifted.counts, (std::vector<std::uint64_t>{0, 3}));  // [0.5,1): none; [1,2.5]: 1 2 2
  EXPECT_EQ(shifted.above_last_edge, 2u);                         // the 3s
}

TEST(PairwiseGaps, MatchesBruteForce) {
  const std::vector<double> edges = {0, 0.01, 0.05, 0.1, 0.3, 0.5, 1};
  for (const std::size_t n : {2, 3, 10, 101, 400}) {
    for (const std::uint64_t level : {3, 50, 100}) {
      for (std::uint64_t seed = 0; seed < 5; ++seed) {
        const Paired data = tied_data(seed * 13 + n + level, n, level);
        std::vector<double> all;
        std::vector<std::uint64_t> counts(edges.size() - 1, 0);
        std::uint64_t above = 0;
        for (std::size_t i = 0; i < n; ++i) {
          for (std::size_t j = i + 1; j < n; ++j) {
            const double gap = std::abs(data.x[i] - data.x[j]);
            all.push_back(gap);
            const auto bin = std::upper_bound(edges.begin(), edges.end(), gap) - edges.begin() - 1;
            if (gap == edges.back()) {
              ++counts.back();
            } else if (gap > edges.back()) {
              ++above;
            } else {
              ++counts[static_cast<std::size_t>(bin)];
            }
          }
        }
        double mean = 0;
        for (double g : all) mean += g;
        mean /= static_cast<double>(all.size());
        const GapDistribution gaps = pairwise_gaps(data.x, edges);
        EXPECT_EQ(gaps.pairs, all.size());
        EXPECT_EQ(gaps.counts, counts) << "n=" << n << " levels=" << level;
        EXPECT_EQ(gaps.above_last_edge, above);
        EXPECT_NEAR(gaps.mean, mean, 1e-12);
        EXPECT_DOUBLE_EQ(gaps.median, numpy_quantile(all, 0.5)) << "n=" << n;
        EXPECT_DOUBLE_EQ(gaps.q25, numpy_quantile(all, 0.25));
        EXPECT_DOUBLE_EQ(gaps.q75, numpy_quantile(all, 0.75));
        EXPECT_EQ(gaps.max, *std::max_element(all.begin(), all.end()));
      }
    }
  }
}

TEST(PairwiseGaps, RejectsBadEdges) {
  expect_input_error([] { pairwise_gaps({1, 2}, {1}); }, "at least 2");
  expect_input_error([] { pairwise_gaps({1, 2}, {0, 1, 1}); }, "edge[2] = 1 is not greater than edge[1] = 1");
  expect_input_error([] { pairwise_gaps({1, 2}, {0, kInf}); }, "edge[1] = inf is not finite");
  expect_input_error([] { pairwise_gaps({1}, {0, 1}); }, "values has 1 value(s)");
}

TEST(RankMoves, HandComputed) {
  // a: 90 80 70 60 -> ranks 1 2 3 4. b: 60 80 70 95 -> ranks 4 2 3 1.
  // Moves (rank_a - rank_b): -3, 0, 0, +3. Largest |move|: index 0, then 3
  // (equal size, lower index first).
  const auto moves = largest_rank_moves({90, 80, 70, 60}, {60, 80, 70, 95}, 2);
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].index, 0u);
  EXPECT_EQ(moves[0].rank_a, 1.0);
  EXPECT_EQ(moves[0].rank_b, 4.0);
  EXPECT_EQ(moves[0].move, -3.0);
  EXPECT_EQ(moves[1].index, 3u);
  EXPECT_EQ(moves[1].move, 3.0);
  EXPECT_EQ(moves[1].value_b, 95.0);
  EXPECT_EQ(largest_rank_moves({1, 2, 3}, {1, 2, 3}, 10).size(), 3u);
}

TEST(RankMoves, TiesShareAverageRank) {
  // b ties indices 0 and 1 for first: both rank 1.5, so a's order 1, 2
  // becomes moves of -0.5 and +0.5, not -1/+1 from an arbitrary tie-break.
  const auto moves = largest_rank_moves({3, 2, 1}, {5, 5, 1}, 3);
  EXPECT_EQ(moves[0].index, 0u);
  EXPECT_EQ(moves[0].move, -0.5);
  EXPECT_EQ(moves[1].index, 1u);
  EXPECT_EQ(moves[1].move, 0.5);
  EXPECT_EQ(moves[2].move, 0.0);
}

// ---------------------------------------------------------------- bootstrap

TEST(UniformBelow, FollowsTheDocumentedRejection) {
  // Draws below 2^64 mod bound are rejected; the rest map by `% bound`.
  for (const std::uint64_t bound : {1ULL, 2ULL, 10ULL, 15625ULL, (1ULL << 63) + 1, ~0ULL}) {
    std::mt19937_64 engine(42);
    std::mt19937_64 twin(42);
    const std::uint64_t rejected = (0 - bound) % bound;
    for (int i = 0; i < 200; ++i) {
      std::uint64_t draw = twin();
      while (draw < rejected) draw = twin();
      ASSERT_EQ(uniform_below(engine, bound), draw % bound) << "bound=" << bound;
    }
  }
  std::mt19937_64 engine(1);
  expect_input_error([&] { uniform_below(engine, 0); }, "bound = 0");
}

TEST(UniformBelow, EngineIsTheStandardOne) {
  // [rand.predef]: the 10000th draw of a default-constructed mt19937_64.
  std::mt19937_64 engine;
  engine.discard(9999);
  EXPECT_EQ(engine(), 9981545732273789042ULL);
}

TEST(Bootstrap, IndicesArePinned) {
  // Regression pin: these numbers must never change, or stored intervals
  // would no longer reproduce.
  EXPECT_EQ(bootstrap_indices(7, 0, 8), (std::vector<std::size_t>{7, 0, 5, 0, 2, 5, 0, 7}));
  EXPECT_EQ(bootstrap_indices(7, 1, 8), (std::vector<std::size_t>{2, 4, 6, 1, 4, 5, 2, 4}));
  EXPECT_NE(bootstrap_indices(8, 0, 8), bootstrap_indices(7, 0, 8));
}

TEST(Bootstrap, IntervalFollowsTheDocumentedProcedure) {
  // Rebuild the interval by hand from bootstrap_indices, the brute-force
  // statistics and numpy's percentile rule.
  const Paired data = tied_data(3, 60, 20);
  BootstrapOptions options;
  options.resamples = 200;
  options.level = 0.9;
  options.seed = 11;
  std::vector<double> taus;
  std::vector<double> rhos;
  std::size_t degenerate = 0;
  for (std::size_t r = 0; r < options.resamples; ++r) {
    Paired resample;
    for (const std::size_t i : bootstrap_indices(options.seed, r, data.x.size())) {
      resample.x.push_back(data.x[i]);
      resample.y.push_back(data.y[i]);
    }
    const double tau = brute_kendall(resample.x, resample.y).tau_b;
    if (std::isnan(tau)) {
      ++degenerate;
      continue;
    }
    taus.push_back(tau);
    rhos.push_back(brute_spearman(resample.x, resample.y));
  }
  const CorrelationSummary summary = correlate(data.x, data.y, options);
  EXPECT_EQ(summary.degenerate_resamples, degenerate);
  EXPECT_NEAR(summary.tau_b_interval.lower, numpy_quantile(taus, 0.05), 1e-12);
  EXPECT_NEAR(summary.tau_b_interval.upper, numpy_quantile(taus, 0.95), 1e-12);
  EXPECT_NEAR(summary.rho_interval.lower, numpy_quantile(rhos, 0.05), 1e-12);
  EXPECT_NEAR(summary.rho_interval.upper, numpy_quantile(rhos, 0.95), 1e-12);
  EXPECT_LT(summary.tau_b_interval.lower, summary.kendall.tau_b);
  EXPECT_GT(summary.tau_b_interval.upper, summary.kendall.tau_b);
  EXPECT_NEAR(summary.kendall.tau_b, brute_kendall(data.x, data.y).tau_b, 1e-12);
}

TEST(Bootstrap, DeterministicForASeedAndIndependentOfThreads) {
  const Paired data = tied_data(5, 300, 40);
  BootstrapOptions options;
  options.resamples = 300;
  options.seed = 2024;
  const CorrelationSummary first = correlate(data.x, data.y, options);
  const CorrelationSummary again = correlate(data.x, data.y, options);
  options.threads = 3;
  const CorrelationSummary threaded = correlate(data.x, data.y, options);
  for (const CorrelationSummary* other : {&again, &threaded}) {
    EXPECT_EQ(first.tau_b_interval.lower, other->tau_b_interval.lower);
    EXPECT_EQ(first.tau_b_interval.upper, other->tau_b_interval.upper);
    EXPECT_EQ(first.rho_interval.lower, other->rho_interval.lower);
    EXPECT_EQ(first.rho_interval.upper, other->rho_interval.upper);
  }
  options.seed = 2025;
  const CorrelationSummary reseeded = correlate(data.x, data.y, options);
  EXPECT_NE(first.tau_b_interval.lower, reseeded.tau_b_interval.lower);
}

TEST(Bootstrap, DegenerateResamplesAreCountedAndSkipped) {
  // Two pairs: a resample is constant whenever it picks the same pair twice
  // (half the time); the others give tau = 1.
  BootstrapOptions options;
  options.resamples = 400;
  const CorrelationSummary summary = correlate({1, 2}, {3, 4}, options);
  EXPECT_GT(summary.degenerate_resamples, 100u);
  EXPECT_LT(summary.degenerate_resamples, 300u);
  EXPECT_EQ(summary.tau_b_interval.lower, 1.0);
  EXPECT_EQ(summary.tau_b_interval.upper, 1.0);
}

TEST(Bootstrap, RejectsBadOptions) {
  BootstrapOptions options;
  options.level = 1.0;
  expect_input_error([&] { correlate({1, 2, 3}, {1, 2, 3}, options); }, "bootstrap.level = 1 is outside (0, 1)");
  options = {};
  options.resamples = 0;
  expect_input_error([&] { correlate({1, 2, 3}, {1, 2, 3}, options); }, "bootstrap.resamples = 0");
  options = {};
  options.threads = 0;
  expect_input_error([&] { correlate({1, 2, 3}, {1, 2, 3}, options); }, "bootstrap.threads = 0");
}

TEST(NoiseCeiling, ChangeBeyondSeedNoise) {
  // Two seeds of one protocol: small noise on a common signal. The other
  // protocol scrambles the order much more.
  std::mt19937_64 engine(9);
  std::vector<double> seed_a, seed_b, other;
  for (int i = 0; i < 400; ++i) {
    const double signal = i * 0.1;
    seed_a.push_back(signal + static_cast<double>(uniform_below(engine, 100)) * 0.01);
    seed_b.push_back(signal + static_cast<double>(uniform_below(engine, 100)) * 0.01);
    other.push_back(signal + static_cast<double>(uniform_below(engine, 4000)) * 0.01);
  }
  BootstrapOptions options;
  options.resamples = 200;
  const CorrelationSummary ceiling = noise_ceiling(seed_a, seed_b, options);
  const CorrelationSummary change = correlate(seed_a, other, options);
  EXPECT_GT(ceiling.kendall.tau_b, 0.9);
  EXPECT_TRUE(exceeds_seed_noise(change, ceiling));
  EXPECT_FALSE(exceeds_seed_noise(ceiling, ceiling));
  CorrelationSummary undefined = change;
  undefined.tau_b_interval = {kNaN, kNaN};
  EXPECT_FALSE(exceeds_seed_noise(undefined, ceiling));
}

// One simulated study: n architectures with a true quality, each seed adds
// N(0, noise); protocol B also perturbs the quality by N(0, shift) once per
// architecture (shift = 0: the protocols are the same).
struct SimulatedStudy {
  std::vector<double> a1, a2, b1, b2;
};

SimulatedStudy simulate(std::mt19937_64& engine, std::size_t n, double noise, double shift) {
  std::normal_distribution<double> normal(0.0, 1.0);
  SimulatedStudy s;
  for (std::size_t i = 0; i < n; ++i) {
    const double quality = normal(engine);
    const double changed = quality + shift * normal(engine);
    s.a1.push_back(quality + noise * normal(engine));
    s.a2.push_back(quality + noise * normal(engine));
    s.b1.push_back(changed + noise * normal(engine));
    s.b2.push_back(changed + noise * normal(engine));
  }
  return s;
}

TEST(SeedNoiseTest, IdenticalProtocolsExceedNoiseNoMoreThanTheStatedRate) {
  std::mt19937_64 engine(2024);
  BootstrapOptions options;
  options.resamples = 200;
  const std::size_t draws = 600;
  std::size_t exceeded = 0;
  double stated = 0.0;
  for (std::size_t d = 0; d < draws; ++d) {
    options.seed = d;
    const SimulatedStudy s = simulate(engine, 60, 0.7, 0.0);
    const SeedNoiseTest test = seed_noise_test(s.a1, s.a2, s.b1, options);
    stated = test.false_positive_rate;
    exceeded += test.exceeds ? 1 : 0;
  }
  std::printf("identical protocols: %zu of %zu draws exceeded seed noise (stated rate %.3f)\n", exceeded, draws,
              stated);
  EXPECT_NEAR(stated, 0.025, 1e-15);
  // The stated rate plus three binomial standard deviations of 600 draws.
  const double allowed = draws * stated + 3.0 * std::sqrt(draws * stated * (1 - stated));
  EXPECT_LE(static_cast<double>(exceeded), allowed)
      << exceeded << " of " << draws << " identical pairs 'exceeded' noise";
}

TEST(SeedNoiseTest, DetectsARealChangeThatMismatchedNoiseMisses) {
  // Two seeds per protocol. The old verdict put the tau of the two seed MEANS
  // against the tau of two SINGLE seeds: less noise on one side than the
  // other, so a real change hides behind the ceiling. Like with like, the
  // same change is found.
  std::mt19937_64 engine(77);
  BootstrapOptions options;
  options.resamples = 200;
  const std::size_t draws = 60;
  std::size_t found_now = 0, found_before = 0;
  for (std::size_t d = 0; d < draws; ++d) {
    options.seed = d;
    const SimulatedStudy s = simulate(engine, 200, 0.4, 0.5);
    found_now += seed_noise_test(s.a1, s.a2, s.b1, options).exceeds ? 1 : 0;
    std::vector<double> mean_a, mean_b;
    for (std::size_t i = 0; i < s.a1.size(); ++i) {
      mean_a.push_back(0.5 * (s.a1[i] + s.a2[i]));
      mean_b.push_back(0.5 * (s.b1[i] + s.b2[i]));
    }
    found_before += exceeds_seed_noise(correlate(mean_a, mean_b, options), noise_ceiling(s.a1, s.a2, options)) ? 1 : 0;
  }
  std::printf("like with like found %zu of %zu changes, the mismatched ceiling %zu\n", found_now, draws, found_before);
  EXPECT_GE(found_now, draws * 8 / 10);
  EXPECT_GT(found_now, found_before + draws / 4);
}

TEST(SeedNoiseTest, RejectsUnpairedInput) {
  expect_input_error([] { seed_noise_test({1, 2, 3}, {1, 2, 3}, {1, 2}); }, "seed_noise_test");
}

TEST(CompareRankings, BelowTheMinimumNoRankStatisticIsComputed) {
  AnalysisOptions options;
  options.bootstrap.resamples = 50;
  options.top_k = 2;
  const RankingComparison small = compare_rankings({1, 2, 3, 4, 5}, {2, 1, 3, 5, 4}, options);
  EXPECT_FALSE(small.supported);
  EXPECT_FALSE(small.correlation.supported);
  EXPECT_TRUE(std::isnan(small.correlation.kendall.tau_b));
  for (const auto& point : small.top_percent_curve) EXPECT_FALSE(point.supported);
  EXPECT_TRUE(small.top_k.supported);  // 5 >= 2 * 2
  const nlohmann::json doc = small;
  EXPECT_TRUE(doc["correlation"]["kendall"].is_null());
  EXPECT_EQ(doc["correlation"]["n"], 5);
  EXPECT_EQ(doc["n"], 5);
  options.top_k = 3;
  const RankingComparison overlap = compare_rankings({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 5, 6, 7, 9, 8}, options);
  EXPECT_TRUE(overlap.supported);
  EXPECT_TRUE(overlap.top_k.supported);
  options.top_k = 5;  // 9 < 2 * 5: two top-5 sets of 9 must overlap
  EXPECT_FALSE(compare_rankings({1, 2, 3, 4, 5, 6, 7, 8, 9}, {9, 8, 7, 6, 5, 4, 3, 2, 1}, options).top_k.supported);
  options.min_n = 1;
  expect_input_error([&] { compare_rankings({1, 2}, {1, 2}, options); }, "min_n = 1");
}

// ---------------------------------------------------------- pairing, JSON

TEST(MatchByKey, PairsCommonKeysAndCountsTheRest) {
  const std::map<std::string, double> a = {{"a", 1}, {"b", 2}, {"c", kNaN}, {"d", 4}, {"z", 9}};
  const std::map<std::string, double> b = {{"b", 20}, {"c", 30}, {"d", 40}, {"e", 50}};
  const MatchedPairs<std::string> matched = match_by_key(a, b);
  EXPECT_EQ(matched.keys, (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(matched.a, (std::vector<double>{2, 4}));
  EXPECT_EQ(matched.b, (std::vector<double>{20, 40}));
  EXPECT_EQ(matched.only_in_a, 2u);           // a, z
  EXPECT_EQ(matched.only_in_b, 1u);           // e
  EXPECT_EQ(matched.dropped_non_finite, 1u);  // c

  const std::map<long long, double> by_index_a = {{0, 0.5}, {11, 0.7}, {284, 0.9}};
  const std::map<long long, double> by_index_b = {{11, 0.6}, {284, kInf}, {15624, 0.1}};
  const auto by_index = match_by_key(by_index_a, by_index_b);
  EXPECT_EQ(by_index.keys, (std::vector<long long>{11}));
  EXPECT_EQ(by_index.only_in_a, 1u);
  EXPECT_EQ(by_index.only_in_b, 1u);
  EXPECT_EQ(by_index.dropped_non_finite, 1u);
}

TEST(StatsJson, OptionsRoundTripAndRejectUnknownKeys) {
  AnalysisOptions options;
  options.bootstrap.resamples = 77;
  options.bootstrap.seed = 123456789012345ULL;
  options.top_percents = {50, 5};
  options.gap_edges = {0, 1, 3};
  options.top_k = 5;
  const nlohmann::json json = options;
  const auto back = json.get<AnalysisOptions>();
  EXPECT_EQ(back.bootstrap.resamples, 77u);
  EXPECT_EQ(back.bootstrap.seed, 123456789012345ULL);
  EXPECT_EQ(back.top_percents, options.top_percents);
  EXPECT_EQ(back.gap_edges, options.gap_edges);
  EXPECT_EQ(back.top_k, 5u);
  EXPECT_EQ(nlohmann::json(back), json);

  const auto partial = nlohmann::json::parse(R"({"top_k": 3})").get<AnalysisOptions>();
  EXPECT_EQ(partial.top_k, 3u);
  EXPECT_EQ(partial.bootstrap.resamples, BootstrapOptions{}.resamples);

  expect_input_error([] { nlohmann::json::parse(R"({"topk": 3})").get<AnalysisOptions>(); }, "unknown key 'topk'");
  expect_input_error([] { nlohmann::json::parse(R"({"bootstrap": {"resample": 3}})").get<AnalysisOptions>(); },
                     "analysis options: unknown key 'bootstrap.resample'");
  expect_input_error([] { nlohmann::json::parse(R"({"bootstrap": {"resamples": -1}})").get<AnalysisOptions>(); },
                     "key 'bootstrap.resamples' = -1: must be a non-negative integer");
  expect_input_error([] { nlohmann::json::parse(R"({"top_k": 2.5})").get<AnalysisOptions>(); }, "'top_k' = 2.5");
  expect_input_error([] { nlohmann::json::parse(R"({"bootstrap": {"level": 95}})").get<AnalysisOptions>(); },
                     "level = 95 is outside (0, 1)");
  expect_input_error([] { nlohmann::json::parse(R"({"gap_edges": [1, 0]})").get<AnalysisOptions>(); },
                     "edge[1] = 0 is not greater");
}

TEST(CompareRankings, CombinesEverythingAndWritesJson) {
  const Paired data = tied_data(17, 120, 60);
  AnalysisOptions options;
  options.bootstrap.resamples = 50;
  options.top_k = 500;  // more than n / 2: two top-500 sets of 120 say nothing
  options.rank_moves = 4;
  const RankingComparison comparison = compare_rankings(data.x, data.y, options);
  EXPECT_EQ(comparison.top_k.k, 500u);
  EXPECT_FALSE(comparison.top_k.supported);
  EXPECT_TRUE(nlohmann::json(comparison)["top_k"]["fraction"].is_null());
  EXPECT_EQ(comparison.rank_moves.size(), 4u);
  EXPECT_EQ(comparison.top_percent_curve.size(), 12u);
  EXPECT_NEAR(comparison.correlation.kendall.tau_b, brute_kendall(data.x, data.y).tau_b, 1e-12);
  EXPECT_DOUBLE_EQ(comparison.top_percent_curve[0].kendall.tau_b, comparison.correlation.kendall.tau_b);
  const nlohmann::json json = comparison;
  EXPECT_EQ(json.at("top_percent_curve").size(), 12u);
  EXPECT_EQ(json.at("correlation").at("bootstrap").at("resamples"), 50);

  const nlohmann::json undefined = kendall_tau_b({1, 1, 1}, {1, 2, 3});
  EXPECT_TRUE(undefined.at("tau_b").is_null());
}

}  // namespace
}  // namespace nasrank::analyze
