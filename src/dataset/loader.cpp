#include "nasrank/dataset/loader.h"

#include "dataset/mix.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>
#include <utility>

namespace nasrank::dataset {
namespace {

// Keeps the subset's permutation independent of every epoch's.
constexpr std::uint64_t kSubsetStream = 0x7375627365745fULL;

void shuffle_in_place(std::vector<std::size_t>& values, std::uint64_t key) {
  std::mt19937_64 engine(key);
  for (std::size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[detail::below64(engine(), i)]);
}

}  // namespace

void build_batch(const ImageDataset& dataset, const ImageTransform& transform, const std::size_t* indices,
                 std::size_t count, bool augment, std::uint64_t seed, std::uint64_t epoch, float* images,
                 std::int64_t* labels) {
  const std::size_t values = transform.values_per_image();
  NASRANK_CHECK(values == dataset.image_bytes(), "transform and dataset image shapes differ");
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t index = indices[i];
    NASRANK_CHECK(index < dataset.size(), "batch index outside the dataset");
    float* out = images + i * values;
    if (augment)
      transform.augment(dataset.image(index), draw_augmentation(transform.augmentation(), seed, epoch, index), out);
    else
      transform.normalize(dataset.image(index), out);
    labels[i] = dataset.labels[index];
  }
}

std::vector<std::size_t> budget_subset(std::size_t dataset_size, std::size_t subset_size, std::uint64_t seed) {
  std::vector<std::size_t> all(dataset_size);
  std::iota(all.begin(), all.end(), std::size_t{0});
  if (subset_size == 0 || subset_size >= dataset_size) {
    if (subset_size > dataset_size)
      throw InputError("data budget of " + std::to_string(subset_size) + " images exceeds the dataset's " +
                       std::to_string(dataset_size));
    return all;
  }
  shuffle_in_place(all, detail::mix(seed) ^ kSubsetStream);
  all.resize(subset_size);
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<std::size_t> epoch_order(const std::vector<std::size_t>& subset, bool shuffle, std::uint64_t seed,
                                     std::uint64_t epoch) {
  std::vector<std::size_t> order = subset;
  if (shuffle) shuffle_in_place(order, detail::mix(detail::mix(seed) ^ epoch));
  return order;
}

// Work is split by batch: batch k of the epoch goes to ring slot k % slots.
// Workers claim batches in order but may finish out of order; the consumer
// takes them strictly in order. Every batch is a pure function of its number,
// so the worker count cannot change the result.
struct BatchLoader::State {
  enum class SlotState { Free, Building, Ready };
  struct Slot {
    SlotState state = SlotState::Free;
    Batch batch;
    std::exception_ptr error;
  };

  const ImageDataset& dataset;
  ImageTransform transform;
  LoaderConfig config;
  std::vector<std::size_t> subset;
  std::size_t batches = 0;

  std::mutex mutex;
  std::condition_variable work_available;
  std::condition_variable batch_ready;
  std::vector<Slot> slots;
  std::vector<std::size_t> order;  // current epoch; never changed while a slot is Building
  std::uint64_t epoch = 0;
  std::size_t next_to_build = 0;
  std::size_t next_to_take = 0;
  std::size_t building = 0;
  bool stopping = false;
  std::vector<std::thread> workers;

  State(const ImageDataset& source, const ImageTransform& image_transform, const LoaderConfig& loader_config)
      : dataset(source), transform(image_transform), config(loader_config) {}

  std::size_t batch_begin(std::size_t batch) const { return batch * config.batch_size; }
  std::size_t batch_size(std::size_t batch) const {
    return std::min(config.batch_size, order.size() - batch_begin(batch));
  }

  void build(std::size_t batch_number, Batch& batch) const {
    batch.epoch = epoch;
    batch.index = batch_number;
    batch.size = batch_size(batch_number);
    batch.images.resize(batch.size * transform.values_per_image());
    batch.labels.resize(batch.size);
    build_batch(dataset, transform, order.data() + batch_begin(batch_number), batch.size, config.augment, config.seed,
                epoch, batch.images.data(), batch.labels.data());
  }

  bool can_claim() const { return next_to_build < batches && next_to_build < next_to_take + slots.size(); }

  void work() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      work_available.wait(lock, [this] { return stopping || can_claim(); });
      if (stopping) return;
      const std::size_t batch_number = next_to_build++;
      Slot& slot = slots[batch_number % slots.size()];
      NASRANK_CHECK(slot.state == SlotState::Free, "loader slot still in use");
      slot.state = SlotState::Building;
      ++building;
      lock.unlock();
      std::exception_ptr error;
      try {
        build(batch_number, slot.batch);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      slot.error = error;
      slot.state = SlotState::Ready;
      --building;
      batch_ready.notify_all();
    }
  }

  // Caller holds `lock`.
  void restart(std::unique_lock<std::mutex>& lock, std::uint64_t new_epoch) {
    // No new claims; builds in flight read `order`, so let them finish first.
    next_to_build = batches;
    batch_ready.wait(lock, [this] { return building == 0; });
    for (Slot& slot : slots) {
      slot.state = SlotState::Free;
      slot.error = nullptr;
    }
    epoch = new_epoch;
    order = epoch_order(subset, config.shuffle, config.seed, epoch);
    next_to_build = 0;
    next_to_take = 0;
    work_available.notify_all();
  }
};

BatchLoader::BatchLoader(const ImageDataset& dataset, const ImageTransform& transform, const LoaderConfig& config)
    : state_(std::make_unique<State>(dataset, transform, config)) {
  validate(dataset);
  if (transform.channels() != dataset.channels || transform.height() != dataset.height ||
      transform.width() != dataset.width)
    throw InputError("batch loader: transform for " + std::to_string(transform.channels()) + "x" +
                     std::to_string(transform.height()) + "x" + std::to_string(transform.width()) +
                     " images, dataset '" + dataset.name + "' has " + std::to_string(dataset.channels) + "x" +
                     std::to_string(dataset.height) + "x" + std::to_string(dataset.width));
  if (config.batch_size == 0) throw InputError("batch loader: batch_size must be > 0");
  if (config.prefetch == 0) throw InputError("batch loader: prefetch must be >= 1");
  constexpr std::size_t kMaxWorkers = 256;
  if (config.workers > kMaxWorkers)
    throw InputError("batch loader: " + std::to_string(config.workers) + " workers (at most " +
                     std::to_string(kMaxWorkers) + ")");
  State& state = *state_;
  state.subset = budget_subset(dataset.size(), config.subset_size, config.seed);
  state.batches = config.drop_last ? state.subset.size() / config.batch_size
                                   : (state.subset.size() + config.batch_size - 1) / config.batch_size;
  state.slots.resize(std::max(config.prefetch, config.workers));
  {
    std::unique_lock<std::mutex> lock(state.mutex);
    state.restart(lock, 0);
  }
  try {
    for (std::size_t w = 0; w < config.workers; ++w) state.workers.emplace_back([&state] { state.work(); });
  } catch (...) {
    stop_workers();
    throw;
  }
}

void BatchLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
  }
  state_->work_available.notify_all();
  for (std::thread& worker : state_->workers) worker.join();
  state_->workers.clear();
}

BatchLoader::~BatchLoader() { stop_workers(); }

void BatchLoader::start_epoch(std::uint64_t epoch) {
  State& state = *state_;
  std::unique_lock<std::mutex> lock(state.mutex);
  if (epoch == state.epoch && state.next_to_take == 0) return;
  state.restart(lock, epoch);
}

bool BatchLoader::next(Batch& batch) {
  State& state = *state_;
  std::unique_lock<std::mutex> lock(state.mutex);
  if (state.next_to_take >= state.batches) return false;
  const std::size_t batch_number = state.next_to_take;
  if (state.workers.empty()) {
    ++state.next_to_take;
    state.build(batch_number, batch);
    return true;
  }
  if (state.next_to_build == batch_number) {
    // No worker has started this batch: build it here rather than wait idle.
    // Only this thread changes `order` and `epoch`, so no lock is needed.
    ++state.next_to_build;
    ++state.next_to_take;
    state.work_available.notify_all();
    lock.unlock();
    state.build(batch_number, batch);
    return true;
  }
  State::Slot& slot = state.slots[batch_number % state.slots.size()];
  state.batch_ready.wait(lock, [&slot] { return slot.state == State::SlotState::Ready; });
  std::swap(batch, slot.batch);
  const std::exception_ptr error = std::exchange(slot.error, nullptr);
  slot.state = State::SlotState::Free;
  ++state.next_to_take;
  state.work_available.notify_all();
  if (error) std::rethrow_exception(error);
  return true;
}

std::uint64_t BatchLoader::epoch() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->epoch;
}

std::size_t BatchLoader::batches_per_epoch() const { return state_->batches; }

std::size_t BatchLoader::images_per_epoch() const {
  return state_->config.drop_last ? state_->batches * state_->config.batch_size : state_->subset.size();
}

const std::vector<std::size_t>& BatchLoader::subset() const { return state_->subset; }

}  // namespace nasrank::dataset
