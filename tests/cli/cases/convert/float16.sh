# golden: mask sizes of compressed data
raiiaf convert v/r1_f32_raw.raiiaf half.raiiaf --float16
raiiaf info half.raiiaf | grep -A4 '^chunks'
raiiaf verify half.raiiaf
