raiiaf info
