# golden: mask sizes of compressed data
raiiaf convert --json v/r5_no_image.raiiaf out.raiiaf --compress zstd
raiiaf verify out.raiiaf
