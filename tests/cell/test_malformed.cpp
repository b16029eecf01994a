// Every malformed encoding gets one line naming the input, the position and
// what was expected.
#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"

#include <gtest/gtest.h>

namespace nasrank::cell {
namespace {

struct Malformed {
  const char* input;
  const char* expected_message;  // the whole message
};

class MalformedEncoding : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedEncoding, IsRejectedWithAPreciseMessage) {
  const Malformed& c = GetParam();
  try {
    parse_encoding(c.input);
    FAIL() << "accepted malformed input " << c.input;
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), c.expected_message);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

const Malformed kCases[] = {
    {"",
     "empty encoding: expected an arch string (|op~0|+...), a benchmark index (0..15624), a compact code (3_34_131), "
     "a DAG code (dag:2_02_002) or graph JSON"},
    {"|conv5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|",
     "arch string '|conv5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|': unknown op 'conv5x5' at position 2 in group 1 "
     "(expected one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)"},
    {"|none~0|+|none~0|Nor_conv_3x3~1|+|none~0|none~1|none~2|",
     "arch string '|none~0|+|none~0|Nor_conv_3x3~1|+|none~0|none~1|none~2|': unknown op 'Nor_conv_3x3' at position 18 "
     "in "
     "group 2 (expected one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)"},
    {"|none~0|+|none~0|none~1|",
     "arch string '|none~0|+|none~0|none~1|': has 2 group(s) (expected 3 groups separated by '+')"},
    {"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|",
     "arch string '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|': more than 3 groups at position 48 "
     "(a NAS-Bench-201 cell has exactly 3 groups)"},
    {"|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
     "arch string '|none~1|+|none~0|none~1|+|none~0|none~1|none~2|': '~1' at position 6 is out of range in group 1 "
     "(expected ~0..~0)"},
    {"|none~0|+|none~0|none~1|+|none~0|none~1|none~7|",
     "arch string '|none~0|+|none~0|none~1|+|none~0|none~1|none~7|': '~7' at position 45 is out of range in group 3 "
     "(expected ~0..~2)"},
    {"|none~0|+|none~0|none~0|+|none~0|none~1|none~2|",
     "arch string '|none~0|+|none~0|none~0|+|none~0|none~1|none~2|': edge ~0 appears twice in group 2 at position 18"},
    {"|none~0|+|none~0|+|none~0|none~1|none~2|",
     "arch string '|none~0|+|none~0|+|none~0|none~1|none~2|': group 2 at position 10 has 1 edge(s) (expected 2, one "
     "from "
     "each earlier vertex)"},
    {"|none0|+|none~0|none~1|+|none~0|none~1|none~2|",
     "arch string '|none0|+|none~0|none~1|+|none~0|none~1|none~2|': token 'none0' at position 2 has no '~' (expected "
     "op~j)"},
    {"|none~0+|none~0|none~1|+|none~0|none~1|none~2",
     "arch string '|none~0+|none~0|none~1|+|none~0|none~1|none~2': '~0+' at position 6 is out of range in group 1 "
     "(expected ~0..~0)"},
    {"|none~0|+|none~0|none~1|+|none~0|none~1|none~2",
     "arch string '|none~0|+|none~0|none~1|+|none~0|none~1|none~2': group 3 is not closed by '|' at position 41"},
    {"arch:none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
     "arch string 'none~0|+|none~0|none~1|+|none~0|none~1|none~2|': expected '|' opening group 1 at position 1"},
    {"15625", "benchmark index '15625' is out of range (expected 0..15624)"},
    {"-1", "benchmark index '-1' is out of range (expected 0..15624)"},
    {"99999999999999999999999", "benchmark index '99999999999999999999999' is out of range (expected 0..15624)"},
    {"index:12a", "benchmark index '12a': not an integer (expected 0..15624)"},
    {"3_35_131", "compact code '3_35_131': wrong digit '5' at position 4 (expected a digit 0..4)"},
    {"3_34_13", "compact code '3_34_13': group 3 has 2 digit(s) at position 6 (expected 3: one per source vertex)"},
    {"3__34", "compact code '3__34': group 2 has 0 digit(s) at position 3 (expected 2: one per source vertex)"},
    {"compact:3_34",
     "compact code '3_34': has 2 group(s) (expected 3, like 3_34_131; use dag: for a generic DAG code)"},
    {"2_02_003_0000", "DAG code '2_02_003_0000': wrong digit '3' at position 8 (expected a digit 0..2)"},
    {"2_02_002_000",
     "DAG code '2_02_002_000': group 4 has 3 digit(s) at position 10 (expected 4: one per source vertex)"},
    {"dag:", "DAG code '': empty code (expected groups of digits separated by '_', like 1_01_001)"},
    {"abc",
     "'abc' is not an architecture encoding: expected an arch string (|op~0|+...), a benchmark index (0..15624), "
     "a compact code (3_34_131), a DAG code (2_02_002) or graph JSON ({...})"},
    {"resnet 18",
     "'resnet 18' is not an architecture encoding: expected an arch string (|op~0|+...), a benchmark "
     "index (0..15624), a compact code (3_34_131), a DAG code (2_02_002) or graph JSON ({...})"},
    {"dag:2_0a", "DAG code '2_0a': wrong digit 'a' at position 4 (expected a digit 0..2)"},
    {"{\"vertices\": 3, \"edges\": [{\"from\": 0, \"to\": 3, \"op\": \"linear\"}]}",
     "graph JSON '{\"vertices\": 3, \"edges\": [{\"from\": 0, \"to\": 3, \"op\": \"linear\"}]}': edge 0 goes 0->3 "
     "(expected 0 <= from < to < 3)"},
    {"{\"vertices\": 3, \"edges\": [{\"from\": 0, \"to\": 1, \"op\": \"conv\"}]}",
     "graph JSON '{\"vertices\": 3, \"edges\": [{\"from\": 0, \"to\": 1, \"op\": \"conv\"}]}': edge 0 has unknown op "
     "'conv' (expected one of zero, skip, linear)"},
    {"{\"vertices\": 3, \"edge\": []}",
     "graph JSON '{\"vertices\": 3, \"edge\": []}': unknown key 'edge' = [] (known keys: space, vertices, edges)"},
    {"{\"vertices\": 99, \"edges\": []}",
     "graph JSON '{\"vertices\": 99, \"edges\": []}': key 'vertices' = 99: must be in 2..64"},
    {"{\"vertices\": 3, \"edges\": [{\"from\": 0, \"to\": 1}]}",
     "graph JSON '{\"vertices\": 3, \"edges\": [{\"from\": 0, \"to\": 1}]}': missing key 'edges[0].op'"},
    {"{\"vertices\": 3, \"vertices\": 4, \"edges\": []}",
     "graph JSON '{\"vertices\": 3, \"vertices\": 4, \"edges\": []}': key 'vertices' appears twice in one object"},
    {"{\"space\": \"nb201\", \"vertices\": 5, \"edges\": []}",
     "graph JSON '{\"space\": \"nb201\", \"vertices\": 5, \"edges\": []}': a NAS-Bench-201 cell has 4 vertices, not 5"},
};

INSTANTIATE_TEST_SUITE_P(Table, MalformedEncoding, ::testing::ValuesIn(kCases));

// Found by tests/fuzz/fuzz_graph_json: nlohmann::json throws out_of_range,
// not parse_error, for a number beyond a double, and it escaped as such.
TEST(MalformedEncoding, NumberBeyondADoubleIsAnInputError) {
  const std::string fuzz_input = "7777777777e7777777777777777r";
  for (const std::string& text : {fuzz_input, std::string("{\"vertices\": 1e999}")}) {
    SCOPED_TRACE(text);
    EXPECT_THROW(parse_graph_json(text), InputError);
  }
  try {
    parse_encoding("json:[1e400]");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("graph JSON '[1e400]': not valid JSON"), std::string::npos) << e.what();
  }
}

TEST(MalformedEncoding, BrokenJsonNamesTheByte) {
  try {
    parse_encoding("{\"vertices\": 3,");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON at byte 16"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nasrank::cell
