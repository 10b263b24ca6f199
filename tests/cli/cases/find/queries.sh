# Field filters, full text, damaged files, duplicates and same noise over the shared vectors.
mkdir -p out/sub
cp v/*.raiiaf v/*.gen5 out/
cp v/r1_f32_raw.raiiaf out/sub/copy.raiiaf
printf 'not an artifact' > out/bad.raiiaf
raiiaf index out --db cat.sqlite > /dev/null 2>&1
raiiaf find --db cat.sqlite
raiiaf find --db cat.sqlite layout:gen5 seed:1337 --paths
raiiaf find --db cat.sqlite --sort -date --paths -- 'steps>=30' -tag:nothing 'sampler:euler*'
raiiaf find --db cat.sqlite 'cyberpunk -layout:gen5 latent.dtype:float16' --paths
raiiaf find --db cat.sqlite state:damaged
raiiaf find --db cat.sqlite --duplicates
raiiaf find --db cat.sqlite --same-noise out/r1_f32_raw.raiiaf --paths
raiiaf find --db cat.sqlite seed:1337 layout:gen5 --json
