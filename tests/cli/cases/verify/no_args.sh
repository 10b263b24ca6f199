raiiaf verify
