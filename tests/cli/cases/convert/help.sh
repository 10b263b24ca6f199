raiiaf convert --help
