#include "nasrank/common/python_random.h"

#include "nasrank/common/error.h"

namespace nasrank {
namespace {
constexpr int kStateSize = 624;
constexpr int kShift = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
constexpr std::uint32_t kUpperMask = 0x80000000U;
constexpr std::uint32_t kLowerMask = 0x7fffffffU;
}  // namespace

PythonRandom::PythonRandom(std::uint64_t seed) {
  // CPython splits abs(seed) into 32-bit words, least significant first, and
  // always passes at least one word.
  std::vector<std::uint32_t> key;
  do {
    key.push_back(static_cast<std::uint32_t>(seed & 0xffffffffU));
    seed >>= 32;
  } while (seed != 0);
  init_by_array(key);
}

void PythonRandom::init_genrand(std::uint32_t s) {
  state_[0] = s;
  for (int i = 1; i < kStateSize; ++i) {
    state_[i] = 1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  }
  index_ = kStateSize;
}

void PythonRandom::init_by_array(const std::vector<std::uint32_t>& key) {
  init_genrand(19650218U);
  int i = 1;
  std::size_t j = 0;
  const std::size_t key_length = key.size();
  for (std::size_t k = std::max<std::size_t>(kStateSize, key_length); k > 0; --k) {
    state_[i] =
        (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525U)) + key[j] + static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= kStateSize) {
      state_[0] = state_[kStateSize - 1];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (int k = kStateSize - 1; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941U)) - static_cast<std::uint32_t>(i);
    ++i;
    if (i >= kStateSize) {
      state_[0] = state_[kStateSize - 1];
      i = 1;
    }
  }
  state_[0] = 0x80000000U;
  index_ = kStateSize;
}

std::uint32_t PythonRandom::genrand_uint32() {
  if (index_ >= kStateSize) {
    auto twist = [this](int kk, int next, int far) {
      const std::uint32_t y = (state_[kk] & kUpperMask) | (state_[next] & kLowerMask);
      state_[kk] = state_[far] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    };
    int kk = 0;
    for (; kk < kStateSize - kShift; ++kk) twist(kk, kk + 1, kk + kShift);
    for (; kk < kStateSize - 1; ++kk) twist(kk, kk + 1, kk + (kShift - kStateSize));
    twist(kStateSize - 1, 0, kShift - 1);
    index_ = 0;
  }
  std::uint32_t y = state_[index_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

std::uint32_t PythonRandom::getrandbits(int k) {
  NASRANK_CHECK(k >= 1 && k <= 32, "getrandbits supports 1..32 bits");
  return genrand_uint32() >> (32 - k);
}

std::uint32_t PythonRandom::randbelow(std::uint32_t n) {
  NASRANK_CHECK(n >= 1, "randbelow needs n >= 1");
  int bits = 0;
  for (std::uint32_t v = n; v != 0; v >>= 1) ++bits;
  std::uint32_t r = getrandbits(bits);
  while (r >= n) r = getrandbits(bits);
  return r;
}

}  // namespace nasrank
