#include <malloc.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "compress.h"
#include "nasrank/common/error.h"
#include "nasrank/io/stream.h"
#include "io_test_util.h"
#include "test_paths.h"

namespace nasrank::io {
namespace {

using nasrank::testing::bzip2_compress;
using nasrank::testing::error_of;
using nasrank::testing::gzip_compress;
using nasrank::testing::slurp;
using nasrank::testing::test_data_dir;

std::string read_in_chunks(InputStream& in, std::size_t chunk) {
  std::string out;
  std::string buffer(chunk, '\0');
  for (;;) {
    const std::size_t n = in.read(buffer.data(), chunk);
    if (n == 0) break;
    out.append(buffer.data(), n);
  }
  return out;
}

TEST(Stream, PlainGzipAndBzip2GiveTheSameBytes) {
  const auto dir = test_data_dir() / "pickle";
  const std::string raw = slurp(dir / "all_types_p4.pkl");
  ASSERT_GT(raw.size(), 1000u);
  const std::pair<const char*, Compression> files[] = {{"all_types_p4.pkl", Compression::None},
                                                       {"all_types_p4.pkl.gz", Compression::Gzip},
                                                       {"all_types_p4.pkl.bz2", Compression::Bzip2}};
  for (const auto& [file, compression] : files) {
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{65536}}) {
      const auto in = open_input(dir / file);
      EXPECT_EQ(in->compression(), compression) << file;
      EXPECT_EQ(read_in_chunks(*in, chunk), raw) << file << " chunk " << chunk;
      EXPECT_EQ(in->position(), raw.size());
      EXPECT_EQ(in->read(nullptr, 0), 0u);
    }
  }
}

TEST(Stream, DetectsCompressionFromMagicBytes) {
  EXPECT_EQ(detect_compression("BZh91AY"), Compression::Bzip2);
  EXPECT_EQ(detect_compression("\x1f\x8b\x08"), Compression::Gzip);
  EXPECT_EQ(detect_compression("\x80\x04\x95"), Compression::None);
  EXPECT_EQ(detect_compression(""), Compression::None);
  EXPECT_EQ(detect_compression("BZ"), Compression::None);
}

TEST(Stream, MemoryInputAndForcedCompression) {
  const std::string text = "hello, streams";
  EXPECT_EQ(read_all(*open_memory_input(bzip2_compress(text), "mem.bz2"), 1000), text);
  EXPECT_EQ(read_all(*open_memory_input(gzip_compress(text), "mem.gz"), 1000), text);
  // Forcing "none" hands out the compressed bytes untouched.
  const std::string packed = gzip_compress(text);
  EXPECT_EQ(read_all(*open_memory_input(packed, "mem.gz", Compression::None), 1000), packed);
  // Forcing bzip2 on plain text is an error naming the input.
  const std::string message =
      error_of([&] { read_all(*open_memory_input(text, "plain.txt", Compression::Bzip2), 100); });
  EXPECT_NE(message.find("'plain.txt'"), std::string::npos) << message;
  EXPECT_NE(message.find("not bzip2 data"), std::string::npos) << message;
}

TEST(Stream, ConcatenatedStreamsAndMembersAreRead) {
  const std::string a(5000, 'a');
  const std::string b = "second part";
  EXPECT_EQ(read_all(*open_memory_input(bzip2_compress(a) + bzip2_compress(b), "two.bz2"), 1 << 20), a + b);
  EXPECT_EQ(read_all(*open_memory_input(gzip_compress(a) + gzip_compress(b), "two.gz"), 1 << 20), a + b);
  // Zero padding after a gzip member is accepted, as gzip(1) does.
  EXPECT_EQ(read_all(*open_memory_input(gzip_compress(b) + std::string(10, '\0'), "pad.gz"), 100), b);
}

TEST(Stream, TruncatedBzip2NamesFileAndOffset) {
  std::string packed = bzip2_compress(std::string(100000, 'x') + "tail");
  packed.resize(packed.size() / 2);
  const std::string message = error_of([&] { read_all(*open_memory_input(packed, "cut.pbz2"), 1 << 20); });
  EXPECT_NE(message.find("'cut.pbz2'"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  EXPECT_NE(message.find("at compressed byte " + std::to_string(packed.size())), std::string::npos) << message;
}

TEST(Stream, CorruptBzip2IsDetected) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i * 7919 % 10007) + ",";
  std::string packed = bzip2_compress(text);
  packed[packed.size() / 2] ^= 0x55;
  const std::string message = error_of([&] { read_all(*open_memory_input(packed, "bad.bz2"), 1 << 22); });
  EXPECT_NE(message.find("'bad.bz2'"), std::string::npos) << message;
  EXPECT_NE(message.find("corrupt bzip2 data"), std::string::npos) << message;
  EXPECT_NE(message.find("compressed byte"), std::string::npos) << message;
}

TEST(Stream, Bzip2MagicFollowedByGarbage) {
  const std::string message =
      error_of([&] { read_all(*open_memory_input("BZh9this is not bzip2 at all, just text", "fake.pbz2"), 1000); });
  EXPECT_NE(message.find("'fake.pbz2'"), std::string::npos) << message;
  EXPECT_NE(message.find("bzip2"), std::string::npos) << message;
}

TEST(Stream, TrailingGarbageAfterBzip2IsAnError) {
  const std::string packed = bzip2_compress("payload") + "JUNKJUNKJUNK";
  const std::string message = error_of([&] { read_all(*open_memory_input(packed, "trail.bz2"), 1000); });
  EXPECT_NE(message.find("trailing data after the bzip2 stream"), std::string::npos) << message;
}

TEST(Stream, TruncatedAndCorruptGzip) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i * 31 % 977) + ";";
  const std::string packed = gzip_compress(text);
  const std::string cut = packed.substr(0, packed.size() - 20);
  std::string message = error_of([&] { read_all(*open_memory_input(cut, "cut.gz"), 1 << 22); });
  EXPECT_NE(message.find("'cut.gz': gzip data ends early (file truncated)"), std::string::npos) << message;
  std::string flipped = packed;
  flipped[flipped.size() - 6] ^= 0x01;  // inside the CRC-32 trailer
  message = error_of([&] { read_all(*open_memory_input(flipped, "crc.gz"), 1 << 22); });
  EXPECT_NE(message.find("corrupt gzip data (incorrect data check)"), std::string::npos) << message;
  message = error_of([&] { read_all(*open_memory_input(gzip_compress("a") + "xyz", "tail.gz"), 100); });
  EXPECT_NE(message.find("trailing data after the gzip member"), std::string::npos) << message;
}

TEST(Stream, MissingFileAndDirectory) {
  const auto missing = test_data_dir() / "pickle" / "no_such_file.pkl";
  std::string message = error_of([&] { open_input(missing); });
  EXPECT_NE(message.find("cannot open '" + missing.string() + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("No such file"), std::string::npos) << message;
  message = error_of([&] { open_input(test_data_dir()); });
  EXPECT_NE(message.find("it is a directory"), std::string::npos) << message;
}

TEST(Stream, ReadExactAndReadAllLimits) {
  const auto in = open_memory_input("abcdef", "six");
  char buffer[8];
  read_exact(*in, buffer, 4);
  EXPECT_EQ(std::string(buffer, 4), "abcd");
  const std::string message = error_of([&] { read_exact(*in, buffer, 5); });
  EXPECT_NE(message.find("'six': data ends at byte 6, 3 bytes short of the 5 expected"), std::string::npos) << message;
  EXPECT_NE(
      error_of([&] { read_all(*open_memory_input(std::string(2000, 'z'), "big"), 1000); }).find("more than 1000 bytes"),
      std::string::npos);
}

TEST(Stream, ReadAheadDeliversTheSameBytesAndErrors) {
  const auto dir = test_data_dir() / "pickle";
  const std::string raw = slurp(dir / "all_types_p4.pkl");
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 20}) {
    const auto in = read_ahead(open_input(dir / "all_types_p4.pkl.bz2"), chunk, 2);
    EXPECT_EQ(in->name(), (dir / "all_types_p4.pkl.bz2").string());
    EXPECT_EQ(in->compression(), Compression::Bzip2);
    EXPECT_EQ(read_in_chunks(*in, 13), raw) << chunk;
    EXPECT_EQ(in->position(), raw.size());
  }
  std::string packed = bzip2_compress(std::string(300000, 'q'));
  packed.resize(packed.size() - 10);
  const std::string direct = error_of([&] { read_all(*open_memory_input(packed, "cut.bz2"), 1 << 20); });
  const std::string ahead =
      error_of([&] { read_all(*read_ahead(open_memory_input(packed, "cut.bz2"), 4096), 1 << 20); });
  EXPECT_FALSE(direct.empty());
  // Same error; only the count of bytes decoded before it depends on the read sizes.
  EXPECT_EQ(ahead.substr(0, ahead.find(" (after")), direct.substr(0, direct.find(" (after")));
  // Dropping the stream half-way stops the worker (no hang, no leak).
  const auto big = read_ahead(open_memory_input(bzip2_compress(std::string(4u << 20, 'z')), "big.bz2"), 1024, 2);
  char buffer[100];
  EXPECT_EQ(big->read(buffer, sizeof buffer), sizeof buffer);
}

TEST(Stream, DecompressionMemoryStaysBounded) {
  // 48 MiB of output from a few kilobytes of input, read in 64 KiB pieces:
  // the heap must not grow with the decompressed size.
  const std::string packed = bzip2_compress(std::string(48u << 20, '\0'));
  ASSERT_LT(packed.size(), 100000u);
  const std::size_t before = mallinfo2().uordblks;
  std::size_t peak = before;
  DecompressionLimits bomb_allowed;  // this input expands like a bomb on purpose
  bomb_allowed.max_ratio = ~std::uint64_t{0};
  const auto in = open_memory_input(packed, "zeros.bz2", Compression::Auto, bomb_allowed);
  std::string chunk(1 << 16, '\0');
  std::uint64_t total = 0;
  for (std::size_t n; (n = in->read(chunk.data(), chunk.size())) > 0;) {
    total += n;
    peak = std::max<std::size_t>(peak, mallinfo2().uordblks);
  }
  EXPECT_EQ(total, 48u << 20);
  EXPECT_LT(peak - before, 8u << 20) << "decompressing kept " << (peak - before) << " bytes";
}

std::string read_everything(InputStream& in) {
  std::string out;
  char chunk[65536];
  for (std::size_t n; (n = in.read(chunk, sizeof chunk)) > 0;) out.append(chunk, n);
  return out;
}

TEST(Stream, ExpansionRatioLimitStopsDecompressionBombs) {
  // 64 MiB of one byte shrink to a few hundred bytes: far beyond any real data.
  const std::string zeros(64u << 20, 'a');
  for (const auto& [name, packed] :
       {std::pair<std::string, std::string>{"bomb.bz2", bzip2_compress(zeros)}, {"bomb.gz", gzip_compress(zeros)}}) {
    const auto in = open_memory_input(packed, name);
    try {
      read_everything(*in);
      ADD_FAILURE() << name << " accepted";
    } catch (const InputError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("'" + name + "': "), std::string::npos) << message;
      EXPECT_NE(message.find("times; real data compresses far less: a decompression bomb"), std::string::npos)
          << message;
    }
    // Stopped soon after the point where the ratio is first checked.
    EXPECT_LT(in->position(), (16u << 20) + (1u << 20)) << name;
  }
}

TEST(Stream, OutputLimitIsExactAndNeverOverrun) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += std::to_string(i * 7919 % 10007) + ",";
  DecompressionLimits limits;
  limits.max_output_bytes = text.size();
  for (const auto& packed : {bzip2_compress(text), gzip_compress(text)}) {
    EXPECT_EQ(read_everything(*open_memory_input(packed, "exact", Compression::Auto, limits)), text);
  }
  limits.max_output_bytes = text.size() - 1;
  for (const auto& packed : {bzip2_compress(text), gzip_compress(text)}) {
    const auto in = open_memory_input(packed, "over", Compression::Auto, limits);
    try {
      read_everything(*in);
      ADD_FAILURE() << "accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("'over': decompresses to more than " + std::to_string(text.size() - 1) +
                                           " bytes, the limit for this kind of file"),
                std::string::npos)
          << e.what();
    }
    EXPECT_LE(in->position(), text.size() - 1);
  }
}

}  // namespace
}  // namespace nasrank::io
