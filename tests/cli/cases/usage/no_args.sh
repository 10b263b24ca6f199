raiiaf
