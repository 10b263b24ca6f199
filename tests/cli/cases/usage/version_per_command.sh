raiiaf info --version
raiiaf env diff --version
