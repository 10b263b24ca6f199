# EXIF and XMP go through the exiv2 plugin, loaded on first use: a missing or
# broken plugin is a clear error naming it, and commands that need no EXIF or
# XMP still work.
. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent initial_noise="$noise" "${meta[@]}" --seed 1337 --steps 30 --sampler euler "${fixed[@]}" > /dev/null
RAIIAF_EXIV2_PLUGIN=/nonexistent/libraiiaf_exiv2.so raiiaf export cat.raiiaf -o cat.png
echo "exit $?"
RAIIAF_EXIV2_PLUGIN=data/env.json raiiaf export cat.raiiaf -o cat.png
echo "exit $?"
test -e cat.png || echo "no cat.png written"
RAIIAF_EXIV2_PLUGIN=/nonexistent/libraiiaf_exiv2.so raiiaf info cat.raiiaf > /dev/null
echo "exit $?"
raiiaf export cat.raiiaf -o cat.png > /dev/null
echo "exit $?"
