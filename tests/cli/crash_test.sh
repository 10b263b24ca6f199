#!/usr/bin/env bash
# Crash safety of the CLI's writes (issue 7): create, convert and edit work on
# a large artifact (32 MiB of noise) and are killed with SIGKILL at random
# moments, many times. After every kill the path must hold the old file or the
# new one, intact (raiiaf verify), and no temporary file may remain beside it
# but the documented residual: a complete one, named just before the rename.
#
# usage: crash_test.sh RAIIAF RAIIAF_SAMPLE [KILLS [SECONDS]]
set -euo pipefail

raiiaf=$1
sample=$2
kills=${3:-100}
budget=${4:-60}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$sample" "$work/in" 7 1x8x1024x1024 >/dev/null
dir=$work/out
mkdir "$dir"
target=$dir/art.raiiaf

common=(--latent initial_noise="$work/in/noise.npy" --model "SD 3" --model-version 3.0 --tag crash)
"$raiiaf" create "$work/in/image.png" -o "$target" --prompt base "${common[@]}" >/dev/null
"$raiiaf" create "$work/in/image.png" -o "$work/source.raiiaf" --prompt source "${common[@]}" >/dev/null

# operation N PROMPT: sets cmd to operation N, which leaves PROMPT in the target.
operation() {
  case $1 in
    0) cmd=("$raiiaf" create "$work/in/image.png" -o "$target" --force --prompt "$2" "${common[@]}") ;;
    1) cmd=("$raiiaf" convert "$work/source.raiiaf" "$target" --force --compress shuffle-zstd) ;;
    2) cmd=("$raiiaf" edit "$target" --prompt "$2") ;;
  esac
}
prompt_of() { "$raiiaf" info "$1" | sed -n 's/^prompt  *//p'; }
now_us() { echo $(($(date +%s%N) / 1000)); }

# How long each operation takes here, so that the kills land inside it.
durations=()
for op in 0 1 2; do
  operation "$op" calibrate
  start=$(now_us)
  "${cmd[@]}" >/dev/null
  durations[op]=$(($(now_us) - start))
done
echo "durations (us): create ${durations[0]}, convert ${durations[1]}, edit ${durations[2]}"

fail() {
  echo "FAIL after kill $1: $2" >&2
  ls -la "$dir" >&2
  exit 1
}

known=$(prompt_of "$target")
killed=0
finished=0
named=0
deadline=$(($(now_us) + budget * 1000000))
for ((i = 1; i <= kills && $(now_us) < deadline; ++i)); do
  op=$((RANDOM % 3))
  new=$known
  case $op in
    0) new="created $i" ;;
    1) new=source ;;
    2) new="edited $i" ;;
  esac
  operation "$op" "$new"
  "${cmd[@]}" >/dev/null 2>&1 &
  pid=$!
  # A random moment from start-up to a little past the usual end.
  delay=$((RANDOM * 32768 + RANDOM))
  delay=$((delay % (durations[op] * 5 / 4 + 1)))
  sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
  kill -KILL "$pid" 2>/dev/null || true
  status=0
  wait "$pid" 2>/dev/null || status=$?
  case $status in
    0) finished=$((finished + 1)) ;;
    137) killed=$((killed + 1)) ;;
    *) fail "$i" "operation $op exited with $status" ;;
  esac

  if ! report=$("$raiiaf" verify "$target" 2>&1); then fail "$i" "$report"; fi
  leftovers=$(find "$dir" -mindepth 1 ! -name art.raiiaf)
  if [ -n "$leftovers" ]; then
    # The one documented residual (docs/SECURITY.md): a kill between naming the
    # finished temporary file and the rename. Such a file is complete, so it
    # must verify; any other leftover is a failure.
    [ "$status" -eq 137 ] || fail "$i" "temporary files remain after a finished run: $leftovers"
    for leftover in $leftovers; do
      case ${leftover##*/} in
        .art.raiiaf.tmp-*) ;;
        *) fail "$i" "unexpected file remains: $leftover" ;;
      esac
      "$raiiaf" verify "$leftover" >/dev/null 2>&1 || fail "$i" "an incomplete temporary file remains: $leftover"
      rm -f "$leftover"
    done
    named=$((named + 1))
  fi
  actual=$(prompt_of "$target")
  [ "$actual" = "$known" ] || [ "$actual" = "$new" ] ||
    fail "$i" "prompt is \"$actual\", expected the old \"$known\" or the new \"$new\""
  [ "$status" -ne 0 ] || [ "$actual" = "$new" ] || fail "$i" "operation $op finished but the file is the old one"
  known=$actual
done

echo "$((i - 1)) runs: $killed killed mid-way, $finished finished first; every file intact;" \
     "$named killed between naming the complete temporary file and the rename (it verified)"
[ "$killed" -gt 0 ] || { echo "FAIL: no run was killed mid-way" >&2; exit 1; }
