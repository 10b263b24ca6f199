# Chunks of unknown types are copied as stored.
# golden: mask sizes of compressed data
raiiaf_test_add_chunk v/r5_no_image.raiiaf extra.raiiaf XTRA "kept as is"
raiiaf convert extra.raiiaf out.gen5 --format gen5 --json
raiiaf verify out.gen5
raiiaf info out.gen5 | grep -A4 '^chunks'
