// Placeholder: replaced by the real compressors.
#include "assemble/compression.hpp"
