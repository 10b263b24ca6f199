raiiaf env diff nothing.raiiaf
