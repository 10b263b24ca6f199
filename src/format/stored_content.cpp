// An artifact's content for writing it back with other metadata, every chunk
// copied as stored: an edit decodes no payload.
#include <algorithm>

#include "format/manifest.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/writer.hpp"

RAIIAF_NAMESPACE_BEGIN

ArtifactContent stored_content(const Reader& reader) {
    ArtifactContent content;
    content.model = reader.model_info();
    const auto& chunks = reader.chunks();
    // A GEN5 file keeps its environment in the manifest; the writer places
    // it there again from the decoded environment (an ENVC chunk in such a
    // file is merged into it, as Reader::environment() does).
    const bool copy_environment_chunk =
        reader.layout() == Layout::raiiaf &&
        std::any_of(chunks.begin(), chunks.end(), [](const ChunkRecord& record) { return record.type == kEnvType; });
    for (const auto& record : chunks) {
        if (record.type == kEnvType && !copy_environment_chunk) continue;
        content.stored_chunks.push_back({record, reader.verified_stored_bytes(record.index)});
    }
    // A file from before ENVC existed keeps an empty record, not this
    // machine's environment, which did not make its payloads.
    content.environment = copy_environment_chunk ? detail::manifest_environment(reader.manifest(), reader.layout())
                                                 : reader.environment().value_or(Environment{});
    return content;
}

RAIIAF_NAMESPACE_END
