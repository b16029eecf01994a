#pragma once
// The progress line of the commands that train many runs (rerank,
// lr-search): a bar with runs/hour and ETA on a terminal, one line per
// finished run otherwise (logs, CI).
#include "nasrank/rerank/rerank.h"

namespace nasrank::cli {

void draw_progress(const rerank::Progress& progress, bool terminal);

}  // namespace nasrank::cli
