// The interrupt handler: fixed tables of atomics that a handler may read (hooks, registered
// paths, the message), and a tree removal made of system calls alone.
#include "oci/interrupt.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

namespace cairn::oci {

namespace {

// A slot goes free -> filling (its path being copied) -> armed; the handler claims an armed
// one before it reads the path, so a thread reusing the slot never changes it under the
// handler's eyes.
enum SlotState : int { kFree, kFilling, kArmed, kClaimed };

struct Slot {
    std::atomic<int> state{kFree};
    RemoveOnInterrupt::Kind kind = RemoveOnInterrupt::Kind::file;
    char path[PATH_MAX] = {};
};

constexpr std::size_t kSlots = 256;
Slot slots[kSlots];
std::array<std::atomic<void (*)()>, 8> hooks{};

char message[1024] = {};
std::atomic<std::size_t> activity_size{0};  // 0: say nothing
bool message_to_terminal = false;

constexpr int kMaxTreeDepth = 24;

void write_text(const char* text, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::write(STDERR_FILENO, text, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text += n;
        size -= static_cast<std::size_t>(n);
    }
}

void write_text(const char* text) {
    write_text(text, std::strlen(text));
}

const char* signal_name(int signal_number) {
    switch (signal_number) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        case SIGHUP:
            return "SIGHUP";
        default:
            return "a signal";
    }
}

// Everything in the open directory `directory`, depth first. Entries removed while reading
// may make getdents skip others, so the directory is read again until a pass removes nothing.
void remove_contents(int directory, int depth) {
    char buffer[2048];
    bool removed = true;
    while (removed) {
        removed = false;
        ::lseek(directory, 0, SEEK_SET);
        for (;;) {
            ssize_t n = ::getdents64(directory, buffer, sizeof buffer);
            if (n <= 0) break;
            for (ssize_t at = 0; at < n;) {
                auto* entry = reinterpret_cast<dirent64*>(buffer + at);
                at += entry->d_reclen;
                const char* name = entry->d_name;
                if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
                if (::unlinkat(directory, name, 0) == 0) {
                    removed = true;
                    continue;
                }
                if (errno != EISDIR && errno != EPERM) continue;  // Linux says EISDIR
                if (depth >= kMaxTreeDepth) continue;
                int child = ::openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0) continue;
                remove_contents(child, depth + 1);
                ::close(child);
                if (::unlinkat(directory, name, AT_REMOVEDIR) == 0) removed = true;
            }
        }
    }
}

extern "C" void on_interrupt(int signal_number) {
    static std::atomic<bool> handling{false};
    // Another thread already handles one: it ends cairn once it is done.
    if (handling.exchange(true)) return;
    for (auto& hook : hooks) {
        if (auto function = hook.load()) function();
    }
    for (auto& slot : slots) {
        int armed = kArmed;
        if (!slot.state.compare_exchange_strong(armed, kClaimed)) continue;
        if (slot.kind == RemoveOnInterrupt::Kind::tree) {
            remove_tree_signal_safe(slot.path);
        } else {
            ::unlink(slot.path);
        }
    }
    if (std::size_t size = activity_size.load()) {
        if (message_to_terminal) write_text("\r\033[K");
        write_text("cairn: error: ");
        write_text(message, size);
        write_text(" was interrupted by ");
        write_text(signal_name(signal_number));
        write_text("; its temporary files are removed\n");
    }
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);  // delivered when the handler returns: cairn ends by this signal
}

}  // namespace

void remove_tree_signal_safe(const char* path) {
    int directory = ::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (directory < 0) {
        ::unlink(path);
        return;
    }
    remove_contents(directory, 0);
    ::close(directory);
    ::rmdir(path);
}

void install_interrupt_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = on_interrupt;
        sigemptyset(&action.sa_mask);
        // One at a time in this thread: a second signal waits for the cleanup of the first.
        for (int signal_number : kInterruptSignals) sigaddset(&action.sa_mask, signal_number);
        for (int signal_number : kInterruptSignals) {
            struct sigaction previous {};
            ::sigaction(signal_number, nullptr, &previous);
            if (previous.sa_handler == SIG_IGN) continue;  // under nohup: stays ignored
            ::sigaction(signal_number, &action, nullptr);
        }
    });
}

void set_interrupt_activity(std::string_view activity) {
    activity_size.store(0);
    std::size_t size = std::min(activity.size(), sizeof message - 1);
    std::memcpy(message, activity.data(), size);
    message[size] = '\0';
    message_to_terminal = ::isatty(STDERR_FILENO) == 1;
    activity_size.store(size);
}

void add_interrupt_hook(void (*hook)()) {
    for (auto& slot : hooks) {
        void (*expected)() = nullptr;
        if (slot.compare_exchange_strong(expected, hook) || expected == hook) return;
    }
}

RemoveOnInterrupt::RemoveOnInterrupt(const std::filesystem::path& path, Kind kind) {
    install_interrupt_handler();
    const std::string& text = path.native();
    if (text.empty() || text.size() >= PATH_MAX) return;
    for (std::size_t i = 0; i < kSlots; ++i) {
        int free = kFree;
        if (!slots[i].state.compare_exchange_strong(free, kFilling)) continue;
        slots[i].kind = kind;
        std::memcpy(slots[i].path, text.c_str(), text.size() + 1);
        slots[i].state.store(kArmed);
        slot_ = static_cast<int>(i);
        return;
    }
}

RemoveOnInterrupt& RemoveOnInterrupt::operator=(RemoveOnInterrupt&& other) noexcept {
    if (this != &other) {
        release();
        slot_ = other.slot_;
        other.slot_ = -1;
    }
    return *this;
}

void RemoveOnInterrupt::release() {
    if (slot_ < 0) return;
    int armed = kArmed;
    // Claimed by the handler: cairn is ending, the slot stays as it is.
    slots[slot_].state.compare_exchange_strong(armed, kFree);
    slot_ = -1;
}

}  // namespace cairn::oci
