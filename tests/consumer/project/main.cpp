// Opens a file through an installed raiiaf: exit 0 if it reads and verifies.
#include <raiiaf/raiiaf.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const auto reader = raiiaf::Reader::open(argv[1]);
    std::cout << reader.model_info().model_name << ", " << reader.latents().size() << " latent(s)\n";
    return raiiaf::check_file(argv[1]).ok() ? 0 : 1;
}
