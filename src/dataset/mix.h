#pragma once
// splitmix64 (Steele, Lea, Flood 2014; the constants of Vigna's public-domain
// reference): a cheap bijective mixer that turns structured keys such as
// (seed, epoch, sample) into independent-looking 64-bit values. The exact
// formula is part of the loader's documented, reproducible semantics.
#include <cstdint>

namespace nasrank::dataset::detail {

inline std::uint64_t mix(std::uint64_t value) {
  std::uint64_t z = value + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform-enough integer in [0, n) from the high 32 bits of `bits`
// (multiply-shift; the bias is below n / 2^32).
inline std::uint32_t below(std::uint64_t bits, std::uint32_t n) {
  return static_cast<std::uint32_t>(((bits >> 32) * n) >> 32);
}

// Integer in [0, n) from a full 64-bit draw via a 128-bit product.
inline std::uint64_t below64(std::uint64_t bits, std::uint64_t n) {
  __extension__ using Wide = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<Wide>(bits) * n) >> 64);
}

}  // namespace nasrank::dataset::detail
