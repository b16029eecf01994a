#pragma once
// Test helper: small pickles that ask a reader for far more memory than their
// size (issue 18). Each is built opcode by opcode, uncompressed; bzip2 shrinks
// them to a few hundred bytes.
#include <cstdint>
#include <string>

namespace nasrank::testing {

using namespace std::string_literals;

// A str of `string_bytes` copies of one byte, memoized, then passed to the
// whitelisted _codecs.encode(s, 'latin1') `encodes` times; the results go
// into a list. Each call copies the string.
inline std::string codecs_encode_bomb(std::uint64_t string_bytes, int encodes) {
  std::string p = "\x80\x04"s;
  p += '\x8d';  // BINUNICODE8
  for (int i = 0; i < 8; ++i) p += static_cast<char>((string_bytes >> (8 * i)) & 0xff);
  p.append(string_bytes, 'a');
  p += "q\x00"s;    // BINPUT 0
  p += "]q\x01("s;  // EMPTY_LIST, BINPUT 1, MARK
  for (int i = 0; i < encodes; ++i) p += "c_codecs\nencode\nh\x00\x8c\x06latin1\x86R"s;
  p += "e."s;  // APPENDS, STOP
  return p;
}

// A list of `list_items` ints memoized as entry 0, then a new list that
// refers to it `references` times (BINGET 0 in batches of 1000 + APPENDS):
// 2 bytes of pickle per reference, and no copy of the list anywhere.
inline std::string memo_reference_bomb(std::uint64_t list_items, std::uint64_t references) {
  std::string p = "\x80\x04]q\x00("s;
  for (std::uint64_t i = 0; i < list_items; ++i) p += "K\x07"s;
  p += "e]";  // APPENDS; the outer list
  for (std::uint64_t done = 0; done < references;) {
    p += '(';
    for (int i = 0; i < 1000 && done < references; ++i, ++done) p += "h\x00"s;
    p += 'e';
  }
  p += '.';
  return p;
}

}  // namespace nasrank::testing
