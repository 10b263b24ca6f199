# golden: mask sizes of compressed data
echo "keep me" > out.raiiaf
raiiaf convert v/r5_no_image.raiiaf out.raiiaf
echo "exit $?"
cat out.raiiaf
raiiaf convert v/r5_no_image.raiiaf out.raiiaf --force
raiiaf verify out.raiiaf
