/* Opens a file through raiiaf's C API (raiiaf/raiiaf.h), compiled as C:
 * exit 0 if it reads and verifies. */
#include <raiiaf/raiiaf.h>

#include <stdio.h>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    raiiaf_reader* reader = NULL;
    if (raiiaf_reader_open(argv[1], NULL, &reader) != RAIIAF_OK) {
        fprintf(stderr, "%s\n", raiiaf_last_error_message());
        return 1;
    }
    const char* model = NULL;
    size_t latents = 0;
    const int ok = raiiaf_reader_model_field(reader, RAIIAF_FIELD_MODEL_NAME, &model) == RAIIAF_OK &&
                   raiiaf_reader_latent_count(reader, &latents) == RAIIAF_OK && raiiaf_reader_verify(reader) == RAIIAF_OK;
    if (ok) printf("%s, %zu latent(s)\n", model, latents);
    raiiaf_reader_close(reader);
    return ok ? 0 : 1;
}
