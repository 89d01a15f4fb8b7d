// Token service responses and token lifetimes.
#include "registry/bearer_token.hpp"

#include <algorithm>

#include "oci/error.hpp"
#include "oci/json.hpp"
#include "registry/base64.hpp"
#include "registry/credential.hpp"

namespace cairn::registry {

namespace {

constexpr auto kDefaultLifetime = std::chrono::seconds(60);
constexpr auto kMaxRefreshMargin = std::chrono::seconds(30);

std::optional<double> number_field(const oci::json::Value& object, const char* key) {
    auto member = object.FindMember(key);
    if (member == object.MemberEnd() || !member->value.IsNumber()) return std::nullopt;
    return member->value.GetDouble();
}

}  // namespace

bool BearerToken::usable_at(Clock::time_point now) const {
    auto lifetime = expires_at - obtained_at;
    auto margin = std::min<Clock::duration>(lifetime / 4, kMaxRefreshMargin);
    return now + margin < expires_at;
}

std::optional<Clock::time_point> jwt_expiry(std::string_view token) {
    auto first = token.find('.');
    auto second = token.find('.', first == std::string_view::npos ? first : first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) return std::nullopt;
    auto payload = base64_decode(token.substr(first + 1, second - first - 1));
    if (!payload) return std::nullopt;
    oci::json::Document document;
    document.Parse(payload->data(), payload->size());
    if (document.HasParseError() || !document.IsObject()) return std::nullopt;
    auto exp = number_field(document, "exp");
    if (!exp || *exp <= 0 || *exp > 1e11) return std::nullopt;
    return Clock::time_point(std::chrono::seconds(static_cast<std::int64_t>(*exp)));
}

BearerToken parse_token_response(std::string_view body, Clock::time_point now,
                                 std::string_view what) {
    // Parsed by hand rather than with oci::json's readers: their errors may quote values.
    oci::json::Document document;
    if (body.size() > kMaxTokenResponse)
        throw Error(std::string(what) + " sent an oversized token response");
    document.Parse(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        throw Error(std::string(what) +
                    " answered with something that is not a JSON token response");
    }
    BearerToken token{.obtained_at = now};
    for (const char* key : {"token", "access_token"}) {
        auto member = document.FindMember(key);
        if (member != document.MemberEnd() && member->value.IsString() &&
            member->value.GetStringLength() > 0) {
            token.token = member->value.GetString();
            break;
        }
    }
    if (auto refresh = document.FindMember("refresh_token");
        refresh != document.MemberEnd() && refresh->value.IsString()) {
        token.refresh_token = refresh->value.GetString();
    }
    if (token.token.empty() && token.refresh_token.empty()) {
        throw Error(std::string(what) + " answered without a token");
    }
    remember_secret_forms(token.token);
    remember_secret_forms(token.refresh_token);
    // expires_in is relative, so immune to clock skew; the JWT's absolute exp is the fallback,
    // unless our clock already thinks it passed.
    auto expires_in = number_field(document, "expires_in");
    auto jwt_exp = jwt_expiry(token.token);
    if (expires_in && *expires_in > 0) {
        token.expires_at = now + std::chrono::seconds(static_cast<std::int64_t>(*expires_in));
    } else if (jwt_exp && *jwt_exp > now) {
        token.expires_at = *jwt_exp;
    } else {
        token.expires_at = now + kDefaultLifetime;
    }
    return token;
}

}  // namespace cairn::registry
