// Listing over the v2 API: a repository's tags and a registry's catalog, page after page as
// the registry's Link headers lead.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "registry/registry_client.hpp"

namespace cairn::registry {

// Entries asked for per page (`?n=`); a registry may send fewer and a Link to the rest.
inline constexpr std::size_t kListPageSize = 100;

// GET /v2/REPOSITORY/tags/list and every page after it. `name` names the repository in
// messages; one that does not exist is a NotFound.
std::vector<std::string> list_tags(RegistryClient& client, const std::string& repository,
                                   const std::string& name);

// GET /v2/_catalog and every page after it: the registry's repositories.
std::vector<std::string> list_repositories(RegistryClient& client);

// The URL of `rel="next"` in a Link header (RFC 8288), resolved against the URL of the request
// it answered; empty when there is none.
std::string next_page_url(std::string_view link, std::string_view request_url);

}  // namespace cairn::registry
