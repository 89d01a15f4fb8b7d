// Token scopes (distribution's token spec): what a bearer token may do, per repository.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::registry {

// push means "pull,push": a pusher reads what it checks; remove means "delete" (the
// distribution token spec's action for DELETE requests).
enum class Access { pull, push, remove };

// "repository:team/app:pull" or "repository:team/app:pull,push".
std::string repository_scope(std::string_view repository, Access access);

// The scopes one request needs; sorted and without duplicates, so equal sets compare equal.
class Scopes {
  public:
    Scopes() = default;
    Scopes(std::initializer_list<std::string> scopes);
    void add(std::string scope);
    const std::vector<std::string>& items() const { return items_; }
    bool empty() const { return items_.empty(); }
    // The scopes space-separated (the form of OAuth2's scope parameter and of the token cache key).
    std::string joined() const;
    bool operator==(const Scopes&) const = default;

  private:
    std::vector<std::string> items_;
};

}  // namespace cairn::registry
