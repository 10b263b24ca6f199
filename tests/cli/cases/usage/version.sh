raiiaf --version
