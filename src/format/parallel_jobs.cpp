#include "format/parallel_jobs.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

RAIIAF_DETAIL_NAMESPACE_BEGIN

unsigned core_count() noexcept {
    static const unsigned cores = std::max(1u, std::thread::hardware_concurrency());  // reads /sys: once
    return cores;
}

void run_jobs(const std::vector<std::function<void()>>& jobs, unsigned threads, std::size_t caller_only) {
    std::vector<std::exception_ptr> errors(jobs.size());
    std::mutex mutex;
    std::size_t front = 0, back = jobs.size();
    const auto work = [&](bool caller) {
        for (;;) {
            std::size_t i = 0;
            {
                std::lock_guard lock(mutex);
                if (front == back || (!caller && back <= caller_only)) return;
                i = caller ? front++ : --back;
            }
            try {
                jobs[i]();
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    {
        std::vector<std::jthread> helpers;
        const std::size_t shared = jobs.size() - std::min(caller_only, jobs.size());
        for (std::size_t t = 0; t + 1 < threads && t < shared; ++t) helpers.emplace_back([&] { work(false); });
        work(true);
    }  // joins
    for (const auto& error : errors)
        if (error) std::rethrow_exception(error);
}

RAIIAF_DETAIL_NAMESPACE_END
