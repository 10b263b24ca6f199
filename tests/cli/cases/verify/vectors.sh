raiiaf verify v/*.raiiaf v/*.gen5
