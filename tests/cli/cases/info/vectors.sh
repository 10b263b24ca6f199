raiiaf info v/*.raiiaf v/*.gen5
