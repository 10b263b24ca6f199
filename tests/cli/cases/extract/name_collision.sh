# Latents whose safe file names collide each get a file of their own (issue 12).
. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}" \
    --latent "a_b_3=$noise" --latent "a_b=$noise" --latent "zzz=$noise" --latent "a/b=$noise" >/dev/null
raiiaf extract cat.raiiaf -o out >/dev/null
ls out
