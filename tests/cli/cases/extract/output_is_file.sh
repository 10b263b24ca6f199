echo text > out
raiiaf extract v/r5_no_image.raiiaf -o out
