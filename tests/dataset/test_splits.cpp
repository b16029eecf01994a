#include "dataset_test_util.h"
#include "nasrank/dataset/splits.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace nasrank::dataset {
namespace {

using testing::expect_input_error;
using testing::ScratchDir;
using testing::write_bytes;

using Indices = std::vector<std::size_t>;

TEST(SplitFile, ParsesTheBenchmarkLayout) {
  const SplitFile file = parse_split_file(
      "{\n  \"train\"   : [\"int\"   , [\"0\", \"5\", \"7\"]],\n  \"valid\" : [\"int\", [\"1\", \"2\"]]\n}\n", "mem");
  ASSERT_EQ(file.splits.size(), 2u);
  EXPECT_EQ(file.splits[0].first, "train");  // file order kept
  EXPECT_EQ(file.indices("train"), (Indices{0, 5, 7}));
  EXPECT_EQ(file.indices("valid"), (Indices{1, 2}));
  expect_input_error([&] { file.indices("test"); }, {"split file 'mem'", "no split 'test'", "'train', 'valid'"});
  EXPECT_NO_THROW(check_split_range(file, "train", 8));
  expect_input_error([&] { check_split_range(file, "train", 7); },
                     {"split 'train' element 2 = 7 is outside the dataset's 7 images"});
}

TEST(SplitFile, MalformedInput) {
  struct Case {
    const char* text;
    std::vector<std::string> pieces;
  };
  const std::vector<Case> cases{
      {"{\"train\": [\"int\", [\"0\", ]]}", {"not valid JSON at byte"}},
      {"{\"train\": [\"int\", [1e999]]}", {"not valid JSON"}},  // out_of_range in nlohmann::json, not parse_error
      {"[1, 2]", {"expected a JSON object of splits, found array"}},
      {"{\"train\": [\"int\"]}", {"split 'train'", "expected [\"int\", [index, ...]]"}},
      {"{\"train\": [\"float\", [\"0\"]]}", {"type tag \"float\" is not \"int\""}},
      {"{\"train\": [\"int\", [\"0\", \"1x\"]]}",
       {"split 'train' element 1 = \"1x\" is not a non-negative decimal integer"}},
      {"{\"train\": [\"int\", [\"-1\"]]}", {"element 0 = \"-1\""}},
      {"{\"train\": [\"int\", [\"\"]]}", {"element 0 = \"\""}},
      {"{\"train\": [\"int\", [\"99999999999999999999\"]]}", {"element 0"}},
      {"{\"train\": [\"int\", [null]]}", {"element 0 = null is not an index string"}},
      {"{\"train\": [\"int\", [\"3\", \"4\", \"3\"]]}", {"index 3 appears twice (elements 0 and 2)"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    std::vector<std::string> pieces = c.pieces;
    pieces.push_back("split file 'case'");
    expect_input_error([&] { parse_split_file(c.text, "case"); }, pieces);
  }
}

TEST(SplitFile, ReadsFilesAndReportsMissingOnes) {
  ScratchDir dir;
  write_bytes(dir / "s.txt", "{\"xvalid\": [\"int\", [\"1\"]], \"xtest\": [\"int\", [\"0\"]]}");
  EXPECT_EQ(read_split_file(dir / "s.txt").indices("xtest"), (Indices{0}));
  EXPECT_EQ(read_split_file(dir / "s.txt").source, (dir / "s.txt").string());
  expect_input_error([&] { read_split_file(dir / "missing.txt"); }, {"missing.txt"});
}

TEST(SplitFile, FindsTheSplitsDirectory) {
  ScratchDir dir;
  EXPECT_EQ(find_splits_dir(dir.path().string()), dir.path());
  expect_input_error([&] { find_splits_dir((dir / "absent").string()); }, {"absent", "does not exist"});
  const char* previous = std::getenv("NASRANK_SPLITS_DIR");
  const std::string saved = previous ? previous : "";
  ::setenv("NASRANK_SPLITS_DIR", dir.path().c_str(), 1);
  EXPECT_EQ(find_splits_dir(), dir.path());
  if (previous)
    ::setenv("NASRANK_SPLITS_DIR", saved.c_str(), 1);
  else
    ::unsetenv("NASRANK_SPLITS_DIR");
}

TEST(PythonShuffleSplit, MatchesCPython) {
  // /usr/bin/python3: random.seed(0); l = list(range(20)); random.shuffle(l)
  // gives [10, 18, 16, 14, 0, 17, ...]; sorted(l[:5]) / sorted(l[5:]):
  const IndexSplit split = python_shuffle_split(20, 5, 0);
  EXPECT_EQ(split.first, (Indices{0, 10, 14, 16, 18}));
  EXPECT_EQ(split.second, (Indices{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 17, 19}));
  // random.seed(1021); shuffle(range(10)) = [0, 5, 6, 3, 7, 1, 4, 2, 9, 8]
  EXPECT_EQ(python_shuffle_split(10, 3, 1021).first, (Indices{0, 5, 6}));
  // A seed above 2^32 takes two key words: random.seed(2**40 + 3) gives [3, 6, 2, 5, 4, 0, 1].
  EXPECT_EQ(python_shuffle_split(7, 2, (std::uint64_t{1} << 40) + 3).first, (Indices{3, 6}));
  EXPECT_TRUE(python_shuffle_split(4, 0, 1).first.empty());
  expect_input_error([] { python_shuffle_split(4, 5, 1); }, {"5 of 4 items"});
}

}  // namespace
}  // namespace nasrank::dataset
