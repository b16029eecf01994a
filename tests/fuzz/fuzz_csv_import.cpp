// `nasrank import csv`: read_csv_runs over the file with the column mappings
// of the two published tables (index + arch string columns, percent metrics,
// budget given or inferred from the column names).
#include "fuzz_support.h"
#include "nasrank/store/import.h"

#include <vector>

namespace {

std::vector<nasrank::store::CsvImportOptions> option_sets(const std::filesystem::path& file) {
  using nasrank::store::parse_metric_mapping;
  std::vector<nasrank::store::CsvImportOptions> sets(3);
  // mini_nasbench201_12ep.csv, architectures by index, then by arch string.
  for (int i = 0; i < 2; ++i) {
    sets[i].file = file;
    sets[i].arch_column = i == 0 ? "arch" : "cellstr";
    sets[i].metrics = {parse_metric_mapping("cifar10-test=cifar10"),
                       parse_metric_mapping("cifar10-val=cifar10-valid:valid"),
                       parse_metric_mapping("cifar100-test=cifar100:x-test"),
                       parse_metric_mapping("imagenet-val=ImageNet16-120:valid")};
    sets[i].budget_epochs = 12;
  }
  // nats_bench_200ep_test.csv: the budget comes from the column names.
  sets[2].file = file;
  sets[2].arch_column = "ArchitectureString";
  sets[2].metrics = {parse_metric_mapping("CIFAR10TestAccuracy200Epochs=cifar10"),
                     parse_metric_mapping("CIFAR100TestAccuracy200Epochs=cifar100"),
                     parse_metric_mapping("ImageNetTestAccuracy200Epochs=ImageNet16-120")};
  sets[2].seeds_averaged = "777,888,999";
  return sets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  static const fuzz::ScratchFile file("table.csv");
  static const auto sets = option_sets(file.path());
  file.write(fuzz::as_text(data, size));
  for (const auto& options : sets) {
    fuzz::expect_input_error_only([&] {
      store::ImportReport report;
      (void)store::read_csv_runs(options, &report);
    });
  }
  return 0;
}
