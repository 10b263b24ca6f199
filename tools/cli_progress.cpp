#include "cli_progress.hpp"

#include <unistd.h>

#include <iostream>
#include <string>

#include "cli_text.hpp"

namespace raiiaf_cli {

Progress::Progress(std::size_t total) : total_(total), enabled_(total > 1 && ::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { clear(); }

void Progress::show(std::size_t done, std::string_view label) {
    if (!enabled_) return;
    constexpr std::size_t kBarWidth = 24;
    const std::size_t filled = total_ == 0 ? kBarWidth : done * kBarWidth / total_;
    std::string line = "\r\033[K[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "] " +
                       std::to_string(done) + "/" + std::to_string(total_) + " ";
    line += keep_end(printable(label), 48);  // long names keep their end
    std::cout.flush();
    std::cerr << line << std::flush;
    drawn_ = true;
}

void Progress::clear() {
    if (!drawn_) return;
    std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
}

}  // namespace raiiaf_cli
