# Files already in DIR are kept unless --force is given; nothing is written then.
mkdir out
echo "keep me" > out/metadata.json
raiiaf extract v/r5_no_image.raiiaf -o out
echo "exit $?"
ls out
cat out/metadata.json
raiiaf extract v/r5_no_image.raiiaf -o out --force
