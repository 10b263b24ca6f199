raiiaf convert --json v/r5_no_image.raiiaf out.raiiaf --compress zstd
