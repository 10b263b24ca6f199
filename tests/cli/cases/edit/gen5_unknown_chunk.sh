# The layout and chunks of unknown types are kept.
# golden: mask sizes of compressed data
raiiaf_test_add_chunk v/g3_f32_raw.gen5 cat.gen5 XTRA "kept as is"
raiiaf edit cat.gen5 --prompt "a dog"
raiiaf info cat.gen5 | grep -E -A6 '^(format|chunks)'
raiiaf verify cat.gen5
