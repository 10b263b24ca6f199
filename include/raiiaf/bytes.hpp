// A read-only byte buffer that either owns its storage or views memory kept
// alive by someone else (typically a memory-mapped file), or, explicitly
// borrowed(), memory the caller promises to keep alive.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

RAIIAF_NAMESPACE_BEGIN

class Bytes {
public:
    Bytes() = default;
    explicit Bytes(std::vector<std::byte> owned)
        : owned_(std::make_shared<const std::vector<std::byte>>(std::move(owned))),
          view_(*owned_), keepalive_(owned_) {}
    // A view of memory that `keepalive` keeps alive. A null keepalive makes
    // it a borrowed() view (a reader over borrowed bytes hands out such views).
    Bytes(std::span<const std::byte> view, std::shared_ptr<const void> keepalive)
        : view_(view), keepalive_(std::move(keepalive)), borrowed_(!keepalive_ && !view.empty()) {}
    Bytes(std::span<const std::byte>, std::nullptr_t) = delete;  // say Bytes::borrowed(view)

    // A view of memory nothing here keeps alive: the caller guarantees it
    // outlives this Bytes and every copy (e.g. a buffer used within one call).
    [[nodiscard]] static Bytes borrowed(std::span<const std::byte> view) noexcept {
        Bytes bytes;
        bytes.view_ = view;
        bytes.borrowed_ = !view.empty();
        return bytes;
    }

    static Bytes copy_of(std::span<const std::byte> data) {
        return Bytes(std::vector<std::byte>(data.begin(), data.end()));
    }
    static Bytes copy_of(std::string_view text) {
        return copy_of(std::as_bytes(std::span(text.data(), text.size())));
    }

    [[nodiscard]] std::span<const std::byte> span() const noexcept { return view_; }
    [[nodiscard]] const std::byte* data() const noexcept { return view_.data(); }
    [[nodiscard]] std::size_t size() const noexcept { return view_.size(); }
    [[nodiscard]] bool empty() const noexcept { return view_.empty(); }
    // True when the bytes live in memory this object does not own (zero copy).
    [[nodiscard]] bool is_view() const noexcept { return (keepalive_ && !owned_) || borrowed_; }
    // True for a borrowed() view: nothing keeps its memory alive.
    [[nodiscard]] bool is_borrowed() const noexcept { return borrowed_; }
    [[nodiscard]] const std::shared_ptr<const void>& keepalive() const noexcept { return keepalive_; }
    [[nodiscard]] std::string_view as_string_view() const noexcept {
        return {reinterpret_cast<const char*>(view_.data()), view_.size()};
    }
    // False when these bytes view a mapped file (map_file, Reader::open) that
    // could not be read since it was mapped (another process truncated it, or
    // its device failed): what could not be read reads as zeros. Writing an
    // artifact from such bytes fails (IoError) before anything is replaced.
    [[nodiscard]] bool intact() const noexcept;

private:
    std::shared_ptr<const std::vector<std::byte>> owned_;
    std::span<const std::byte> view_;
    std::shared_ptr<const void> keepalive_;
    bool borrowed_ = false;
};

// A whole file mapped read-only: no copy, and only the pages touched are
// read. Safe if the file shrinks or its device fails while mapped (see
// Bytes::intact()). Throws IoError when the file cannot be opened or mapped,
// or is not a regular file (a FIFO is refused without waiting for a writer).
[[nodiscard]] Bytes map_file(const std::filesystem::path& path);

RAIIAF_NAMESPACE_END
