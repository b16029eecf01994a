// The safe pickle reader on plain bytes, both ways the project reads pickles:
// the whole tree (parse_pickle) and the streaming reader that hands out the
// items of the top-level dict one by one. When both succeed and the dict has
// no repeated keys, the streamed items must be exactly the dict's items
// ("a wrong guess never yields wrong data", pickle.h).
#include "fuzz_support.h"
#include "nasrank/io/pickle.h"

#include <optional>
#include <utility>
#include <vector>

namespace {

bool same_value(const nasrank::io::PickleValue& a, const nasrank::io::PickleValue& b) {
  // Python's == says nan != nan; the text form tells a real difference apart.
  return a == b || a.repr(std::size_t{1} << 20) == b.repr(std::size_t{1} << 20);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  const std::string_view bytes = fuzz::as_text(data, size);
  std::optional<io::PickleValue> full;
  fuzz::expect_input_error_only([&] {
    full = io::parse_pickle(bytes, "fuzz.pkl");
    (void)full->repr();
    if (!(*full == *full) && full->repr(std::size_t{1} << 20).find("nan") == std::string::npos)
      fuzz::report_finding("a decoded pickle is not equal to itself: " + full->repr(400));
  });

  std::vector<std::pair<io::PickleValue, io::PickleValue>> items;
  bool streamed = false;
  fuzz::expect_input_error_only([&] {
    io::PickleItemStream stream{
        {}, [&](io::PickleValue key, io::PickleValue value) { items.emplace_back(std::move(key), std::move(value)); }};
    (void)io::read_pickle_streaming(*io::open_memory_input(std::string(bytes), "fuzz.pkl", io::Compression::None),
                                    stream);
    streamed = true;
  });

  if (!full || !streamed || !full->is_dict()) return 0;
  const io::PickleDict& dict = full->as_dict();
  if (items.size() != dict.size()) return 0;  // repeated keys: the dict kept only the last value of each
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!same_value(items[i].first, dict.items()[i].first) || !same_value(items[i].second, dict.items()[i].second))
      fuzz::report_finding("streamed item " + std::to_string(i) + " " + items[i].first.repr() + ": " +
                           items[i].second.repr() + " differs from the full read's " + dict.items()[i].first.repr() +
                           ": " + dict.items()[i].second.repr());
  }
  return 0;
}
