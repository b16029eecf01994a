#pragma once
// Allocator for the statistics' multi-megabyte scratch arrays.
//
// On 10^6 pairs, ordinary std::vectors made Kendall's tau spend most of its
// time not computing: resize() zero-fills memory that is overwritten next, and
// each fresh 4 KiB page costs a page fault on first touch. On these VMs a
// fault costs ~13 us: 130 of 184 ms per call for ~40 MB of scratch. This
// allocator default-initializes (no zero-fill) and, on Linux, asks for
// transparent huge pages for large blocks (one fault per 2 MiB); with it the
// same call takes about a third of the time.
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace nasrank::analyze::detail {

template <typename T>
class ScratchAllocator {
 public:
  using value_type = T;

  ScratchAllocator() = default;
  template <typename U>
  explicit ScratchAllocator(const ScratchAllocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t count) {
    const std::size_t bytes = count * sizeof(T);
    if (bytes < kHugeThreshold) {
      void* memory = std::malloc(bytes == 0 ? 1 : bytes);
      if (memory == nullptr) throw std::bad_alloc();
      return static_cast<T*>(memory);
    }
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* memory = std::aligned_alloc(kHugePage, rounded);
    if (memory == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    // Only a hint: where huge pages are unavailable, nothing changes.
    madvise(memory, rounded, MADV_HUGEPAGE);
#endif
    return static_cast<T*>(memory);
  }

  void deallocate(T* pointer, std::size_t /*count*/) noexcept { std::free(pointer); }

  // Default-initialization: growing a vector of plain records leaves them
  // unwritten instead of zeroing them.
  template <typename U>
  void construct(U* pointer) noexcept {
    ::new (static_cast<void*>(pointer)) U;
  }
  template <typename U, typename... Args>
  void construct(U* pointer, Args&&... args) {
    ::new (static_cast<void*>(pointer)) U(std::forward<Args>(args)...);
  }

  template <typename U>
  bool operator==(const ScratchAllocator<U>& /*other*/) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const ScratchAllocator<U>& /*other*/) const noexcept {
    return false;
  }

 private:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kHugeThreshold = std::size_t{4} << 20;
};

template <typename T>
using ScratchVector = std::vector<T, ScratchAllocator<T>>;

}  // namespace nasrank::analyze::detail
