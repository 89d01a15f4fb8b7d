// RAII owners of libcurl's C handles: easy, multi, share and header lists.
#pragma once

#include <curl/curl.h>

#include <array>
#include <memory>
#include <mutex>
#include <string>

namespace cairn::registry {

struct CurlEasyDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct CurlMultiDeleter {
    void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;

// curl_global_init, once per process, before the first handle.
void ensure_curl_initialised();

class CurlSlist {
  public:
    CurlSlist() = default;
    ~CurlSlist() { curl_slist_free_all(list_); }
    CurlSlist(const CurlSlist&) = delete;
    CurlSlist& operator=(const CurlSlist&) = delete;
    void append(const std::string& line);
    curl_slist* get() const { return list_; }

  private:
    curl_slist* list_ = nullptr;
};

// A share handle for DNS answers and TLS sessions across threads, with the locks libcurl asks
// for. (Connections are not shared: libcurl does not support that between concurrent threads;
// each pooled handle keeps its own.)
class CurlShare {
  public:
    CurlShare();
    ~CurlShare();
    CurlShare(const CurlShare&) = delete;
    CurlShare& operator=(const CurlShare&) = delete;
    CURLSH* get() const { return share_; }

  private:
    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
    static void unlock(CURL*, curl_lock_data data, void* self);

    CURLSH* share_ = nullptr;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
};

}  // namespace cairn::registry
