// Paginated listings: each page read whole (bounded), the next one found in its Link header,
// with bounds on pages and entries so that a registry that keeps linking cannot hold cairn.
#include "registry/listing_requests.hpp"

#include <set>

#include "oci/error.hpp"
#include "oci/json.hpp"
#include "registry/url.hpp"

namespace cairn::registry {

namespace {

constexpr std::size_t kMaxPageSize = 8 << 20;
constexpr std::size_t kMaxPages = 10'000;
constexpr std::size_t kMaxEntries = 1'000'000;

// The strings of `key` in one page; a page that says nothing of it is an Error.
std::vector<std::string> page_entries(const std::string& body, const char* key,
                                      const std::string& what) {
    oci::json::Document document;
    document.Parse(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject())
        throw Error(what + ": the registry's answer is not a JSON object");
    auto member = document.FindMember(key);
    std::vector<std::string> entries;
    if (member == document.MemberEnd() || member->value.IsNull()) return entries;  // none
    if (!member->value.IsArray()) throw Error(what + ": \"" + key + "\" is not an array");
    for (const auto& entry : member->value.GetArray()) {
        if (!entry.IsString()) throw Error(what + ": \"" + key + "\" holds a non-string");
        entries.emplace_back(entry.GetString(), entry.GetStringLength());
    }
    return entries;
}

std::vector<std::string> list_pages(RegistryClient& client, const std::string& first_path,
                                    const char* key, const Scopes& scopes, const std::string& what,
                                    const std::string& missing) {
    std::vector<std::string> entries;
    std::set<std::string> visited;
    std::string url = client.url(first_path);
    while (!url.empty()) {
        if (!visited.insert(url).second || visited.size() > kMaxPages) {
            throw Error(what + ": " + client.registry() + " links its pages in a loop");
        }
        auto response = client.send({.url = url, .scopes = scopes});
        if (response->status() == 404 && !missing.empty()) throw NotFound(missing);
        if (response->status() != 200) client.fail(*response, what);
        auto page = page_entries(read_body(*response, kMaxPageSize, what), key, what);
        entries.insert(entries.end(), page.begin(), page.end());
        if (entries.size() > kMaxEntries) throw Error(what + ": more than a million entries");
        url = next_page_url(response->head().header("link"), url);
        // The next page of the same registry only: a Link to another host gets no request
        // (and so none of this registry's credentials).
        if (!url.empty() && !url.starts_with(client.url("/"))) {
            throw Error(what + ": " + client.registry() + " links its next page on another host (" +
                        url + ")");
        }
    }
    return entries;
}

}  // namespace

std::string next_page_url(std::string_view link, std::string_view request_url) {
    // Link: <url>; rel="next", <other>; rel="prev"
    std::size_t at = 0;
    while (true) {
        auto open = link.find('<', at);
        if (open == std::string_view::npos) return "";
        auto close = link.find('>', open);
        if (close == std::string_view::npos) return "";
        auto target = link.substr(open + 1, close - open - 1);
        auto end = link.find('<', close);
        auto params = link.substr(close + 1, end == std::string_view::npos ? end : end - close - 1);
        for (std::string_view rel : {"rel=\"next\"", "rel=next"}) {
            if (params.find(rel) != std::string_view::npos) return resolve_url(request_url, target);
        }
        if (end == std::string_view::npos) return "";
        at = end;
    }
}

std::vector<std::string> list_tags(RegistryClient& client, const std::string& repository,
                                   const std::string& name) {
    return list_pages(client,
                      "/v2/" + repository + "/tags/list?n=" + std::to_string(kListPageSize), "tags",
                      {repository_scope(repository, Access::pull)}, "listing the tags of " + name,
                      "there is no repository " + name + " in " + client.registry());
}

std::vector<std::string> list_repositories(RegistryClient& client) {
    return list_pages(client, "/v2/_catalog?n=" + std::to_string(kListPageSize), "repositories",
                      {"registry:catalog:*"}, "listing the repositories of " + client.registry(),
                      "");
}

}  // namespace cairn::registry
