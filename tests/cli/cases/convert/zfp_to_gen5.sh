# zfp does not exist in gen5: such latents become zstd unless --compress says otherwise.
# golden: mask sizes of compressed data
raiiaf convert v/r3_f32_zfp.raiiaf out.gen5 --format gen5
raiiaf info out.gen5 | grep -A4 '^chunks'
raiiaf verify out.gen5
