#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <gtest/gtest.h>

#include "nasrank/common/error.h"
#include "nasrank/io/pickle.h"
#include "pickle_writer.h"
#include "io_test_util.h"
#include "test_paths.h"

namespace nasrank::io {
namespace {

using nasrank::testing::error_of;
using nasrank::testing::fixture;
using nasrank::testing::slurp;

using nasrank::testing::PickleWriter;
using namespace std::string_literals;

PickleValue s(const char* text) { return PickleValue::str(text); }

void expect_all_types(const PickleValue& v, const std::string& label) {
  SCOPED_TRACE(label);
  ASSERT_TRUE(v.is_dict());
  const PickleDict& d = v.as_dict();
  EXPECT_FALSE(d.ordered());
  EXPECT_EQ(d.size(), 35u);
  EXPECT_EQ(d.items().front().first, s("none"));  // insertion order kept
  EXPECT_EQ(d.items().back().first, s("big_dict"));
  EXPECT_TRUE(d.get("none").is_none());
  EXPECT_EQ(d.get("true").type(), PickleType::Bool);
  EXPECT_TRUE(d.get("true").as_bool());
  EXPECT_FALSE(d.get("false").as_bool());
  EXPECT_EQ(d.get("small").as_int(), 7);
  EXPECT_EQ(d.get("neg").as_int(), -5);
  EXPECT_EQ(d.get("int16").as_int(), 1000);
  EXPECT_EQ(d.get("int32").as_int(), 100000);
  EXPECT_EQ(d.get("int40").as_int(), std::int64_t{1} << 40);
  EXPECT_EQ(d.get("min64").as_int(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(d.get("max64").as_int(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(d.get("float").type(), PickleType::Float);
  EXPECT_EQ(d.get("float").as_double(), 0.1);
  EXPECT_EQ(d.get("tiny").as_double(), -2.5e-300);
  EXPECT_TRUE(std::isinf(d.get("inf").as_double()));
  EXPECT_EQ(d.get("str").as_str(), "hello");
  EXPECT_EQ(d.get("unicode").as_str(), "\u03c0\u22483.14 \u00fc \U0001f600");
  EXPECT_EQ(d.get("empty_str").as_str(), "");
  EXPECT_EQ(d.get("long_str").as_str(), std::string(300, 'x'));
  EXPECT_EQ(d.get("bytes").as_bytes(), std::string("\x00\xff"
                                                   "ab",
                                                   4));
  EXPECT_EQ(d.get("empty_bytes").as_bytes(), "");
  const auto& list = d.get("list").as_list();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].as_int(), 1);
  EXPECT_EQ(list[1].as_str(), "a");
  EXPECT_TRUE(list[2].is_none());
  EXPECT_TRUE(d.get("empty_list").as_list().empty());
  EXPECT_TRUE(d.get("tuple0").as_tuple().empty());
  EXPECT_EQ(d.get("tuple1"), PickleValue::tuple({PickleValue::integer(1)}));
  EXPECT_EQ(d.get("tuple2"), PickleValue::tuple({PickleValue::integer(1), PickleValue::integer(2)}));
  EXPECT_EQ(d.get("tuple3").as_tuple().size(), 3u);
  EXPECT_EQ(d.get("tuple5").as_tuple().at(4).as_int(), 5);
  EXPECT_EQ(d.get("int_keys").as_dict().get(PickleValue::integer(2)).as_str(), "two");
  const PickleDict& tuple_keys = d.get("tuple_keys").as_dict();
  EXPECT_EQ(tuple_keys.get(PickleValue::tuple({s("cifar10"), PickleValue::integer(888)})).as_double(), 2.5);
  const PickleSet& set = d.get("set").as_set();
  EXPECT_FALSE(set.frozen());
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.contains(PickleValue::integer(2)));
  EXPECT_FALSE(set.contains(PickleValue::integer(4)));
  EXPECT_TRUE(d.get("empty_set").as_set().empty());
  EXPECT_TRUE(d.get("frozenset").as_set().frozen());
  EXPECT_TRUE(d.get("frozenset").as_set().contains(s("b")));
  const PickleDict& ordered = d.get("ordered").as_dict();
  EXPECT_TRUE(ordered.ordered());
  EXPECT_EQ(d.get("ordered").type_name(), "OrderedDict");
  ASSERT_EQ(ordered.size(), 2u);
  EXPECT_EQ(ordered.items()[0].first.as_str(), "z");
  EXPECT_EQ(ordered.items()[1].second.as_int(), 2);
  // The same list twice: both elements are one shared object, as in Python.
  const auto& shared = d.get("shared").as_list();
  EXPECT_EQ(&shared[0].as_list(), &shared[1].as_list());
  EXPECT_EQ(d.get("nested").get("a").get("b").get("c").as_list()[1].as_list()[1].as_list()[0].as_int(), 3);
  const PickleDict& big = d.get("big_dict").as_dict();
  ASSERT_EQ(big.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(big.get(PickleValue::integer(i)).as_int(), i * i);
}

TEST(Pickle, AllTypesInEveryProtocolAndCompression) {
  for (const char* name : {"all_types_p2.pkl", "all_types_p3.pkl", "all_types_p4.pkl", "all_types_p5.pkl",
                           "all_types_p4.pkl.bz2", "all_types_p4.pkl.gz"})
    expect_all_types(read_pickle(fixture(name)), name);
  const std::string bytes = slurp(fixture("all_types_p4.pkl"));
  expect_all_types(parse_pickle(bytes, "memory"), "parse_pickle");
}

void expect_numpy(const PickleValue& v, const std::string& label) {
  SCOPED_TRACE(label);
  EXPECT_EQ(v.get("f8").type(), PickleType::NumpyScalar);
  EXPECT_EQ(v.get("f8").type_name(), "numpy.float64");
  EXPECT_EQ(v.get("f8").as_double(), 0.129306);
  EXPECT_EQ(v.get("f8").as_numpy_scalar().dtype.str(), "<f8");
  EXPECT_EQ(v.get("f4").as_double(), 1.5);
  EXPECT_EQ(v.get("f4").as_numpy_scalar().dtype.itemsize, 4);
  EXPECT_EQ(v.get("f2").as_double(), 0.5);
  EXPECT_EQ(v.get("i8").as_int(), -7);
  EXPECT_EQ(v.get("i4").as_int(), 123456);
  EXPECT_EQ(v.get("u1").as_int(), 200);
  EXPECT_TRUE(v.get("b1").as_bool());
  EXPECT_TRUE(v.get("f8").is_number());
  EXPECT_THROW(v.get("f8").as_int(), InputError);

  const NumpyArray& u1 = v.get("u1_2x3").as_ndarray();
  EXPECT_EQ(u1.dtype.str(), "|u1");
  EXPECT_EQ(u1.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(u1.size(), 6u);
  EXPECT_EQ(u1.raw(), std::string("\x00\x01\x02\x03\x04\x05", 6));
  EXPECT_EQ(u1.to_int64s(), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));

  const NumpyArray& f4 = v.get("f4_1d").as_ndarray();
  EXPECT_EQ(f4.dtype.str(), "<f4");
  EXPECT_EQ(f4.to_doubles(), (std::vector<double>{0.5, -1.25, 3.0}));
  EXPECT_EQ(v.get("i8_2x2").as_ndarray().to_int64s(), (std::vector<std::int64_t>{1, -2, 3, std::int64_t{1} << 40}));
  const NumpyArray& empty = v.get("f8_empty").as_ndarray();
  EXPECT_EQ(empty.shape, (std::vector<std::int64_t>{0, 3}));
  EXPECT_EQ(empty.size(), 0u);
  const NumpyArray& be = v.get("be_i4").as_ndarray();
  EXPECT_TRUE(be.dtype.big_endian);
  EXPECT_EQ(be.dtype.str(), ">i4");
  EXPECT_EQ(be.raw().substr(0, 4), std::string("\x00\x00\x00\x01", 4));
  EXPECT_EQ(be.to_int64s(), (std::vector<std::int64_t>{1, -2, 3}));
  EXPECT_EQ(v.get("bool_1d").as_ndarray().to_int64s(), (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_EQ(v.get("dtype").as_numpy_dtype().str(), "<f8");
}

TEST(Pickle, NumpyScalarsArraysAndDtypes) {
  for (const char* name : {"numpy_p2.pkl", "numpy_p4.pkl", "numpy_p5.pkl"})
    expect_numpy(read_pickle(fixture(name)), name);
}

TEST(Pickle, Python2CifarBatchAsStrOrBytes) {
  const PickleValue batch = read_pickle(fixture("cifar_py2_like.pkl"));
  EXPECT_EQ(batch.get("batch_label").as_str(), "training batch 1 of 5");
  EXPECT_EQ(batch.get("labels").as_list().at(1).as_int(), 9);
  EXPECT_EQ(batch.get("filenames").as_list().at(1).as_str(), "camion_s_000148.png");
  const NumpyArray& data = batch.get("data").as_ndarray();
  EXPECT_EQ(data.dtype.str(), "|u1");
  ASSERT_EQ(data.shape, (std::vector<std::int64_t>{2, 3072}));
  ASSERT_EQ(data.raw().size(), 6144u);
  for (std::size_t i = 0; i < data.raw().size(); ++i)
    ASSERT_EQ(static_cast<unsigned char>(data.raw()[i]), (i * 7 + 3) % 256) << i;

  PickleOptions as_bytes;
  as_bytes.py2_strings = Py2Strings::Bytes;
  const PickleValue raw = read_pickle(fixture("cifar_py2_like.pkl"), as_bytes);
  EXPECT_EQ(raw.as_dict().items().front().first.type(), PickleType::Bytes);
  EXPECT_EQ(raw.get("batch_label").as_bytes(), "training batch 1 of 5");  // bytes keys found by name
  EXPECT_EQ(raw.get("data").as_ndarray().raw(), data.raw());
}

TEST(Pickle, Python3CifarBatchWithBytesKeys) {
  const PickleValue batch = read_pickle(fixture("cifar_py3_like.pkl"));
  EXPECT_EQ(batch.as_dict().items().front().first.type(), PickleType::Bytes);
  EXPECT_EQ(batch.get("fine_labels").as_list().at(0).as_int(), 19);
  EXPECT_EQ(batch.get("coarse_labels").as_list().at(1).as_int(), 15);
  EXPECT_EQ(batch.get("batch_label").as_bytes(), "testing batch 1 of 1");
  const NumpyArray& data = batch.get("data").as_ndarray();
  ASSERT_EQ(data.shape, (std::vector<std::int64_t>{2, 3072}));
  EXPECT_EQ(static_cast<unsigned char>(data.raw()[300]), 300 % 256);
  EXPECT_EQ(static_cast<unsigned char>(data.raw()[6143]), 6143 % 256);
  EXPECT_EQ(batch.as_dict().find(PickleValue::str("data")), nullptr);  // Python: 'data' != b'data'
  EXPECT_NE(batch.as_dict().find(PickleValue::bytes("data")), nullptr);
}

TEST(Pickle, WriterRoundTripsEveryFixture) {
  for (const char* name : {"all_types_p4.pkl", "numpy_p2.pkl", "cifar_py2_like.pkl", "000002.pickle.pbz2"}) {
    const PickleValue original = read_pickle(fixture(name));
    PickleWriter writer;
    writer.proto(4).value(original).stop();
    const PickleValue again = parse_pickle(writer.bytes(), name);
    EXPECT_EQ(again, original) << name;
    EXPECT_EQ(again.repr(1000), original.repr(1000)) << name;
  }
}

TEST(Pickle, TextOpcodesOfOlderProtocols) {
  const PickleValue list = parse_pickle("(lp0\nI1\naF2.5\naI01\naL12345678901L\nag0\n.", "text");
  // g0 pushes the list itself; the trailing value is that reference, not an append.
  ASSERT_TRUE(list.is_list());
  EXPECT_EQ(list.repr(), "[1, 2.5, True, 12345678901]");
  const PickleValue dict = parse_pickle("(dp0\nI1\nI2\ns(I3\nI4\ndp1\n.", "text");
  EXPECT_EQ(dict.repr(), "{3: 4}");
}

TEST(Pickle, DictAndSetFollowPythonKeySemantics) {
  // {1: 2, 1: 3} keeps one key with the last value; True and 1.0 are the key 1.
  EXPECT_EQ(parse_pickle("\x80\x04}(K\x01K\x02K\x01K\x03u."s, "dup").repr(), "{1: 3}");
  EXPECT_EQ(parse_pickle("\x80\x04}(\x88K\x02K\x01K\x03G?\xf0\x00\x00\x00\x00\x00\x00K\x04u."s, "numeric").repr(),
            "{True: 4}");
  EXPECT_EQ(parse_pickle("\x80\x04\x8f(K\x01K\x02K\x01\x88\x90.", "set").repr(), "{1, 2}");
  // Large containers go through the hash index.
  PickleValue dict = PickleValue::dict();
  for (int i = 0; i < 3000; ++i) dict.set_item(PickleValue::integer(i * 7), PickleValue::str(std::to_string(i)));
  for (int i = 0; i < 3000; ++i) dict.set_item(PickleValue::str("k" + std::to_string(i)), PickleValue::integer(i));
  dict.set_item(PickleValue::integer(14), PickleValue::str("replaced"));
  PickleWriter writer;
  writer.proto(4).value(dict).stop();
  const PickleValue back = parse_pickle(writer.bytes(), "big");
  const PickleDict& d = back.as_dict();
  ASSERT_EQ(d.size(), 6000u);
  EXPECT_EQ(d.get(PickleValue::integer(14)).as_str(), "replaced");
  EXPECT_EQ(d.get(PickleValue::real(21.0)).as_str(), "3");
  EXPECT_EQ(d.get("k2999").as_int(), 2999);
  EXPECT_EQ(d.find(PickleValue::integer(15)), nullptr);
  EXPECT_EQ(d.find("k3000"), nullptr);
  EXPECT_EQ(d.find(PickleValue::list()), nullptr);  // unhashable: simply absent
}

TEST(Pickle, AccessorErrorsQuoteTheValue) {
  const PickleValue v = read_pickle(fixture("all_types_p4.pkl"));
  std::string message = error_of([&] { v.get("list").as_dict(); });
  EXPECT_EQ(message, "expected a dict, found list [1, 'a', None]");
  message = error_of([&] { v.get("nope"); });
  EXPECT_EQ(message.rfind("missing key 'nope' in dict with keys ['none', 'true', 'false',", 0), 0u) << message;
  EXPECT_NE(message.find("(35 keys)"), std::string::npos) << message;
  EXPECT_EQ(error_of([&] { v.get("float").as_int(); }), "expected an integer, found float 0.1");
  EXPECT_EQ(error_of([&] { v.get("str").as_double(); }), "expected a number, found str 'hello'");
  EXPECT_EQ(error_of([&] { v.get("tuple2").as_list(); }), "expected a list, found tuple (1, 2)");
  EXPECT_NO_THROW(v.get("tuple2").as_sequence());
  const PickleValue big =
      PickleValue::numpy_scalar({'u', 8, false}, std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8));
  EXPECT_NE(error_of([&] { big.as_int(); }).find("does not fit in int64"), std::string::npos);
  EXPECT_EQ(big.as_double(), 18446744073709551615.0);
}

// Every integer dtype numpy writes, both byte orders, as an int and a double.
TEST(Pickle, NumpyIntegerScalarsOfEveryWidth) {
  struct Case {
    NumpyDtype dtype;
    std::string raw;
    std::int64_t expected;
  };
  const Case cases[] = {
      {{'i', 1, false}, "\xfe", -2},
      {{'u', 1, false}, "\xfe", 254},
      {{'i', 2, false}, "\xfe\xff", -2},
      {{'i', 2, true}, "\xff\xfe", -2},
      {{'u', 2, false}, "\xfe\xff", 65534},
      {{'i', 4, false}, "\xfe\xff\xff\xff", -2},
      {{'u', 4, true}, "\xff\xff\xff\xfe", 4294967294},
      {{'i', 8, true}, "\xff\xff\xff\xff\xff\xff\xff\xfe", -2},
      {{'u', 8, false}, std::string("\x02\0\0\0\0\0\0\0", 8), 2},
  };
  for (const Case& c : cases) {
    const PickleValue v = PickleValue::numpy_scalar(c.dtype, c.raw);
    EXPECT_EQ(v.as_int(), c.expected) << c.dtype.str();
    EXPECT_EQ(v.as_double(), static_cast<double>(c.expected)) << c.dtype.str();
  }
  const PickleValue odd = PickleValue::numpy_scalar({'i', 3, false}, std::string(3, '\0'));
  EXPECT_NE(error_of([&] { odd.as_int(); }).find("is not an integer"), std::string::npos);
}

TEST(Pickle, ReprLooksLikePython) {
  const PickleValue v = read_pickle(fixture("all_types_p4.pkl"));
  EXPECT_EQ(v.get("tuple1").repr(), "(1,)");
  EXPECT_EQ(v.get("ordered").repr(), "OrderedDict({'z': 1, 'a': 2})");
  EXPECT_EQ(v.get("bytes").repr(), "b'\\x00\\xffab'");
  EXPECT_EQ(v.get("empty_set").repr(), "set()");
  EXPECT_EQ(v.get("tuple_keys").repr(), "{('cifar10', 777): 1.5, ('cifar10', 888): 2.5}");
  EXPECT_EQ(v.get("long_str").repr(20), "'xxxxxxxxxxxxxxxxxxx...");
  const PickleValue n = read_pickle(fixture("numpy_p4.pkl"));
  EXPECT_EQ(n.get("f8").repr(), "numpy.float64(0.129306)");
  EXPECT_EQ(n.get("u1_2x3").repr(), "array(shape=(2, 3), dtype='|u1')");
  EXPECT_EQ(n.get("dtype").repr(), "dtype('<f8')");
}

TEST(Pickle, Python2StringsLatin1OrBytes) {
  const std::string pickle =
      "\x80\x02U\x04"
      "caf\xe9.";
  EXPECT_EQ(parse_pickle(pickle, "py2").as_str(), "caf\xc3\xa9");
  PickleOptions options;
  options.py2_strings = Py2Strings::Bytes;
  EXPECT_EQ(parse_pickle(pickle, "py2", options).as_bytes(), "caf\xe9");
}

TEST(Pickle, IntegersBeyond64BitsAreRefused) {
  EXPECT_EQ(parse_pickle(std::string("\x80\x02\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f.", 13), "max").as_int(),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_pickle(std::string("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\xff.", 14), "min").as_int(),
            std::numeric_limits<std::int64_t>::min());
  const std::string message =
      error_of([] { parse_pickle(std::string("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\x00.", 14), "big"); });
  EXPECT_EQ(message, "pickle 'big': LONG1 holds an integer that does not fit in 64 bits (not supported) at byte 2");
}

TEST(Pickle, BuildersFollowTheSameRules) {
  PickleValue inner = PickleValue::list({PickleValue::integer(1)});
  PickleValue outer = PickleValue::list();
  outer.append(inner);
  EXPECT_THROW(inner.append(PickleValue::integer(2)), InternalError);  // inner is sealed inside outer
  EXPECT_THROW(outer.append(outer), InternalError);
  PickleValue dict = PickleValue::dict();
  EXPECT_THROW(dict.set_item(PickleValue::list(), PickleValue()), InternalError);
}

}  // namespace
}  // namespace nasrank::io
