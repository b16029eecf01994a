#pragma once
// Readers for the image formats the benchmark and the project use. Each one
// checks the whole file (magic numbers, declared sizes, label ranges, counts)
// and throws InputError naming the file, the byte offset where meaningful and
// the problem. Gzipped files are recognised by their magic bytes.
//
// Two levels: format readers take explicit files; `load_*` take a directory
// laid out as the official archives unpack (see each function).
#include "nasrank/dataset/image_dataset.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nasrank::dataset {

using Path = std::filesystem::path;

enum class Part { Train, Test };

enum class Cifar100Labels { Fine, Coarse };

// --- format readers ---------------------------------------------------------

// IDX (MNIST / Fashion-MNIST): an unsigned-byte images file (magic 0x00000803,
// N x H x W) and labels file (magic 0x00000801, N), plain or gzipped. Labels
// must be < num_classes.
ImageDataset read_idx(const Path& images_file, const Path& labels_file, const std::string& name, int num_classes = 10);

// CIFAR binary version: records of <label byte><3072 pixel bytes, CHW>
// (CIFAR-10) or <coarse byte><fine byte><3072 pixel bytes> (CIFAR-100).
ImageDataset read_cifar10_binary(const std::vector<Path>& files);
ImageDataset read_cifar100_binary(const std::vector<Path>& files, Cifar100Labels labels = Cifar100Labels::Fine);

// CIFAR Python version: pickled dicts with 'data' (uint8 N x 3072, CHW rows)
// and 'labels' (CIFAR-10) or 'fine_labels' / 'coarse_labels' (CIFAR-100).
// Keys may be bytes (the official Python 2 files) or str.
ImageDataset read_cifar10_pickle(const std::vector<Path>& files);
ImageDataset read_cifar100_pickle(const std::vector<Path>& files, Cifar100Labels labels = Cifar100Labels::Fine);

// Downsampled ImageNet 16x16 pickles (train_data_batch_1..10, val_data):
// dicts with 'data' (uint8 N x 768, CHW rows) and 1-based 'labels' in 1..1000.
// Like the benchmark's loader, keeps only images with label <= max_class (120
// for ImageNet16-120; 1000 keeps all) and maps label L to L - 1.
ImageDataset read_imagenet16_pickle(const std::vector<Path>& files, int max_class = 120);

// --- directory loaders -------------------------------------------------------

// MNIST-style directory with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
// `name` is the dataset key stored in the result ("mnist", "fashion-mnist").
ImageDataset load_idx_directory(const Path& directory, Part part, const std::string& name);

// `root` is either the archive's directory itself or a directory containing it:
// cifar-10-batches-bin (data_batch_1..5.bin, test_batch.bin) or
// cifar-10-batches-py (data_batch_1..5, test_batch); the binary version wins
// when both exist.
ImageDataset load_cifar10(const Path& root, Part part);
// cifar-100-binary (train.bin, test.bin) or cifar-100-python (train, test).
ImageDataset load_cifar100(const Path& root, Part part, Cifar100Labels labels = Cifar100Labels::Fine);
// ImageNet16 (train_data_batch_1..10, val_data); Part::Test reads val_data.
ImageDataset load_imagenet16(const Path& root, Part part, int max_class = 120);

}  // namespace nasrank::dataset
