raiiaf info --bogus v/r1_f32_raw.raiiaf
