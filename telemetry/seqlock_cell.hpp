#pragma once

// A value with one writer and any number of readers, none of which ever
// waits for a lock: the writer bumps a sequence number around its store,
// and a reader retries when it saw one change (a seqlock). The value lives
// in relaxed atomic words, so a torn read is detected, never undefined.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace memoryd::telemetry {

template <class T>
class seqlock_cell {
  static_assert(std::is_trivially_copyable_v<T>);
  static constexpr std::size_t words = (sizeof(T) + 7) / 8;

public:
  /// Only ever from one thread at a time (the owning actor).
  void store(const T& value) noexcept {
    std::array<uint64_t, words> raw{};
    std::memcpy(raw.data(), &value, sizeof(T));
    auto seq = seq_.load(std::memory_order_relaxed);
    seq_.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (std::size_t i = 0; i < words; ++i)
      data_[i].store(raw[i], std::memory_order_relaxed);
    seq_.store(seq + 2, std::memory_order_release);
  }

  /// From any thread.
  T load() const noexcept {
    std::array<uint64_t, words> raw{};
    for (;;) {
      auto before = seq_.load(std::memory_order_acquire);
      for (std::size_t i = 0; i < words; ++i)
        raw[i] = data_[i].load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if ((before & 1) == 0 && seq_.load(std::memory_order_relaxed) == before)
        break;
    }
    T out;
    std::memcpy(static_cast<void*>(&out), raw.data(), sizeof(T));
    return out;
  }

private:
  std::atomic<uint64_t> seq_{0};
  std::array<std::atomic<uint64_t>, words> data_{};
};

/// A short text kept inline (request ids: longer ones are cut).
struct short_text {
  std::array<char, 63> chars{};
  uint8_t size = 0;

  static short_text of(std::string_view text) noexcept {
    short_text out;
    out.size = static_cast<uint8_t>(std::min(text.size(), out.chars.size()));
    std::memcpy(out.chars.data(), text.data(), out.size);
    return out;
  }

  std::string_view view() const noexcept {
    return {chars.data(), size};
  }
};

} // namespace memoryd::telemetry
