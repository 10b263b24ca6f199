# A mixed folder: indexed, re-indexed unchanged, then a file moved and one deleted.
mkdir -p out/sub
cp v/r1_f32_raw.raiiaf v/g1_f32_zstd.gen5 v/r5_no_image.raiiaf out/
cp v/r1_f32_raw.raiiaf out/sub/copy.raiiaf
printf 'not an artifact' > out/bad.raiiaf
printf 'ignored' > out/notes.txt
raiiaf index out --db cat.sqlite
raiiaf index out --db cat.sqlite
mv out/r5_no_image.raiiaf out/sub/moved.raiiaf
rm out/sub/copy.raiiaf
raiiaf index out --db cat.sqlite -j 1 --json
