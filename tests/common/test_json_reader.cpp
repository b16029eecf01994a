#include "nasrank/common/json_reader.h"

#include "input_error.h"
#include "nasrank/common/error.h"

#include <gtest/gtest.h>

namespace nasrank {
namespace {

using nasrank::testing::error_of;
using nlohmann::json;

TEST(JsonObjectReader, ReadsTypedValuesAndKeepsDefaultsOfAbsentKeys) {
  const json object = json::parse(R"({"on": true, "name": "x", "rate": 0.5, "count": 3, "seed": 18446744073709551615,
                                      "values": [1, 2.5], "inner": {"depth": -2}})");
  JsonObjectReader reader(object, "settings 's.json'");
  bool on = false;
  std::string name;
  double rate = 0.0;
  int count = 0;
  std::uint64_t seed = 0;
  std::size_t absent = 7;
  std::vector<double> values;
  reader.read("on", on);
  reader.read("name", name);
  reader.read("rate", rate, NumberRange{0.0, 1.0, true, false});
  reader.read("count", count, 1, 10);
  reader.read("seed", seed);
  reader.read_count("absent", absent);
  reader.read("values", values);
  JsonObjectReader inner = reader.child("inner");
  int depth = 0;
  inner.read("depth", depth, -5, 5);
  inner.finish();
  reader.finish();
  EXPECT_TRUE(on);
  EXPECT_EQ(name, "x");
  EXPECT_EQ(rate, 0.5);
  EXPECT_EQ(count, 3);
  EXPECT_EQ(seed, 18446744073709551615ull);
  EXPECT_EQ(absent, 7u);
  EXPECT_EQ(values, (std::vector<double>{1, 2.5}));
  EXPECT_EQ(depth, -2);
}

TEST(JsonObjectReader, UnknownKeyNamesItsPathAndTheKnownKeys) {
  const json object = json::parse(R"({"optimizer": {"momentun": 0.9}})");
  EXPECT_EQ(error_of([&] {
              JsonObjectReader reader(object, "protocol 'p.json'");
              JsonObjectReader optimizer = reader.child("optimizer");
              double momentum = 0.0;
              bool nesterov = false;
              optimizer.read("momentum", momentum);
              optimizer.read("nesterov", nesterov);
              optimizer.finish();
            }),
            "protocol 'p.json': unknown key 'optimizer.momentun' = 0.9 (known keys: momentum, nesterov)");
}

TEST(JsonObjectReader, WrongTypesAndRangesNameTheKeyPath) {
  const json object =
      json::parse(R"({"a": {"n": 2.5, "m": 0, "big": 9223372036854775808, "neg": -1, "r": 1.5, "s": 3, "b": 1, )"
                  R"("v": [1, "x"], "o": 4}})");
  auto message = [&](auto&& read) {
    return error_of([&] {
      JsonObjectReader reader(object, "cfg");
      JsonObjectReader a = reader.child("a");
      read(a);
    });
  };
  int i = 0;
  std::uint64_t u = 0;
  double d = 0.0;
  std::string s;
  bool b = false;
  std::vector<double> v;
  EXPECT_EQ(message([&](JsonObjectReader& r) { r.read("n", i, 0, 9); }), "cfg: key 'a.n' = 2.5: must be an integer");
  EXPECT_EQ(message([&](JsonObjectReader& r) { r.read("m", i, 1, 9); }), "cfg: key 'a.m' = 0: must be in 1..9");
  EXPECT_EQ(message([&](JsonObjectReader& r) { r.read("big", i, 0, 9); }),
            "cfg: key 'a.big' = 9223372036854775808: must be in 0..9");
  EXPECT_EQ(message([&](JsonObjectReader& r) { r.read("neg", u); }),
            "cfg: key 'a.neg' = -1: must be a non-negative integer");
  EXPECT_EQ(message([&](JsonObjectReader& r) {
              r.read("r", d, NumberRange{0.0, 1.0, false, true});
            }),
            "cfg: key 'a.r' = 1.5: must be in [0, 1)");
  EXPECT_EQ(message([&](JsonObjectReader& r) { r.read("s", s); }), "cfg: key 'a.s' = 3: must be a string");
  EXPECT_EQ(message([&](JsonObjectReader& r) { r.read("b", b); }), "cfg: key 'a.b' = 1: must be true or false");
  EXPECT_EQ(message([&](JsonObjectReader& r) { r.read("v", v); }),
            "cfg: key 'a.v' = [1,\"x\"]: must be an array of numbers");
  EXPECT_EQ(message([&](JsonObjectReader& r) { r.child("o"); }), "cfg: key 'a.o' = 4: must be a JSON object");
  EXPECT_EQ(error_of([] { JsonObjectReader(json::array(), "cfg"); }), "cfg: expected a JSON object, got []");
}

TEST(JsonObjectReader, SignedNonNegativeIntegersAreUnsigned) {
  // json(1) built in C++ holds a signed integer; a parsed 1 an unsigned one.
  const json object = {{"seed", 1}, {"negative", -1}};
  JsonObjectReader reader(object, "cfg");
  std::uint64_t seed = 0;
  reader.read("seed", seed);
  EXPECT_EQ(seed, 1u);
  EXPECT_EQ(error_of([&] { reader.read("negative", seed); }),
            "cfg: key 'negative' = -1: must be a non-negative integer");
}

TEST(JsonObjectReader, LongValuesAreCutInMessages) {
  const json object = {{"name", std::string(100, 'x')}};
  const std::string message = error_of([&] { JsonObjectReader(object, "cfg").finish(); });
  EXPECT_NE(message.find("= \"" + std::string(56, 'x') + "..."), std::string::npos) << message;
  EXPECT_LT(message.size(), 120u);
}

}  // namespace
}  // namespace nasrank
