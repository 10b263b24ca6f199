// Exporting an artifact's image as an ordinary PNG, JPEG or WebP file that
// viewers, A1111, ComfyUI and exiftool read, optionally carrying the whole
// artifact for raiiaf to read back (docs/FORMAT.md section 11). The pixels are not re-encoded: metadata is spliced into the
// stored image's own chunks or segments.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "raiiaf/limits.hpp"

RAIIAF_NAMESPACE_BEGIN

struct ExportOptions {
    bool embed = false;       // carry the whole artifact (verified first)
    bool xmp = true;          // XMP with the IPTC 2025 AI properties
    bool parameters = true;   // A1111 infotext, and ComfyUI's prompt/workflow when imported from it
    Limits limits{};          // for reading the artifact
};

// The exported image's bytes. `artifact` is a RAIIAF/GEN5 file or an image
// carrying one. Throws ImageError when the artifact has no image, the
// library's DecodeError family when it is damaged, InvalidArgument when the
// metadata cannot fit the format (JPEG segments hold 64 KiB).
[[nodiscard]] std::vector<std::byte> export_image(std::span<const std::byte> artifact, const ExportOptions& options = {});

// "png", "jpeg" or "webp": the format export_image produces for the artifact.
[[nodiscard]] std::string export_format(std::span<const std::byte> artifact, const Limits& limits = {});

// Reads `artifact`, writes the image to `out` atomically. `out`'s extension
// (.png, .jpg/.jpeg, .webp) must name the stored image's format
// (InvalidArgument otherwise): export never re-encodes pixels.
void export_image_file(const std::filesystem::path& artifact, const std::filesystem::path& out,
                       const ExportOptions& options = {});
// The same for an artifact in memory.
void export_image_file(std::span<const std::byte> artifact, const std::filesystem::path& out,
                       const ExportOptions& options = {});

RAIIAF_NAMESPACE_END
