// Token scope strings and scope sets.
#include "registry/scope.hpp"

#include <algorithm>

namespace cairn::registry {

std::string repository_scope(std::string_view repository, Access access) {
    const char* actions = access == Access::push     ? ":pull,push"
                          : access == Access::remove ? ":delete"
                                                     : ":pull";
    return "repository:" + std::string(repository) + actions;
}

Scopes::Scopes(std::initializer_list<std::string> scopes) {
    for (const auto& scope : scopes) add(scope);
}

void Scopes::add(std::string scope) {
    if (scope.empty()) return;
    auto at = std::lower_bound(items_.begin(), items_.end(), scope);
    if (at == items_.end() || *at != scope) items_.insert(at, std::move(scope));
}

std::string Scopes::joined() const {
    std::string out;
    for (const auto& scope : items_) out += (out.empty() ? "" : " ") + scope;
    return out;
}

}  // namespace cairn::registry
