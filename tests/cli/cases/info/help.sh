raiiaf info --help
