raiiaf env diff
