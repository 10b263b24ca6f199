raiiaf info v
