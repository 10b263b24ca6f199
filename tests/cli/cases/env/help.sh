raiiaf env --help
