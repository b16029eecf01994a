#pragma once
// One table per enum instead of a switch to print it and an if-chain to
// parse it: the two directions cannot drift apart, and the parse error lists
// exactly the names the table holds.
//
//   constexpr EnumNames<Device, 3> kDeviceNames{{{{Device::Auto, "auto"}, {Device::Cpu, "cpu"}, ...}}};
//   kDeviceNames.name(Device::Cpu)          -> "cpu"
//   kDeviceNames.parse("gpu", "device")     -> InputError "device 'gpu': expected auto, cpu or cuda"
#include "nasrank/common/error.h"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nasrank {

template <typename Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

template <typename Enum, std::size_t N>
class EnumNames {
 public:
  constexpr explicit EnumNames(std::array<EnumName<Enum>, N> entries) : entries_(entries) {}

  // The value's name; `fallback` for a value outside the table (a cast
  // integer), so printing never throws.
  constexpr std::string_view name(Enum value, std::string_view fallback = "unknown") const {
    for (const EnumName<Enum>& entry : entries_)
      if (entry.value == value) return entry.name;
    return fallback;
  }

  constexpr std::optional<Enum> find(std::string_view name) const {
    for (const EnumName<Enum>& entry : entries_)
      if (entry.name == name) return entry.value;
    return std::nullopt;
  }

  // `what` names the input in the InputError: "<what> '<name>': expected a, b or c".
  Enum parse(std::string_view name, std::string_view what) const {
    if (const std::optional<Enum> value = find(name)) return *value;
    throw InputError(std::string(what) + " '" + std::string(name) + "': expected " + choices());
  }

  // "a, b or c"
  std::string choices() const {
    std::string text;
    for (std::size_t i = 0; i < N; ++i) {
      if (i > 0) text += i + 1 == N ? " or " : ", ";
      text += entries_[i].name;
    }
    return text;
  }

 private:
  std::array<EnumName<Enum>, N> entries_;
};

}  // namespace nasrank
