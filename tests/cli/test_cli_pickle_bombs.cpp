// Pickle bombs through `nasrank import nats` under a 1 GB address-space
// limit, as on a shared node (issue 18): each must end in exit 2 with a clear
// message, never in an out-of-memory kill. Slow: the test builds its bombs
// from hundreds of megabytes of pickle.
#include "cli_runner.h"
#include "scratch_dir.h"
#include "../io/compress.h"
#include "../io/pickle_bombs.h"
#include "test_paths.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

namespace nasrank::testing {
namespace {

constexpr unsigned long long kOneGigabyte = 1ull << 30;

// ---- 1. pickle bombs ------------------------------------------------------------

CliResult import_nats_meta(const ScratchDir& dir, const std::string& meta_bytes) {
  std::filesystem::create_directories(dir.path() / "nats");
  write(dir / "nats/meta.pickle.pbz2", meta_bytes);
  ChildLimits limits;
  limits.address_space_bytes = kOneGigabyte;
  return run_cli_limited({"import", "nats", dir / "nats", "--out", dir / "bomb.h5"}, limits);
}

TEST(CliPickleBombs, CodecsEncodeBombExits2UnderOneGigabyte) {
  ScratchDir dir("bombs-codecs");
  // The file: a 256 MiB str of one byte, then _codecs.encode 12 times
  // (3.4 GB if every copy were made).
  const std::string bomb = bzip2_compress(codecs_encode_bomb(256u << 20, 12));
  EXPECT_LT(bomb.size(), 400u);
  const CliResult result = import_nats_meta(dir, bomb);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("a decompression bomb"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bomb.h5"));
}

TEST(CliPickleBombs, MemoReferenceBombExits2UnderOneGigabyte) {
  ScratchDir dir("bombs-memo");
  // 64 M references to one memoized list: 1 GiB of value slots, no _codecs.
  const std::string plain = memo_reference_bomb(1000, 64u << 20);
  const CliResult compressed = import_nats_meta(dir, gzip_compress(plain));
  EXPECT_EQ(compressed.exit_code, 2) << compressed.err;
  EXPECT_NE(compressed.err.find("a decompression bomb"), std::string::npos) << compressed.err;
  // Uncompressed, no decompression limit applies: the decode budget stops it.
  const CliResult raw = import_nats_meta(dir, plain);
  EXPECT_EQ(raw.exit_code, 2) << raw.err;
  EXPECT_EQ(raw.out, "");
  EXPECT_NE(raw.err.find("bytes of memory, the budget for one decode"), std::string::npos) << raw.err;
  EXPECT_NE(raw.err.find("raise it with --pickle-memory-mb"), std::string::npos) << raw.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bomb.h5"));
}

}  // namespace
}  // namespace nasrank::testing
