raiiaf env diff --help
