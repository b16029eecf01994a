#include "dataset_test_util.h"
#include "nasrank/common/error.h"
#include "nasrank/dataset/readers.h"

#include <gtest/gtest.h>

#include <zlib.h>

#include <string>
#include <vector>

namespace nasrank::dataset {
namespace {

using testing::cifar_records;
using testing::dataset_fixtures;
using testing::expect_input_error;
using testing::fixture_images;
using testing::read_bytes;
using testing::ScratchDir;
using testing::write_bytes;

// A string literal with embedded NULs.
template <std::size_t N>
std::string literal(const char (&text)[N]) {
  return std::string(text, N - 1);
}

std::string be32(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16), static_cast<char>(value >> 8),
          static_cast<char>(value)};
}

std::string idx_images(std::uint32_t count, std::uint32_t height, std::uint32_t width, const std::string& payload) {
  return be32(0x803) + be32(count) + be32(height) + be32(width) + payload;
}

std::string idx_labels(const std::string& labels) {
  return be32(0x801) + be32(static_cast<std::uint32_t>(labels.size())) + labels;
}

std::string gzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// --- IDX ---------------------------------------------------------------------

TEST(IdxReader, ReadsGzippedFixture) {
  const ImageDataset data = read_idx(dataset_fixtures() / "idx/train-images-idx3-ubyte.gz",
                                     dataset_fixtures() / "idx/train-labels-idx1-ubyte.gz", "fashion-mnist");
  EXPECT_EQ(data.name, "fashion-mnist");
  EXPECT_EQ(data.size(), 5u);
  EXPECT_EQ(data.channels, 1);
  EXPECT_EQ(data.height, 4);
  EXPECT_EQ(data.width, 3);
  EXPECT_EQ(data.num_classes, 10);
  EXPECT_EQ(data.labels, (std::vector<std::int64_t>{3, 0, 9, 3, 1}));
  EXPECT_EQ(data.pixels, fixture_images(5, 1, 4, 3));
  ASSERT_EQ(data.provenance.files.size(), 2u);
  EXPECT_NE(data.provenance.files[0].find("train-images-idx3-ubyte.gz"), std::string::npos);
}

TEST(IdxReader, ReadsPlainFixture) {
  const ImageDataset data = read_idx(dataset_fixtures() / "idx/t10k-images-idx3-ubyte",
                                     dataset_fixtures() / "idx/t10k-labels-idx1-ubyte", "mnist");
  EXPECT_EQ(data.labels, (std::vector<std::int64_t>{7, 2}));
  EXPECT_EQ(data.pixels, fixture_images(2, 1, 4, 3));
}

TEST(IdxReader, DirectoryLoaderFindsGzAndPlainNames) {
  const ImageDataset train = load_idx_directory(dataset_fixtures() / "idx", Part::Train, "fashion-mnist");
  const ImageDataset test = load_idx_directory(dataset_fixtures() / "idx", Part::Test, "fashion-mnist");
  EXPECT_EQ(train.size(), 5u);
  EXPECT_EQ(test.size(), 2u);
  EXPECT_EQ(train.provenance.split, "train");
  EXPECT_EQ(test.provenance.split, "test");
}

class IdxErrors : public ::testing::Test {
 protected:
  void write_pair(const std::string& images, const std::string& labels) {
    write_bytes(dir / "images", images);
    write_bytes(dir / "labels", labels);
  }
  ImageDataset read() const { return read_idx(dir / "images", dir / "labels", "mnist"); }
  ScratchDir dir;
  const std::string two_images = std::string(24, '\x05');  // 2 images of 3x4
};

TEST_F(IdxErrors, WrongMagic) {
  write_pair(be32(0x801) + be32(2) + be32(3) + be32(4) + two_images, idx_labels("\x01\x02"));
  expect_input_error([&] { read(); }, {"images", "magic number 0x00000801 at byte 0", "is not 0x00000803"});
  write_pair(idx_images(2, 3, 4, two_images), be32(0x803) + be32(2) + "\x01\x02");
  expect_input_error([&] { read(); }, {"labels", "magic number 0x00000803", "is not 0x00000801"});
}

TEST_F(IdxErrors, SwappedFilesAreCaughtByMagic) {
  write_pair(idx_labels("\x01\x02"), idx_images(2, 3, 4, two_images));
  expect_input_error([&] { read(); }, {"magic number 0x00000801", "is not 0x00000803"});
}

TEST_F(IdxErrors, TruncatedHeaderAndData) {
  write_pair(be32(0x803) + be32(2), idx_labels("\x01\x02"));
  expect_input_error([&] { read(); }, {"truncated header: 8 bytes, the header needs 16"});
  write_pair(idx_images(2, 3, 4, two_images.substr(0, 20)), idx_labels("\x01\x02"));
  expect_input_error([&] { read(); }, {"truncated", "24 data bytes from byte 16", "ends at byte 36"});
  write_pair(literal("\x00\x00"), idx_labels("\x01\x02"));
  expect_input_error([&] { read(); }, {"truncated: 2 bytes"});
}

TEST_F(IdxErrors, TrailingBytes) {
  write_pair(idx_images(2, 3, 4, two_images + "xyz"), idx_labels("\x01\x02"));
  expect_input_error([&] { read(); }, {"3 unexpected bytes after the declared data, from byte 40"});
}

TEST_F(IdxErrors, HugeDimensionsReadAsTruncated) {
  write_pair(idx_images(0xffffffffU, 0xffffffffU, 0xffffffffU, two_images), idx_labels("\x01\x02"));
  expect_input_error([&] { read(); }, {"truncated"});
}

TEST_F(IdxErrors, CountMismatch) {
  write_pair(idx_images(2, 3, 4, two_images), idx_labels("\x01\x02\x03"));
  expect_input_error([&] { read(); }, {"2 images but 3 labels"});
}

TEST_F(IdxErrors, LabelOutOfRange) {
  write_pair(idx_images(2, 3, 4, two_images), idx_labels(std::string("\x01\x0a", 2)));
  expect_input_error([&] { read(); }, {"label 10 at byte 9 (image 1) is outside 0..9"});
}

TEST_F(IdxErrors, GzipOffsetsSayDecompressed) {
  write_pair(gzip(idx_images(2, 3, 4, two_images)), gzip(idx_labels(std::string("\x01\x0c", 2))));
  expect_input_error([&] { read(); }, {"label 12 at byte 9 of the decompressed data"});
}

TEST_F(IdxErrors, CorruptGzip) {
  std::string compressed = gzip(idx_images(2, 3, 4, two_images));
  compressed.resize(compressed.size() / 2);
  write_pair(compressed, idx_labels("\x01\x02"));
  expect_input_error([&] { read(); }, {(dir / "images").string()});
}

TEST_F(IdxErrors, MissingFile) {
  expect_input_error([&] { read_idx(dir / "nope", dir / "nope2", "mnist"); }, {"nope"});
  expect_input_error([&] { load_idx_directory(dir.path(), Part::Train, "mnist"); },
                     {"train-images-idx3-ubyte nor train-images-idx3-ubyte.gz"});
}

// --- CIFAR binary --------------------------------------------------------------

TEST(CifarBinary, ReadsRecordsAcrossFiles) {
  ScratchDir dir;
  write_bytes(dir / "a.bin", cifar_records({{3}, {9}}));
  write_bytes(dir / "b.bin", cifar_records({{0}}));
  const ImageDataset data = read_cifar10_binary({dir / "a.bin", dir / "b.bin"});
  EXPECT_EQ(data.name, "cifar10");
  EXPECT_EQ(data.size(), 3u);
  EXPECT_EQ(data.num_classes, 10);
  EXPECT_EQ(data.labels, (std::vector<std::int64_t>{3, 9, 0}));
  std::vector<std::uint8_t> expected = fixture_images(2, 3, 32, 32);
  const std::vector<std::uint8_t> first = fixture_images(1, 3, 32, 32);
  expected.insert(expected.end(), first.begin(), first.end());
  EXPECT_EQ(data.pixels, expected);
  EXPECT_EQ(data.provenance.files.size(), 2u);
}

TEST(CifarBinary, Cifar100FineAndCoarse) {
  ScratchDir dir;
  write_bytes(dir / "train.bin", cifar_records({{7, 42}, {19, 99}}));
  const ImageDataset fine = read_cifar100_binary({dir / "train.bin"});
  EXPECT_EQ(fine.num_classes, 100);
  EXPECT_EQ(fine.labels, (std::vector<std::int64_t>{42, 99}));
  EXPECT_EQ(fine.pixels, fixture_images(2, 3, 32, 32));
  const ImageDataset coarse = read_cifar100_binary({dir / "train.bin"}, Cifar100Labels::Coarse);
  EXPECT_EQ(coarse.num_classes, 20);
  EXPECT_EQ(coarse.labels, (std::vector<std::int64_t>{7, 19}));
}

TEST(CifarBinary, Errors) {
  ScratchDir dir;
  std::string records = cifar_records({{1}, {2}});
  write_bytes(dir / "truncated.bin", records.substr(0, records.size() - 5));
  expect_input_error(
      [&] { read_cifar10_binary({dir / "truncated.bin"}); },
      {"truncated.bin", "6141 bytes is not a multiple of the 3073-byte record", "last record starts at byte 3073"});
  write_bytes(dir / "empty.bin", "");
  expect_input_error([&] { read_cifar10_binary({dir / "empty.bin"}); }, {"empty.bin", "empty"});
  write_bytes(dir / "label.bin", cifar_records({{1}, {10}}));
  expect_input_error([&] { read_cifar10_binary({dir / "label.bin"}); },
                     {"label 10 at byte 3073 (record 1) is outside 0..9"});
  write_bytes(dir / "c100.bin", cifar_records({{7, 42}, {20, 1}}));
  expect_input_error([&] { read_cifar100_binary({dir / "c100.bin"}); },
                     {"coarse label 20 at byte 3074 (record 1) is outside 0..19"});
  // A CIFAR-10 file read as CIFAR-100 fails on its size (3073 vs 3074 bytes).
  write_bytes(dir / "c10.bin", cifar_records({{1}, {2}}));
  expect_input_error([&] { read_cifar100_binary({dir / "c10.bin"}); }, {"3074-byte record"});
  expect_input_error([&] { read_cifar10_binary({}); }, {"no files"});
}

TEST(CifarBinary, DirectoryLoader) {
  ScratchDir dir;
  const auto batches = dir.path() / "cifar-10-batches-bin";
  for (int i = 1; i <= 5; ++i)
    write_bytes(batches / ("data_batch_" + std::to_string(i) + ".bin"), cifar_records({{i}}));
  write_bytes(batches / "test_batch.bin", cifar_records({{8}, {9}}));
  const ImageDataset train = load_cifar10(dir.path(), Part::Train);
  EXPECT_EQ(train.labels, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(train.provenance.files.size(), 5u);
  const ImageDataset test = load_cifar10(batches, Part::Test);  // the archive directory itself works too
  EXPECT_EQ(test.labels, (std::vector<std::int64_t>{8, 9}));
  // A batch cut short exactly at a record boundary is still a valid batch
  // file; only its size tells.
  write_bytes(batches / "data_batch_4.bin", cifar_records({{4}, {4}}));
  expect_input_error([&] { load_cifar10(dir.path(), Part::Train); },
                     {"data_batch_4.bin' has 6146 bytes but", "data_batch_1.bin' 3073", "cut short or replaced"});
  std::filesystem::remove(batches / "data_batch_3.bin");
  expect_input_error([&] { load_cifar10(dir.path(), Part::Train); }, {"missing file", "data_batch_3.bin"});
  expect_input_error([&] { load_cifar10(dir / "nothing", Part::Train); }, {"CIFAR-10 not found"});
}

// --- CIFAR python ----------------------------------------------------------------

TEST(CifarPickle, ReadsPython2Batch) {
  const ImageDataset data = read_cifar10_pickle({dataset_fixtures() / "cifar-10-batches-py/data_batch_1"});
  EXPECT_EQ(data.name, "cifar10");
  EXPECT_EQ(data.size(), 2u);
  EXPECT_EQ(data.labels, (std::vector<std::int64_t>{3, 9}));
  EXPECT_EQ(data.pixels, fixture_images(2, 3, 32, 32));
}

TEST(CifarPickle, Cifar100FineAndCoarse) {
  const auto file = dataset_fixtures() / "cifar-100-python/train";
  const ImageDataset fine = read_cifar100_pickle({file});
  EXPECT_EQ(fine.num_classes, 100);
  EXPECT_EQ(fine.labels, (std::vector<std::int64_t>{42, 99}));
  EXPECT_EQ(fine.pixels, fixture_images(2, 3, 32, 32));
  const ImageDataset coarse = read_cifar100_pickle({file}, Cifar100Labels::Coarse);
  EXPECT_EQ(coarse.labels, (std::vector<std::int64_t>{7, 19}));
}

TEST(CifarPickle, DirectoryLoader) {
  ScratchDir dir;
  const std::string batch = read_bytes(dataset_fixtures() / "cifar-10-batches-py/data_batch_1");
  for (int i = 1; i <= 5; ++i) write_bytes(dir / ("cifar-10-batches-py/data_batch_" + std::to_string(i)), batch);
  write_bytes(dir / "cifar-10-batches-py/test_batch", batch);
  EXPECT_EQ(load_cifar10(dir.path(), Part::Train).size(), 10u);
  EXPECT_EQ(load_cifar10(dir.path(), Part::Test).size(), 2u);

  const std::string train100 = read_bytes(dataset_fixtures() / "cifar-100-python/train");
  write_bytes(dir / "cifar-100-python/train", train100);
  write_bytes(dir / "cifar-100-python/test", train100);
  const ImageDataset test100 = load_cifar100(dir.path(), Part::Test);
  EXPECT_EQ(test100.labels, (std::vector<std::int64_t>{42, 99}));
  EXPECT_EQ(test100.provenance.split, "test");
}

TEST(CifarPickle, Errors) {
  ScratchDir dir;
  const std::string batch = read_bytes(dataset_fixtures() / "cifar-10-batches-py/data_batch_1");
  write_bytes(dir / "truncated", batch.substr(0, batch.size() - 100));
  expect_input_error([&] { read_cifar10_pickle({dir / "truncated"}); }, {"truncated"});
  // CIFAR-10 has no 'fine_labels'.
  expect_input_error([&] { read_cifar100_pickle({dataset_fixtures() / "cifar-10-batches-py/data_batch_1"}); },
                     {"missing key 'fine_labels'", "data_batch_1"});
  // CIFAR-100 labels exceed CIFAR-10's range... but it has no 'labels' key at all.
  expect_input_error([&] { read_cifar10_pickle({dataset_fixtures() / "cifar-100-python/train"}); },
                     {"missing key 'labels'"});
  // ImageNet16 rows are 768 bytes, not 3072.
  expect_input_error([&] { read_cifar10_pickle({dataset_fixtures() / "ImageNet16/val_data"}); },
                     {"'data' has shape (3, 768), expected (N, 3072)"});
  expect_input_error([&] { read_cifar10_pickle({dataset_fixtures() / "bad/float_data"}); },
                     {"float_data", "dtype <f4", "expected |u1"});
  write_bytes(dir / "evil", literal("\x80\x02"
                                    "cos\nsystem\n"
                                    "X\x02\x00\x00\x00ls\x85R."));
  expect_input_error([&] { read_cifar10_pickle({dir / "evil"}); }, {"os.system"});
  write_bytes(dir / "list", literal("\x80\x02]q\x00."));
  expect_input_error([&] { read_cifar10_pickle({dir / "list"}); }, {"expected a dict at the top level"});
  expect_input_error([&] { read_cifar10_pickle({dataset_fixtures() / "bad/cifar10_label_10"}); },
                     {"cifar10_label_10", "'labels'[0] = 10 is outside 0..9"});
}

// --- ImageNet16 ------------------------------------------------------------------

TEST(ImageNet16Pickle, KeepsFirst120ClassesAndShiftsLabels) {
  const auto train_file = dataset_fixtures() / "ImageNet16/train_data_batch_1";
  const ImageDataset train = read_imagenet16_pickle({train_file});
  EXPECT_EQ(train.name, "ImageNet16-120");
  EXPECT_EQ(train.num_classes, 120);
  EXPECT_EQ(train.height, 16);
  // Fixture labels 1, 121, 120, 1000: images 0 and 2 stay.
  EXPECT_EQ(train.labels, (std::vector<std::int64_t>{0, 119}));
  const std::vector<std::uint8_t> all = fixture_images(4, 3, 16, 16);
  std::vector<std::uint8_t> expected(all.begin(), all.begin() + 768);
  expected.insert(expected.end(), all.begin() + 2 * 768, all.begin() + 3 * 768);
  EXPECT_EQ(train.pixels, expected);

  const ImageDataset full = read_imagenet16_pickle({train_file, dataset_fixtures() / "ImageNet16/val_data"}, 1000);
  EXPECT_EQ(full.name, "ImageNet16");
  EXPECT_EQ(full.labels, (std::vector<std::int64_t>{0, 120, 119, 999, 4, 199, 119}));
}

TEST(ImageNet16Pickle, DirectoryLoader) {
  ScratchDir dir;
  const std::string batch = read_bytes(dataset_fixtures() / "ImageNet16/train_data_batch_1");
  for (int i = 1; i <= 10; ++i) write_bytes(dir / ("ImageNet16/train_data_batch_" + std::to_string(i)), batch);
  write_bytes(dir / "ImageNet16/val_data", read_bytes(dataset_fixtures() / "ImageNet16/val_data"));
  EXPECT_EQ(load_imagenet16(dir.path(), Part::Train).size(), 20u);
  const ImageDataset valid = load_imagenet16(dir.path(), Part::Test);
  EXPECT_EQ(valid.labels, (std::vector<std::int64_t>{4, 119}));
  EXPECT_EQ(valid.provenance.split, "valid");
}

TEST(ImageNet16Pickle, Errors) {
  expect_input_error([&] { read_imagenet16_pickle({dataset_fixtures() / "bad/count_mismatch"}); },
                     {"count_mismatch", "1 images in 'data' but 2 entries in 'labels'"});
  expect_input_error([&] { read_imagenet16_pickle({dataset_fixtures() / "cifar-10-batches-py/data_batch_1"}); },
                     {"expected (N, 768)"});
  expect_input_error([&] { read_imagenet16_pickle({dataset_fixtures() / "bad/imagenet16_label_0"}); },
                     {"'labels'[0] = 0 is outside 1..1000 (ImageNet16 labels are 1-based)"});
  expect_input_error([&] { read_imagenet16_pickle({dataset_fixtures() / "ImageNet16/val_data"}, 0); },
                     {"max_class 0 is outside 1..1000"});
}

}  // namespace
}  // namespace nasrank::dataset
