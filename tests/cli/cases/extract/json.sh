raiiaf extract --json v/r5_no_image.raiiaf -o out
