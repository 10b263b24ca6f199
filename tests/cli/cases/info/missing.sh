raiiaf info nothing.raiiaf v/r5_no_image.raiiaf
