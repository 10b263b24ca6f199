# Each kind of damage, one file each: header, manifest, every chunk type, truncation, extra bytes.
. data/common.sh
copy r4_multi_unicode.raiiaf magic.raiiaf && flip magic.raiiaf 1
copy r4_multi_unicode.raiiaf count.raiiaf && flip count.raiiaf 17
copy r4_multi_unicode.raiiaf latent.raiiaf && flip latent.raiiaf 5000
copy r4_multi_unicode.raiiaf envelope.raiiaf && flip envelope.raiiaf 4141
copy r4_multi_unicode.raiiaf image.raiiaf && flip image.raiiaf 8600
copy r4_multi_unicode.raiiaf env.raiiaf && flip env.raiiaf 9100
copy r4_multi_unicode.raiiaf manifest.raiiaf && flip manifest.raiiaf 9400
copy g1_f32_zstd.gen5 zstd.gen5 && flip zstd.gen5 30000
copy r3_f32_zfp.raiiaf zfp.raiiaf && flip zfp.raiiaf 30000
head -c 10000 v/r4_multi_unicode.raiiaf > truncated.raiiaf
cat v/r4_multi_unicode.raiiaf data/settings.json > appended.raiiaf
: > empty.raiiaf
raiiaf verify magic.raiiaf count.raiiaf latent.raiiaf envelope.raiiaf image.raiiaf env.raiiaf \
  manifest.raiiaf zstd.gen5 zfp.raiiaf truncated.raiiaf appended.raiiaf empty.raiiaf v/r1_f32_raw.raiiaf
