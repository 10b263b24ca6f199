raiiaf edit --help
