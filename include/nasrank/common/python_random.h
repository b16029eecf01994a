#pragma once
// A faithful port of the parts of CPython's `random` module that NAS-Bench-201
// relies on: MT19937 seeded by init_by_array, getrandbits, _randbelow and
// shuffle. The benchmark's index order and its data splits both come from it.
#include <array>
#include <cstdint>
#include <vector>

namespace nasrank {

class PythonRandom {
 public:
  // Same as Python's random.seed(n) for a non-negative integer n.
  explicit PythonRandom(std::uint64_t seed);

  std::uint32_t genrand_uint32();
  // random.getrandbits(k) for 1 <= k <= 32.
  std::uint32_t getrandbits(int k);
  // random._randbelow(n) for 1 <= n < 2^32.
  std::uint32_t randbelow(std::uint32_t n);

  // random.shuffle(values) in place.
  template <typename T>
  void shuffle(std::vector<T>& values) {
    for (std::size_t i = values.size(); i-- > 1;) {
      const std::uint32_t j = randbelow(static_cast<std::uint32_t>(i + 1));
      std::swap(values[i], values[j]);
    }
  }

 private:
  void init_genrand(std::uint32_t s);
  void init_by_array(const std::vector<std::uint32_t>& key);

  std::array<std::uint32_t, 624> state_{};
  int index_ = 625;
};

}  // namespace nasrank
