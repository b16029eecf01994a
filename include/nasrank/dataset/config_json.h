#pragma once
// JSON conversion of the dataset module's configuration, both ways, in one
// place (nlohmann::json ADL hooks):
//   nlohmann::json j = config;  auto config = j.get<LoaderConfig>();
// Reading: missing keys keep their defaults; unknown keys, wrong types and
// invalid values throw InputError naming the key.
#include "nasrank/dataset/benchmark.h"
#include "nasrank/dataset/loader.h"
#include "nasrank/dataset/synthetic.h"
#include "nasrank/dataset/transform.h"

#include <nlohmann/json.hpp>

namespace nasrank::dataset {

void to_json(nlohmann::json& json, const SyntheticSpec& spec);
void from_json(const nlohmann::json& json, SyntheticSpec& spec);
void to_json(nlohmann::json& json, const DataConfig& config);
void from_json(const nlohmann::json& json, DataConfig& config);
void to_json(nlohmann::json& json, const LoaderConfig& config);
void from_json(const nlohmann::json& json, LoaderConfig& config);
void to_json(nlohmann::json& json, const Augmentation& augmentation);
void from_json(const nlohmann::json& json, Augmentation& augmentation);
void to_json(nlohmann::json& json, const Normalization& normalization);
void from_json(const nlohmann::json& json, Normalization& normalization);
void to_json(nlohmann::json& json, const Provenance& provenance);

}  // namespace nasrank::dataset
