raiiaf create --help
