// printable_message and InputError: input bytes never reach a terminal raw.
#include <gtest/gtest.h>

#include "nasrank/common/error.h"

namespace nasrank {
namespace {

using namespace std::string_literals;

TEST(PrintableMessage, EscapesControlBytesAndKeepsPrintableUtf8) {
  EXPECT_EQ(printable_message("arch '|nor_conv_3x3~0|+|'"), "arch '|nor_conv_3x3~0|+|'");
  EXPECT_EQ(printable_message("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(printable_message("a\0b"s), "a\\x00b");
  EXPECT_EQ(printable_message("line\r\nnext\ttab\x7f"), "line\\x0d\\x0anext\\x09tab\\x7f");
  EXPECT_EQ(printable_message("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  // C1 controls (U+009B is a terminal's CSI), stray and truncated bytes, overlong forms, surrogates.
  EXPECT_EQ(printable_message("\xc2\x9b"
                              "2J"),
            "\\xc2\\x9b2J");
  EXPECT_EQ(printable_message("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(printable_message("end\xe2\x82"), "end\\xe2\\x82");
  EXPECT_EQ(printable_message("\xc0\xaf \xe0\x80\xaf \xed\xa0\x80"), "\\xc0\\xaf \\xe0\\x80\\xaf \\xed\\xa0\\x80");
}

TEST(PrintableMessage, InputErrorCarriesTheWholeEscapedMessage) {
  const InputError error("value 'x\0y\x1b' in file 'f'"s);
  EXPECT_EQ(std::string(error.what()), "value 'x\\x00y\\x1b' in file 'f'");
  // Escaping twice changes nothing: messages built from other messages stay readable.
  EXPECT_EQ(printable_message(error.what()), error.what());
}

}  // namespace
}  // namespace nasrank
