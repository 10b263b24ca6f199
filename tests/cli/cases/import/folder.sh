# A folder of mixed images: a dry run prints one JSON line per input, an
# image without generator metadata is reported and skipped (not fatal), and
# the real import writes verified artifacts that keep the image byte for byte.
interop=data/../../data/interop
mkdir in in/sub
cp "$interop/sdparsers_invokeai_dream1.png" in/
cp "$interop/sdparsers_img2img_cropped.png" in/sub/
# A PNG without any text chunk: the Dream image with its tEXt chunk cut out.
python3 - "$interop/sdparsers_invokeai_dream1.png" in/plain.png <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
out, pos = data[:8], 8
while pos < len(data):
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    if data[pos + 4:pos + 8] != b"tEXt":
        out += data[pos:pos + 12 + length]
    pos += 12 + length
open(sys.argv[2], "wb").write(out)
PY
printf 'not an image' > in/broken.webp

echo "== dry run"
raiiaf import --dry-run --json in --stealth never
echo "exit $?"
ls in
echo "== import"
raiiaf import in --output-dir out
echo "exit $?"
find out -type f | sort
raiiaf verify out/sdparsers_invokeai_dream1.raiiaf out/sub/sdparsers_img2img_cropped.raiiaf
raiiaf extract out/sdparsers_invokeai_dream1.raiiaf -o x > /dev/null
cmp x/image.png in/sdparsers_invokeai_dream1.png && echo "image kept byte for byte"
echo "== unknown only is not an error"
raiiaf import --dry-run in/plain.png in/sdparsers_invokeai_dream1.png
echo "exit $?"
