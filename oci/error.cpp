// Formatting of system errors for cairn::Error messages.
#include "oci/error.hpp"

#include <cstring>

namespace cairn {

std::string system_error_text(const std::string& what, int error_number) {
    return what + ": " + std::strerror(error_number);
}

}  // namespace cairn
