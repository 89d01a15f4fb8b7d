// Strict JSON reading and compact, stable JSON writing (RapidJSON) for the image-spec documents.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::oci::json {

using Document = rapidjson::Document;
using Value = rapidjson::Value;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Manifests and indexes are small by the distribution spec (registries cap them at 4 MiB);
// configs may carry long histories.
inline constexpr std::size_t kMaxManifestSize = 4 << 20;
inline constexpr std::size_t kMaxConfigSize = 32 << 20;

// Parses `bytes` as one JSON object, strictly (valid UTF-8, nothing after it, no recursion
// limit abuse). `what` names the document in the error, e.g. "manifest of oci:out:v1".
Document parse_object(std::string_view bytes, std::string_view what, std::size_t max_size);

// Field readers: a wrong type is an Error naming `what` and the key; absent optional fields
// give an empty result.
std::string required_string(const Value& object, const char* key, std::string_view what);
std::optional<std::string> optional_string(const Value& object, const char* key,
                                           std::string_view what);
std::int64_t required_int(const Value& object, const char* key, std::string_view what);
const Value* optional_object(const Value& object, const char* key, std::string_view what);
const Value* optional_array(const Value& object, const char* key, std::string_view what);
std::map<std::string, std::string> string_map(const Value& object, const char* key,
                                              std::string_view what);
std::vector<std::string> string_array(const Value& object, const char* key, std::string_view what);

// Writers: compact output in the order the caller writes keys.
void write_key_string(Writer& writer, std::string_view key, std::string_view value);
void write_string_map(Writer& writer, std::string_view key,
                      const std::map<std::string, std::string>& map);
void write_string_array(Writer& writer, std::string_view key,
                        const std::vector<std::string>& values);
std::string to_string(const Value& value);

}  // namespace cairn::oci::json
