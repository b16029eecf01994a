// read_pickle_streaming: items of one dict handed out one at a time.
#include <gtest/gtest.h>

#include "nasrank/common/error.h"
#include "nasrank/io/pickle.h"
#include "pickle_writer.h"
#include "test_paths.h"

namespace nasrank::io {
namespace {

using nasrank::testing::PickleWriter;
using namespace std::string_literals;

struct Collected {
  std::vector<std::pair<PickleValue, PickleValue>> items;
  PickleValue root;
  PickleStreamStats stats;
};

Collected stream_bytes(const std::string& bytes, std::vector<std::string> path) {
  Collected out;
  PickleItemStream stream{std::move(path), [&](PickleValue key, PickleValue value) {
                            out.items.emplace_back(std::move(key), std::move(value));
                          }};
  out.root = read_pickle_streaming(*open_memory_input(bytes, "stream.pkl"), stream, {}, &out.stats);
  return out;
}

// {"meta": [1, 2], "items": {key_i: value_i}, "tail": "end"}, written like CPython would.
std::string nested_layout(const std::vector<std::pair<PickleValue, PickleValue>>& items,
                          const std::function<bool(std::string_view)>& share = nullptr) {
  PickleWriter w(share);
  w.proto(4).empty_dict().mark();
  w.str("meta").value(PickleValue::list({PickleValue::integer(1), PickleValue::integer(2)}));
  w.str("items").empty_dict();
  for (std::size_t begin = 0; begin < items.size(); begin += 1000) {
    const std::size_t end = std::min(items.size(), begin + 1000);
    if (end - begin == 1) {
      w.value(items[begin].first).value(items[begin].second).setitem();
      continue;
    }
    w.mark();
    for (std::size_t i = begin; i < end; ++i) w.value(items[i].first).value(items[i].second);
    w.setitems();
  }
  w.str("tail").str("end").setitems().stop();
  return w.bytes();
}

void expect_same_as_full_read(const std::vector<std::pair<PickleValue, PickleValue>>& items, const std::string& label) {
  SCOPED_TRACE(label + ", " + std::to_string(items.size()) + " items");
  const std::string bytes = nested_layout(items);
  const PickleValue full = parse_pickle(bytes, "full");
  const Collected streamed = stream_bytes(bytes, {"items"});
  const PickleDict& expected = full.get("items").as_dict();
  ASSERT_EQ(streamed.items.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(streamed.items[i].first, expected.items()[i].first) << i;
    EXPECT_EQ(streamed.items[i].second, expected.items()[i].second) << i;
  }
  EXPECT_EQ(streamed.stats.items, expected.size());
  EXPECT_TRUE(streamed.root.get("items").as_dict().empty());
  EXPECT_EQ(streamed.root.get("tail").as_str(), "end");
  EXPECT_EQ(streamed.root.get("meta").repr(), "[1, 2]");
}

PickleValue small_record(int i, bool ordered) {
  PickleValue record = PickleValue::dict(ordered);
  record.set_item(PickleValue::str("name"), PickleValue::str("run" + std::to_string(i)));
  PickleValue acc = PickleValue::dict();
  for (int e = 0; e < 3; ++e) acc.set_item(PickleValue::integer(e), PickleValue::real(i + e / 10.0));
  record.set_item(PickleValue::str("acc"), acc);
  return record;
}

TEST(PickleStream, MatchesTheFullReadForEveryValueShape) {
  using Maker = std::function<std::pair<PickleValue, PickleValue>(int)>;
  const std::pair<const char*, Maker> shapes[] = {
      {"dict values, int keys",
       [](int i) {
         return std::pair{PickleValue::integer(i), small_record(i, false)};
       }},
      {"OrderedDict values, str keys",
       [](int i) {
         return std::pair{PickleValue::str("k" + std::to_string(i)), small_record(i, true)};
       }},
      {"single-item dicts with int keys (SETITEM inside)",
       [](int i) {
         PickleValue d = PickleValue::dict();
         d.set_item(PickleValue::integer(i + 1), PickleValue::str("v"));
         return std::pair{PickleValue::integer(i), d};
       }},
      {"single-element lists (APPEND inside)",
       [](int i) {
         return std::pair{PickleValue::integer(i), PickleValue::list({PickleValue::integer(i)})};
       }},
      {"empty dicts",
       [](int i) {
         return std::pair{PickleValue::integer(i), PickleValue::dict()};
       }},
      {"plain ints",
       [](int i) {
         return std::pair{PickleValue::integer(i), PickleValue::integer(i * i)};
       }},
      {"tuples",
       [](int i) {
         return std::pair{PickleValue::integer(i), PickleValue::tuple({PickleValue::integer(i), PickleValue::dict()})};
       }},
      {"numpy arrays",
       [](int i) {
         return std::pair{PickleValue::integer(i),
                          PickleValue::numpy_array({'u', 1, false}, {2}, std::string{char(i), char(i + 1)})};
       }},
  };
  for (const auto& [label, make] : shapes)
    for (const int n : {0, 1, 2, 3, 999, 1000, 1001, 2002}) {
      std::vector<std::pair<PickleValue, PickleValue>> items;
      for (int i = 0; i < n; ++i) items.push_back(make(i));
      expect_same_as_full_read(items, label);
    }
}

TEST(PickleStream, ContainerItemsLeaveTheMemoEarly) {
  // 3000 records with a dozen fresh memoized strings each: batch-level
  // delivery would hold a thousand records' worth of memo entries.
  std::vector<std::pair<PickleValue, PickleValue>> items;
  for (int i = 0; i < 3000; ++i) {
    PickleValue record = PickleValue::dict();
    for (int f = 0; f < 12; ++f)
      record.set_item(PickleValue::str("field" + std::to_string(f) + "@" + std::to_string(i)), PickleValue::integer(f));
    items.emplace_back(PickleValue::integer(i), record);
  }
  const Collected streamed = stream_bytes(nested_layout(items), {"items"});
  ASSERT_EQ(streamed.items.size(), 3000u);
  EXPECT_LT(streamed.stats.peak_memo_entries, 100u);
  EXPECT_GT(streamed.stats.peak_memo_entries, 20u);
}

TEST(PickleStream, KeysSharedByAllItemsAreKept) {
  // Every record uses the same key strings, memoized once in record 0 and
  // referenced by BINGET from all later ones.
  std::vector<std::pair<PickleValue, PickleValue>> items;
  for (int i = 0; i < 2500; ++i) items.emplace_back(PickleValue::integer(i), small_record(i, false));
  const auto shared = [](std::string_view s) { return s == "name" || s == "acc"; };
  const std::string bytes = nested_layout(items, shared);
  const Collected streamed = stream_bytes(bytes, {"items"});
  ASSERT_EQ(streamed.items.size(), 2500u);
  EXPECT_EQ(streamed.items[2499].second.get("name").as_str(), "run2499");
  EXPECT_EQ(streamed.items[2499].second.get("acc").as_dict().get(PickleValue::integer(2)).as_double(), 2499.2);
  EXPECT_LT(streamed.stats.peak_memo_entries, 50u);
}

TEST(PickleStream, TheTopLevelDictCanBeStreamed) {
  PickleWriter w;
  w.proto(4).empty_dict().mark();
  for (int i = 0; i < 5; ++i) w.integer(i).value(small_record(i, false));
  w.setitems().stop();
  const Collected streamed = stream_bytes(w.bytes(), {});
  ASSERT_EQ(streamed.items.size(), 5u);
  EXPECT_EQ(streamed.items[3].second.get("name").as_str(), "run3");
  EXPECT_TRUE(streamed.root.as_dict().empty());
}

TEST(PickleStream, PythonWrittenSingleFileThroughBzip2) {
  const auto path = nasrank::testing::test_data_dir() / "pickle" / "nats_tiny_single.pickle.pbz2";
  const PickleValue full = read_pickle(path);
  std::vector<std::int64_t> keys;
  PickleItemStream stream{{"arch2infos"}, [&](PickleValue key, PickleValue value) {
                            keys.push_back(key.as_int());
                            EXPECT_EQ(value, full.get("arch2infos").as_dict().get(key));
                          }};
  const PickleValue root = read_pickle_streaming(*open_input(path), stream);
  EXPECT_EQ(keys, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(root.get("arch2infos").as_dict().empty());
  EXPECT_EQ(root.get("evaluated_indexes"), full.get("evaluated_indexes"));
}

TEST(PickleStream, AWrongEarlyGuessFailsLoudlyInsteadOfCorruptingData) {
  // {0: {5: ({}, 7)}}: on the stack [0, {}, 5, {}, 7] looks like two finished
  // items, but TUPLE2 and SETITEM then complete the first value.
  const std::string bytes = "\x80\x04}\x94(K\x00}\x94K\x05}\x94K\x07\x86\x94su."s;
  EXPECT_EQ(parse_pickle(bytes, "tricky").repr(), "{0: {5: ({}, 7)}}");
  try {
    stream_bytes(bytes, {});
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "pickle 'stream.pkl': SETITEM uses a dict item that was already handed to the streaming callback at "
              "byte 17");
  }
}

TEST(PickleStream, AReferenceToAReleasedItemIsReported) {
  // Record 0 memoizes the string "gap"; records 1 to 3 do not use it, record 4 does.
  std::vector<std::pair<PickleValue, PickleValue>> items;
  for (int i = 0; i < 5; ++i) {
    PickleValue record = PickleValue::dict();
    record.set_item(PickleValue::str(i == 0 || i == 4 ? "gap" : "x"), PickleValue::integer(i));
    record.set_item(PickleValue::str("y"), PickleValue::integer(i));
    items.emplace_back(PickleValue::integer(i), record);
  }
  const std::string bytes = nested_layout(items, [](std::string_view s) { return s == "gap"; });
  EXPECT_EQ(parse_pickle(bytes, "full").get("items").as_dict().size(), 5u);
  try {
    stream_bytes(bytes, {"items"});
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("BINGET refers to memo entry"), std::string::npos) << m;
    EXPECT_NE(m.find("which was released after its dict item was handed out"), std::string::npos) << m;
  }
}

TEST(PickleStream, ACallbackErrorStopsTheRead) {
  std::vector<std::pair<PickleValue, PickleValue>> items;
  for (int i = 0; i < 10; ++i) items.emplace_back(PickleValue::integer(i), small_record(i, false));
  int calls = 0;
  PickleItemStream stream{{"items"}, [&](PickleValue key, PickleValue) {
                            ++calls;
                            if (key.as_int() == 3) throw InputError("record 3 is bad");
                          }};
  EXPECT_THROW(read_pickle_streaming(*open_memory_input(nested_layout(items), "x"), stream), InputError);
  EXPECT_EQ(calls, 4);
}

// {"items": {i: [b"xxx...", maybe a reference to item i-2's bytes]}}: every
// value a list holding `bytes_each` fresh bytes.
std::string items_of_bytes(int count, std::size_t bytes_each, bool refer_two_back) {
  PickleWriter w;
  std::uint32_t next_memo = 0;
  w.proto(4).empty_dict();
  ++next_memo;
  w.mark().str("items");
  ++next_memo;
  w.empty_dict();
  ++next_memo;
  w.mark();
  std::vector<std::uint32_t> bytes_ids;
  for (int i = 0; i < count; ++i) {
    w.integer(i).op(']').memoize();
    ++next_memo;
    w.mark().bytes_value(std::string(bytes_each, static_cast<char>('a' + i % 26)));
    bytes_ids.push_back(next_memo++);
    if (refer_two_back && i >= 2) w.get(bytes_ids[static_cast<std::size_t>(i - 2)]);
    w.op('e');
  }
  w.setitems().setitems().stop();
  return w.bytes();
}

TEST(PickleStream, DecodeBudgetCountsTheItemsAliveNotTheWholeFile) {
  PickleOptions options;
  options.max_decode_bytes = 8u << 20;
  // 40 items of 1 MiB: the streaming reader holds about three at a time.
  const std::string bytes = items_of_bytes(40, 1u << 20, false);
  std::size_t items = 0;
  PickleItemStream stream{{"items"}, [&](PickleValue, PickleValue) { ++items; }};
  read_pickle_streaming(*open_memory_input(bytes, "stream.pkl"), stream, options);
  EXPECT_EQ(items, 40u);
  // A whole-file read keeps everything: over the same budget.
  EXPECT_THROW(read_pickle(*open_memory_input(bytes, "whole.pkl"), options), InputError);
}

TEST(PickleStream, DecodeBudgetCountsMemoEntriesThatLaterItemsKeepAlive) {
  PickleOptions options;
  options.max_decode_bytes = 8u << 20;
  // Each item refers to the bytes of the item two before it, which the reader
  // must then keep for good: memory grows by 1 MiB per item.
  const std::string bytes = items_of_bytes(40, 1u << 20, true);
  PickleItemStream stream{{"items"}, [](PickleValue, PickleValue) {}};
  try {
    read_pickle_streaming(*open_memory_input(bytes, "kept.pkl"), stream, options);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("the budget for one decode"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nasrank::io
