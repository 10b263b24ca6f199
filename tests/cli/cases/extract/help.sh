raiiaf extract --help
