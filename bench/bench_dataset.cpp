// Batch loader throughput: CIFAR-shaped (3x32x32) images, training
// augmentation (pad 4 crop + flip + normalization), batch 256. The consumer
// only takes batches, so this is the loader's ceiling; `workers` = 0 builds
// every batch on the calling thread.
//
//   build-<you>/bench/bench_dataset --benchmark_counters_tabular=true
#include "nasrank/dataset/loader.h"
#include "nasrank/dataset/synthetic.h"
#include "nasrank/dataset/transform.h"

#include <benchmark/benchmark.h>

namespace {

using namespace nasrank::dataset;

const ImageDataset& cifar_shaped() {
  static const ImageDataset data = [] {
    SyntheticSpec spec;
    spec.train_size = 10000;
    spec.num_classes = 10;
    return make_synthetic(spec, Part::Train);
  }();
  return data;
}

void BM_LoaderEpoch(benchmark::State& state) {
  const ImageDataset& data = cifar_shaped();
  const ImageTransform transform(3, 32, 32, normalization_for("cifar10"), augmentation_for("cifar10"));
  LoaderConfig config;
  config.batch_size = 256;
  config.augment = state.range(1) != 0;
  config.workers = static_cast<std::size_t>(state.range(0));
  config.prefetch = 4;
  BatchLoader loader(data, transform, config);
  Batch batch;
  std::uint64_t epoch = 0;
  std::int64_t images = 0;
  for (auto _ : state) {
    loader.start_epoch(epoch++);
    while (loader.next(batch)) {
      images += static_cast<std::int64_t>(batch.size);
      benchmark::DoNotOptimize(batch.images.data());
    }
  }
  state.SetItemsProcessed(images);
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(images), benchmark::Counter::kIsRate);
}
// Real time: with workers the calling thread mostly waits.
BENCHMARK(BM_LoaderEpoch)
    ->ArgNames({"workers", "augment"})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Args({1, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One image through crop + flip + normalize: the per-image cost.
void BM_AugmentOneImage(benchmark::State& state) {
  const ImageDataset& data = cifar_shaped();
  const ImageTransform transform(3, 32, 32, normalization_for("cifar10"), augmentation_for("cifar10"));
  std::vector<float> out(transform.values_per_image());
  std::uint64_t sample = 0;
  for (auto _ : state) {
    const std::size_t index = sample % data.size();
    transform.augment(data.image(index), draw_augmentation(transform.augmentation(), 1, 0, sample), out.data());
    benchmark::DoNotOptimize(out.data());
    ++sample;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AugmentOneImage);

}  // namespace

BENCHMARK_MAIN();
