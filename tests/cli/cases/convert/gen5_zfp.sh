raiiaf convert v/r1_f32_raw.raiiaf out.gen5 --format gen5 --compress zfp
