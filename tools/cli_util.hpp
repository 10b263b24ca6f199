// Everything the raiiaf CLI's commands share, one header per job: commands
// and exit codes, errors, files, option values, reports about artifacts,
// text output, the progress bar.
#pragma once

#include "cli_commands.hpp"
#include "cli_errors.hpp"
#include "cli_files.hpp"
#include "cli_options.hpp"
#include "cli_progress.hpp"
#include "cli_reports.hpp"
#include "cli_text.hpp"
