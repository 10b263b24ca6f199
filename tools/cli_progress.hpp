// The progress bar of commands that work through many files.
#pragma once

#include <cstddef>
#include <string_view>

namespace raiiaf_cli {

// A one-line bar on stderr, drawn only when stderr is a terminal and there
// is more than one item. clear() before printing to stdout.
class Progress {
public:
    explicit Progress(std::size_t total);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    void show(std::size_t done, std::string_view label);
    void clear();

private:
    std::size_t total_;
    bool enabled_;
    bool drawn_ = false;
};

}  // namespace raiiaf_cli
