// A small parallel-for for the writer: independent jobs on a few threads.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <functional>
#include <vector>

RAIIAF_DETAIL_NAMESPACE_BEGIN

// The machine's cores (read once).
[[nodiscard]] unsigned core_count() noexcept;

// Runs every job once on up to `threads` threads: the caller takes them from
// the front, in order, helpers from the back, never one of the first
// `caller_only`. A caller whose helpers are slow to get a core (a busy
// machine) runs the jobs itself and waits only for those already started.
// Rethrows the first failure in job order.
void run_jobs(const std::vector<std::function<void()>>& jobs, unsigned threads, std::size_t caller_only = 0);

RAIIAF_DETAIL_NAMESPACE_END
