#include "nasrank/common/enum_names.h"

#include <gtest/gtest.h>

namespace nasrank {
namespace {

enum class Fruit { Apple, Pear, Plum };
constexpr EnumNames<Fruit, 3> kFruitNames{{{{Fruit::Apple, "apple"}, {Fruit::Pear, "pear"}, {Fruit::Plum, "plum"}}}};

TEST(EnumNames, NamesAndParsesBothWays) {
  static_assert(kFruitNames.name(Fruit::Pear) == "pear");
  for (Fruit fruit : {Fruit::Apple, Fruit::Pear, Fruit::Plum})
    EXPECT_EQ(kFruitNames.parse(kFruitNames.name(fruit), "fruit"), fruit);
  EXPECT_EQ(kFruitNames.find("Pear"), std::nullopt) << "names are exact";
}

TEST(EnumNames, UnknownNameIsAnInputErrorListingTheChoices) {
  try {
    kFruitNames.parse("kiwi", "fruit");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "fruit 'kiwi': expected apple, pear or plum");
  }
}

TEST(EnumNames, ValueOutsideTheTableGetsTheFallback) {
  EXPECT_EQ(kFruitNames.name(static_cast<Fruit>(7)), "unknown");
  EXPECT_EQ(kFruitNames.name(static_cast<Fruit>(7), "ok"), "ok");
}

}  // namespace
}  // namespace nasrank
