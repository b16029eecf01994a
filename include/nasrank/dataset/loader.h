#pragma once
// Batches of normalized float32 NCHW images and int64 labels, built by
// background threads ahead of the consumer.
//
// Semantics (fixed; a stored run can be replayed exactly):
// * Subset (data budget): when 0 < subset_size < dataset size, the loader uses
//   the first subset_size entries of a Fisher-Yates permutation of the whole
//   dataset driven by std::mt19937_64 seeded with mix(seed) ^ 0x7375627365745f,
//   kept in ascending order. The subset is the same for every epoch.
// * Order: with shuffle, epoch e visits the subset in a Fisher-Yates
//   permutation driven by std::mt19937_64 seeded with mix(mix(seed) ^ e).
// Both shuffles walk i from the end down to 1 and swap position i with
// j = (x * (i + 1)) >> 64 for the engine's next 64-bit output x (128-bit
// product); mix is the splitmix64 finalizer of transform.h. Without shuffle,
// the order is ascending.
// * Augmentation of dataset image k in epoch e: draw_augmentation(aug, seed,
//   e, k) (see transform.h), so it does not depend on the batch size or on
//   where k lands in the order.
// * Batches are consecutive runs of batch_size images of the order; the last
//   one may be smaller unless drop_last.
// The output is a pure function of (dataset, transform, config minus
// workers/prefetch, epoch): identical for any worker count.
#include "nasrank/dataset/image_dataset.h"
#include "nasrank/dataset/transform.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace nasrank::dataset {

struct LoaderConfig {
  std::size_t batch_size = 256;  // images per batch, > 0
  bool shuffle = true;           // per-epoch permutation (see above); false = ascending order
  std::uint64_t seed = 0;        // drives subset, order and augmentation
  bool augment = false;          // training augmentation; false = normalization only
  std::size_t subset_size = 0;   // data budget in images; 0 = the whole dataset
  bool drop_last = false;        // drop a final batch smaller than batch_size
  std::size_t workers = 1;       // background threads; 0 = each batch is built inside next()
  std::size_t prefetch = 2;      // batches built ahead of the consumer (>= 1; at least `workers`)
};

struct Batch {
  std::uint64_t epoch = 0;
  std::size_t index = 0;             // batch number within the epoch
  std::size_t size = 0;              // images in this batch
  std::vector<float> images;         // size x C x H x W, normalized
  std::vector<std::int64_t> labels;  // size
};

// Builds one batch into caller-owned memory: `images` gets count x C x H x W
// floats, `labels` count values, for dataset images indices[0..count).
void build_batch(const ImageDataset& dataset, const ImageTransform& transform, const std::size_t* indices,
                 std::size_t count, bool augment, std::uint64_t seed, std::uint64_t epoch, float* images,
                 std::int64_t* labels);

// The loader's visiting order for an epoch (dataset indices), as described above.
std::vector<std::size_t> epoch_order(const std::vector<std::size_t>& subset, bool shuffle, std::uint64_t seed,
                                     std::uint64_t epoch);

// The loader's subset for a data budget (all indices when subset_size is 0).
std::vector<std::size_t> budget_subset(std::size_t dataset_size, std::size_t subset_size, std::uint64_t seed);

// One consumer: next() and start_epoch() must not be called concurrently.
class BatchLoader {
 public:
  // `dataset` must outlive the loader. Mismatched shapes or an invalid config
  // throw InputError. Epoch 0 starts (and its prefetching) at construction.
  BatchLoader(const ImageDataset& dataset, const ImageTransform& transform, const LoaderConfig& config);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Restarts at the beginning of `epoch`, dropping any unconsumed batches.
  // Calling it for the current epoch before any batch was taken keeps the
  // prefetched work.
  void start_epoch(std::uint64_t epoch);

  // The next batch of the current epoch, or false at its end. The batch's
  // buffers are swapped with the loader's (no copy): they stay valid and
  // untouched until `batch` is passed to next() again.
  bool next(Batch& batch);

  std::uint64_t epoch() const;
  std::size_t batches_per_epoch() const;
  std::size_t images_per_epoch() const;
  const std::vector<std::size_t>& subset() const;

 private:
  void stop_workers();

  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace nasrank::dataset
