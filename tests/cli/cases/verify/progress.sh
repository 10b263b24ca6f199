# A progress bar on stderr when it is a terminal (script provides one), none otherwise.
script -qec "raiiaf verify v/r1_f32_raw.raiiaf v/r5_no_image.raiiaf" /dev/null | cat -v
script -qec "raiiaf info v/r5_no_image.raiiaf v/r5_no_image.raiiaf" /dev/null | cat -v | grep -o '\[[#-]*\] [0-9]/[0-9]'
raiiaf verify v/r1_f32_raw.raiiaf v/r5_no_image.raiiaf 2>&1 | cat -v
