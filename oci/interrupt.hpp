// What SIGINT, SIGTERM and SIGHUP do to cairn: one handler for the whole process that stops the
// children, removes the temporary files and directories registered here, says what was
// interrupted, and ends cairn by the same signal (exit 130, 143, 129 to a shell).
#pragma once

#include <csignal>
#include <array>
#include <filesystem>
#include <string_view>

namespace cairn::oci {

inline constexpr std::array kInterruptSignals{SIGINT, SIGTERM, SIGHUP};

// Installs the handler, once. A signal that was ignored when cairn started (under nohup)
// stays ignored. Registering a path (RemoveOnInterrupt) installs it too.
void install_interrupt_handler();

// What the handler says before cairn ends, after "cairn: error: ": e.g. "cairn copy to oci:x
// was interrupted by SIGTERM; its temporary files are removed". `activity` is the first part
// ("cairn copy to oci:x"); empty (the default): nothing is said, as a library must not print.
void set_interrupt_activity(std::string_view activity);

// An async-signal-safe function the handler calls first (child_process: stop the children's
// process groups). Up to 8; a hook added twice is called once.
void add_interrupt_hook(void (*hook)());

// A path the handler removes if a signal ends cairn while this object lives: a file, or a
// directory with everything in it. Destroying (or release()) only unregisters it. When every
// slot is taken (more than 256 at once), the path is not registered: the sweeps of stale
// temporary files (BlobStore, WorkDirectory) still find it later.
class RemoveOnInterrupt {
  public:
    enum class Kind { file, tree };
    RemoveOnInterrupt() = default;
    RemoveOnInterrupt(const std::filesystem::path& path, Kind kind);
    ~RemoveOnInterrupt() { release(); }
    RemoveOnInterrupt(RemoveOnInterrupt&& other) noexcept : slot_(other.slot_) {
        other.slot_ = -1;
    }
    RemoveOnInterrupt& operator=(RemoveOnInterrupt&& other) noexcept;
    RemoveOnInterrupt(const RemoveOnInterrupt&) = delete;
    RemoveOnInterrupt& operator=(const RemoveOnInterrupt&) = delete;
    void release();

  private:
    int slot_ = -1;
};

// Removes `path` and everything below it using only async-signal-safe calls (what the handler
// runs); no link is followed. For tests, and for the handler.
void remove_tree_signal_safe(const char* path);

}  // namespace cairn::oci
