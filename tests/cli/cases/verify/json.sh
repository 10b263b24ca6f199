. data/common.sh
copy r4_multi_unicode.raiiaf latent.raiiaf && flip latent.raiiaf 5000
raiiaf verify --json v/g2_f16_zstd.gen5 latent.raiiaf nothing.raiiaf
