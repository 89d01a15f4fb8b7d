// Placeholder: replaced by the real tar writer.
#include "assemble/tar_tree.hpp"
