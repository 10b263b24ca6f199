raiiaf verify nothing.raiiaf
