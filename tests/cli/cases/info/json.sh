raiiaf info --json v/r4_multi_unicode.raiiaf v/g3_f32_raw.gen5
