raiiaf verify --help
