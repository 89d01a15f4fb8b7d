// Image configs: reading, the runtime fields cairn changes, and layer bookkeeping.
#include "oci/image_config.hpp"

#include <ctime>

#include "oci/error.hpp"

namespace cairn::oci {

namespace {

constexpr const char* kWhat = "image config";

rapidjson::Value string_value(std::string_view text, json::Document::AllocatorType& allocator) {
    return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

void set_member(json::Value& object, const char* key, rapidjson::Value value,
                json::Document::AllocatorType& allocator) {
    auto it = object.FindMember(key);
    if (it != object.MemberEnd()) {
        it->value = std::move(value);
    } else {
        object.AddMember(rapidjson::Value(key, allocator), std::move(value), allocator);
    }
}

void validate(const json::Document& document, std::string_view what) {
    if (const auto* runtime = json::optional_object(document, "config", what)) {
        std::string inner = std::string(what) + " config";
        json::string_array(*runtime, "Entrypoint", inner);
        json::string_array(*runtime, "Cmd", inner);
        json::string_array(*runtime, "Env", inner);
        json::optional_string(*runtime, "User", inner);
        json::optional_string(*runtime, "WorkingDir", inner);
        json::string_map(*runtime, "Labels", inner);
        json::optional_object(*runtime, "ExposedPorts", inner);
    }
    if (const auto* rootfs = json::optional_object(document, "rootfs", what)) {
        for (const auto& id :
             json::string_array(*rootfs, "diff_ids", std::string(what) + " rootfs")) {
            if (!Digest::is_valid(id)) {
                throw Error(std::string(what) + ": rootfs.diff_ids holds an invalid digest \"" +
                            id.substr(0, 80) + "\"");
            }
        }
    }
    if (const auto* history = json::optional_array(document, "history", what)) {
        for (const auto& entry : history->GetArray()) {
            if (!entry.IsObject())
                throw Error(std::string(what) + ": history entries must be objects");
        }
    }
}

rapidjson::Value history_value(const HistoryEntry& history,
                               json::Document::AllocatorType& allocator) {
    rapidjson::Value entry(rapidjson::kObjectType);
    auto add = [&](const char* key, const std::string& value) {
        if (!value.empty()) entry.AddMember(rapidjson::StringRef(key), string_value(value, allocator),
                                            allocator);
    };
    add("created", history.created);
    add("author", history.author);
    add("created_by", history.created_by);
    add("comment", history.comment);
    if (history.empty_layer) entry.AddMember("empty_layer", true, allocator);
    return entry;
}

}  // namespace

std::string rfc3339_utc(std::int64_t unix_seconds) {
    std::time_t time = static_cast<std::time_t>(unix_seconds);
    std::tm parts{};
    gmtime_r(&time, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

ImageConfig ImageConfig::parse(std::string_view bytes, std::string_view what) {
    auto document = json::parse_object(bytes, what, json::kMaxConfigSize);
    validate(document, what);
    return ImageConfig(std::move(document));
}

ImageConfig ImageConfig::scratch(const Platform& platform) {
    rapidjson::StringBuffer buffer;
    json::Writer writer(buffer);
    writer.StartObject();
    json::write_key_string(writer, "architecture", platform.architecture);
    json::write_key_string(writer, "os", platform.os);
    if (!platform.variant.empty()) json::write_key_string(writer, "variant", platform.variant);
    writer.Key("config");
    writer.StartObject();
    writer.EndObject();
    writer.Key("rootfs");
    writer.StartObject();
    json::write_key_string(writer, "type", "layers");
    writer.Key("diff_ids");
    writer.StartArray();
    writer.EndArray();
    writer.EndObject();
    writer.EndObject();
    return parse(std::string_view(buffer.GetString(), buffer.GetSize()), "scratch config");
}

ImageConfig::ImageConfig(const ImageConfig& other) {
    document_.CopyFrom(other.document_, document_.GetAllocator());
}

ImageConfig& ImageConfig::operator=(const ImageConfig& other) {
    if (this != &other) document_.CopyFrom(other.document_, document_.GetAllocator());
    return *this;
}

std::string ImageConfig::to_json() const {
    return json::to_string(document_);
}

Platform ImageConfig::platform() const {
    Platform platform;
    platform.os = json::optional_string(document_, "os", kWhat).value_or("");
    platform.architecture = json::optional_string(document_, "architecture", kWhat).value_or("");
    platform.variant = json::optional_string(document_, "variant", kWhat).value_or("");
    return platform;
}

std::string ImageConfig::created() const {
    return json::optional_string(document_, "created", kWhat).value_or("");
}

void ImageConfig::set_created(std::string_view rfc3339) {
    auto& allocator = document_.GetAllocator();
    set_member(document_, "created", string_value(rfc3339, allocator), allocator);
}

const json::Value* ImageConfig::runtime_or_null() const {
    return json::optional_object(document_, "config", kWhat);
}

json::Value& ImageConfig::member_object(json::Value& parent, const char* key) {
    auto it = parent.FindMember(key);
    if (it == parent.MemberEnd() || !it->value.IsObject()) {
        set_member(parent, key, rapidjson::Value(rapidjson::kObjectType), document_.GetAllocator());
        it = parent.FindMember(key);
    }
    return it->value;
}

json::Value& ImageConfig::runtime() {
    return member_object(document_, "config");
}

std::vector<std::string> ImageConfig::entrypoint() const {
    const auto* r = runtime_or_null();
    return r ? json::string_array(*r, "Entrypoint", kWhat) : std::vector<std::string>{};
}

std::vector<std::string> ImageConfig::cmd() const {
    const auto* r = runtime_or_null();
    return r ? json::string_array(*r, "Cmd", kWhat) : std::vector<std::string>{};
}

std::vector<std::string> ImageConfig::env() const {
    const auto* r = runtime_or_null();
    return r ? json::string_array(*r, "Env", kWhat) : std::vector<std::string>{};
}

std::string ImageConfig::user() const {
    const auto* r = runtime_or_null();
    return r ? json::optional_string(*r, "User", kWhat).value_or("") : "";
}

std::string ImageConfig::workdir() const {
    const auto* r = runtime_or_null();
    return r ? json::optional_string(*r, "WorkingDir", kWhat).value_or("") : "";
}

std::map<std::string, std::string> ImageConfig::labels() const {
    const auto* r = runtime_or_null();
    return r ? json::string_map(*r, "Labels", kWhat) : std::map<std::string, std::string>{};
}

std::vector<std::string> ImageConfig::exposed_ports() const {
    std::vector<std::string> ports;
    const auto* r = runtime_or_null();
    const auto* map = r ? json::optional_object(*r, "ExposedPorts", kWhat) : nullptr;
    if (map) {
        for (const auto& member : map->GetObject()) ports.emplace_back(member.name.GetString());
    }
    return ports;
}

void ImageConfig::set_string_array(json::Value& parent, const char* key,
                                   const std::vector<std::string>& words) {
    auto& allocator = document_.GetAllocator();
    rapidjson::Value array(rapidjson::kArrayType);
    for (const auto& word : words) array.PushBack(string_value(word, allocator), allocator);
    set_member(parent, key, std::move(array), allocator);
}

void ImageConfig::set_entrypoint(const std::vector<std::string>& words) {
    set_string_array(runtime(), "Entrypoint", words);
}

void ImageConfig::set_cmd(const std::vector<std::string>& words) {
    set_string_array(runtime(), "Cmd", words);
}

void ImageConfig::set_env(std::string_view name, std::string_view value) {
    auto entries = env();
    std::string assignment = std::string(name) + "=" + std::string(value);
    bool replaced = false;
    for (auto& entry : entries) {
        if (entry.starts_with(std::string(name) + "=")) {
            entry = assignment;
            replaced = true;
        }
    }
    if (!replaced) entries.push_back(assignment);
    set_string_array(runtime(), "Env", entries);
}

void ImageConfig::set_user(std::string_view user) {
    auto& allocator = document_.GetAllocator();
    set_member(runtime(), "User", string_value(user, allocator), allocator);
}

void ImageConfig::set_workdir(std::string_view workdir) {
    auto& allocator = document_.GetAllocator();
    set_member(runtime(), "WorkingDir", string_value(workdir, allocator), allocator);
}

void ImageConfig::set_label(std::string_view key, std::string_view value) {
    auto& allocator = document_.GetAllocator();
    auto& labels = member_object(runtime(), "Labels");
    std::string name(key);
    set_member(labels, name.c_str(), string_value(value, allocator), allocator);
}

void ImageConfig::add_exposed_port(std::string_view port) {
    std::string name(port);
    if (name.find('/') == std::string::npos) name += "/tcp";
    auto& allocator = document_.GetAllocator();
    auto& ports = member_object(runtime(), "ExposedPorts");
    set_member(ports, name.c_str(), rapidjson::Value(rapidjson::kObjectType), allocator);
}

std::vector<Digest> ImageConfig::diff_ids() const {
    std::vector<Digest> ids;
    if (const auto* rootfs = json::optional_object(document_, "rootfs", kWhat)) {
        for (const auto& id : json::string_array(*rootfs, "diff_ids", kWhat)) {
            ids.push_back(Digest::parse(id));
        }
    }
    return ids;
}

std::vector<HistoryEntry> ImageConfig::history() const {
    std::vector<HistoryEntry> entries;
    const auto* history = json::optional_array(document_, "history", kWhat);
    if (!history) return entries;
    for (const auto& item : history->GetArray()) {
        HistoryEntry entry;
        entry.created = json::optional_string(item, "created", kWhat).value_or("");
        entry.author = json::optional_string(item, "author", kWhat).value_or("");
        entry.created_by = json::optional_string(item, "created_by", kWhat).value_or("");
        entry.comment = json::optional_string(item, "comment", kWhat).value_or("");
        auto empty = item.FindMember("empty_layer");
        entry.empty_layer =
            empty != item.MemberEnd() && empty->value.IsBool() && empty->value.GetBool();
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::size_t ImageConfig::add_missing_history(const HistoryEntry& entry) {
    std::size_t described = 0;
    for (const auto& item : history()) described += item.empty_layer ? 0 : 1;
    std::size_t layers = diff_ids().size();
    if (described >= layers) return 0;
    for (std::size_t i = described; i < layers; ++i) append_history(entry);
    return layers - described;
}

void ImageConfig::append_history(const HistoryEntry& history) {
    auto& allocator = document_.GetAllocator();
    auto list = document_.FindMember("history");
    if (list == document_.MemberEnd() || !list->value.IsArray()) {
        set_member(document_, "history", rapidjson::Value(rapidjson::kArrayType), allocator);
        list = document_.FindMember("history");
    }
    list->value.PushBack(history_value(history, allocator), allocator);
}

void ImageConfig::set_layers(const std::vector<Digest>& diff_ids,
                             const std::vector<HistoryEntry>& history) {
    auto& allocator = document_.GetAllocator();
    auto& rootfs = member_object(document_, "rootfs");
    set_member(rootfs, "type", string_value("layers", allocator), allocator);
    rapidjson::Value ids(rapidjson::kArrayType);
    for (const auto& id : diff_ids) ids.PushBack(string_value(id.str(), allocator), allocator);
    set_member(rootfs, "diff_ids", std::move(ids), allocator);
    rapidjson::Value entries(rapidjson::kArrayType);
    for (const auto& entry : history) entries.PushBack(history_value(entry, allocator), allocator);
    set_member(document_, "history", std::move(entries), allocator);
}

void ImageConfig::append_layer(const Digest& diff_id, const HistoryEntry& history) {
    auto& allocator = document_.GetAllocator();
    auto& rootfs = member_object(document_, "rootfs");
    set_member(rootfs, "type", string_value("layers", allocator), allocator);
    auto ids = rootfs.FindMember("diff_ids");
    if (ids == rootfs.MemberEnd() || !ids->value.IsArray()) {
        set_member(rootfs, "diff_ids", rapidjson::Value(rapidjson::kArrayType), allocator);
        ids = rootfs.FindMember("diff_ids");
    }
    ids->value.PushBack(string_value(diff_id.str(), allocator), allocator);
    append_history(history);
}

}  // namespace cairn::oci
