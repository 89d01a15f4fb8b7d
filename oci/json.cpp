// Strict JSON reading and compact JSON writing on RapidJSON.
#include "oci/json.hpp"

#include <rapidjson/error/en.h>

#include "oci/error.hpp"

namespace cairn::oci::json {

namespace {

std::string field(std::string_view what, const char* key) {
    return std::string(what) + ": field \"" + key + "\"";
}

}  // namespace

Document parse_object(std::string_view bytes, std::string_view what, std::size_t max_size) {
    if (bytes.size() > max_size) {
        throw Error(std::string(what) + " is too large (" + std::to_string(bytes.size()) +
                    " bytes; the limit is " + std::to_string(max_size) + ")");
    }
    Document document;
    // Iterative parsing: a deeply nested document cannot exhaust the stack.
    constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                                rapidjson::kParseValidateEncodingFlag |
                                rapidjson::kParseFullPrecisionFlag;
    document.Parse<kFlags>(bytes.data(), bytes.size());
    if (document.HasParseError()) {
        throw Error(std::string(what) +
                    " is not valid JSON: " + rapidjson::GetParseError_En(document.GetParseError()) +
                    " (at byte " + std::to_string(document.GetErrorOffset()) + ")");
    }
    if (!document.IsObject()) throw Error(std::string(what) + " is not a JSON object");
    return document;
}

std::optional<std::string> optional_string(const Value& object, const char* key,
                                           std::string_view what) {
    auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) return std::nullopt;
    if (!it->value.IsString()) throw Error(field(what, key) + " must be a string");
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::string required_string(const Value& object, const char* key, std::string_view what) {
    auto value = optional_string(object, key, what);
    if (!value) throw Error(field(what, key) + " is missing");
    return *value;
}

std::int64_t required_int(const Value& object, const char* key, std::string_view what) {
    auto it = object.FindMember(key);
    if (it == object.MemberEnd()) throw Error(field(what, key) + " is missing");
    if (!it->value.IsInt64()) throw Error(field(what, key) + " must be an integer");
    return it->value.GetInt64();
}

const Value* optional_object(const Value& object, const char* key, std::string_view what) {
    auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
    if (!it->value.IsObject()) throw Error(field(what, key) + " must be an object");
    return &it->value;
}

const Value* optional_array(const Value& object, const char* key, std::string_view what) {
    auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
    if (!it->value.IsArray()) throw Error(field(what, key) + " must be an array");
    return &it->value;
}

std::map<std::string, std::string> string_map(const Value& object, const char* key,
                                              std::string_view what) {
    std::map<std::string, std::string> out;
    const Value* map = optional_object(object, key, what);
    if (!map) return out;
    for (const auto& member : map->GetObject()) {
        if (!member.value.IsString()) throw Error(field(what, key) + " must map to strings");
        out.emplace(std::string(member.name.GetString(), member.name.GetStringLength()),
                    std::string(member.value.GetString(), member.value.GetStringLength()));
    }
    return out;
}

std::vector<std::string> string_array(const Value& object, const char* key, std::string_view what) {
    std::vector<std::string> out;
    const Value* array = optional_array(object, key, what);
    if (!array) return out;
    for (const auto& item : array->GetArray()) {
        if (!item.IsString()) throw Error(field(what, key) + " must hold only strings");
        out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return out;
}

void write_key_string(Writer& writer, std::string_view key, std::string_view value) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_string_map(Writer& writer, std::string_view key,
                      const std::map<std::string, std::string>& map) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    writer.StartObject();
    for (const auto& [name, value] : map) write_key_string(writer, name, value);
    writer.EndObject();
}

void write_string_array(Writer& writer, std::string_view key,
                        const std::vector<std::string>& values) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    writer.StartArray();
    for (const auto& value : values) {
        writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
    writer.EndArray();
}

std::string to_string(const Value& value) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace cairn::oci::json
