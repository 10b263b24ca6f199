raiiaf --help
