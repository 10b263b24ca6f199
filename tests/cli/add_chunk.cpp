// add_chunk IN OUT TYPE TEXT: copies the artifact IN to OUT with one more
// chunk of a type the CLI does not know (raw, payload TEXT, extra {"note": "test"}),
// for the golden tests that check convert and edit keep unknown chunks.
#include <openssl/sha.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <raiiaf/raiiaf.hpp>

int main(int argc, char** argv) {
    if (argc != 5 || std::string(argv[3]).size() != 4) {
        std::cerr << "usage: add_chunk IN OUT TYPE(4 characters) TEXT\n";
        return 2;
    }
    try {
        const auto reader = raiiaf::Reader::open(argv[1]);
        raiiaf::ArtifactContent content;
        content.model = reader.model_info();
        for (const auto& record : reader.chunks())
            content.stored_chunks.push_back({record, reader.stored_bytes(record.index)});

        const std::string type = argv[3];
        const std::string text = argv[4];
        raiiaf::ChunkRecord record;
        record.type = type;
        record.flags = "0000";
        record.uncompressed_size = text.size();
        record.compressed_size = raiiaf::kChunkHeaderSize + text.size();
        unsigned char digest[SHA256_DIGEST_LENGTH];
        SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
        for (const unsigned char byte : digest) {
            char hex[3];
            std::snprintf(hex, sizeof hex, "%02x", byte);
            record.hash += hex;
        }
        record.extra = raiiaf::Json{{"note", "test"}};
        std::string stored = type + "0000";
        for (int shift = 0; shift < 32; shift += 8) stored += static_cast<char>((text.size() >> shift) & 0xFF);
        stored += text;
        content.stored_chunks.push_back({record, raiiaf::Bytes::copy_of(stored)});
        raiiaf::write_file(argv[2], content, {.layout = reader.layout()});
    } catch (const std::exception& e) {
        std::cerr << "add_chunk: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
