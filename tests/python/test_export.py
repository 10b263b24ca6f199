"""Issue 15: export to PNG/JPEG/WebP, optionally embedding the whole artifact.

What each test checks with the real tool that reads the result: PIL (pixels, text chunks,
EXIF), exiftool (XMP-iptcExt tags; an edit that keeps ancillary data), Chromium (the image
decodes and shows the same pixels as the stored one), and a test implementation of
AUTOMATIC1111's infotext parser written from its documented rules (A1111 itself, a web UI
with a GPU stack, cannot run here; the parser below follows modules/infotext_utils.py:
``parse_generation_parameters``, ``re_param``, ``unquote`` and ``quote``).
"""

from __future__ import annotations

import base64
import io
import json
import pathlib
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

import raiiaf

# ---- A1111's infotext parser (test implementation of its documented rules) -------------

RE_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
RE_IMAGESIZE = re.compile(r"^(\d+)x(\d+)$")


def a1111_unquote(text: str) -> str:
    if len(text) == 0 or text[0] != '"' or text[-1] != '"':
        return text
    try:
        return json.loads(text)
    except Exception:
        return text


def a1111_parse(x: str) -> dict:
    """parse_generation_parameters: prompt lines, then "Negative prompt:" lines, then one
    line of "key: value" pairs (only when it holds three or more of them)."""
    res: dict = {}
    prompt = ""
    negative_prompt = ""
    done_with_prompt = False
    *lines, lastline = x.strip().split("\n")
    if len(RE_PARAM.findall(lastline)) < 3:
        lines.append(lastline)
        lastline = ""
    for line in lines:
        line = line.strip()
        if line.startswith("Negative prompt:"):
            done_with_prompt = True
            line = line[16:].strip()
        if done_with_prompt:
            negative_prompt += ("" if negative_prompt == "" else "\n") + line
        else:
            prompt += ("" if prompt == "" else "\n") + line
    for k, v in RE_PARAM.findall(lastline):
        if v and v[0] == '"' and v[-1] == '"':
            v = a1111_unquote(v)
        m = RE_IMAGESIZE.match(v)
        if m is not None:
            res[f"{k}-1"] = m.group(1)
            res[f"{k}-2"] = m.group(2)
        else:
            res[k] = v
    res["Prompt"] = prompt
    res["Negative prompt"] = negative_prompt
    return res


def user_comment(exif: Image.Exif) -> str:
    """EXIF UserComment as A1111 reads it (piexif.helper.UserComment.load)."""
    raw = exif.get_ifd(0x8769)[0x9286]
    assert raw[:8] == b"UNICODE\0", raw[:8]
    return raw[8:].decode("utf-16-be")


def a1111_read(path: pathlib.Path) -> str:
    """Where A1111's "PNG Info" looks: PNG text "parameters", else EXIF UserComment."""
    with Image.open(path) as im:
        if "parameters" in im.info:
            return im.info["parameters"]
        return user_comment(im.getexif())


# ---- artifacts with PNG, JPEG and WebP images --------------------------------------------

def gradient(size=(48, 32)) -> Image.Image:
    w, h = size
    x = np.linspace(0, 255, w, dtype=np.uint8)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.uint8)[:, None].repeat(w, 1)
    return Image.fromarray(np.stack([x, y, 255 - x], axis=-1), "RGB")


def encoded(fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "png":
        gradient().save(buf, format="PNG")
    elif fmt == "jpeg":
        gradient().save(buf, format="JPEG", quality=90)
    elif fmt == "webp":
        gradient().save(buf, format="WEBP", quality=80)
    elif fmt == "webp-lossless":
        gradient().convert("RGBA").save(buf, format="WEBP", lossless=True)
    return buf.getvalue()


EXTENSION = {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "webp-lossless": ".webp"}
FORMATS = list(EXTENSION)

PROMPT = 'a cat, in "neon" goggles: 50% off\nsecond line, with a comma\n  third: \\backslash'
NEGATIVE = "blurry, low quality\nwatermark: text"
SAMPLER = 'DPM++ 2M "SDE", v2: fast'  # a value A1111 must quote (comma, colon) and unquote
SETTINGS = {"seed": 4_294_967_297, "steps": 28, "sampler": SAMPLER, "scheduler": "Karras",
            "cfg_scale": 6.5, "negative_prompt": NEGATIVE, "width": 1024, "height": 768}


def make_artifact(tmp_path: pathlib.Path, fmt: str, prompt=PROMPT, settings=None) -> pathlib.Path:
    noise = np.random.default_rng(15).standard_normal((1, 4, 6, 4)).astype(np.float32)
    path = tmp_path / f"art-{fmt}.raiiaf"
    raiiaf.save(path, image=encoded(fmt), latents={"initial_noise": noise, "x0": noise[:, :2] * 2},
                prompt=prompt, model="Stable Diffusion XL", model_version="1.0",
                settings=SETTINGS if settings is None else settings, tags=["cat"])
    return path


@pytest.fixture(params=FORMATS)
def fmt(request) -> str:
    return request.param


# ---- the tests -------------------------------------------------------------------------

def test_pixels_are_identical_and_pil_opens_the_export(tmp_path, fmt):
    art = make_artifact(tmp_path, fmt)
    for embed in (False, True):
        out = raiiaf.open(art).export(tmp_path / f"out-{embed}{EXTENSION[fmt]}", embed=embed)
        with Image.open(io.BytesIO(encoded(fmt))) as original, Image.open(out) as exported:
            assert exported.format == original.format
            assert exported.size == original.size
            assert exported.tobytes() == original.tobytes()


def test_a1111_parser_reads_every_value_back(tmp_path, fmt):
    out = raiiaf.open(make_artifact(tmp_path, fmt)).export(tmp_path / ("out" + EXTENSION[fmt]))
    params = a1111_parse(a1111_read(out))
    # A1111 strips each line of the prompt (its own rule), nothing else is lost.
    assert params["Prompt"] == "\n".join(line.strip() for line in PROMPT.split("\n"))
    assert params["Negative prompt"] == NEGATIVE
    assert params["Steps"] == "28"
    assert params["Sampler"] == SAMPLER
    assert params["Schedule type"] == "Karras"
    assert float(params["CFG scale"]) == 6.5
    assert int(params["Seed"]) == 4_294_967_297
    assert (params["Size-1"], params["Size-2"]) == ("1024", "768")
    assert params["Model"] == "Stable Diffusion XL"


@pytest.mark.parametrize("prompt", [
    "plain prompt",
    "Steps: 3, Sampler: fake, Seed: 1",  # looks like a parameters line
    'quotes " and, commas: "everywhere"',
    "ünïcödé, 猫, emoji 🐈: yes",  # not Latin-1: an iTXt chunk in PNG
])
def test_a1111_parser_with_awkward_prompts(tmp_path, prompt):
    settings = {"seed": 7, "steps": 20, "sampler": "Euler a"}
    for fmt in ("png", "jpeg"):
        out = raiiaf.open(make_artifact(tmp_path, fmt, prompt, settings)).export(tmp_path / ("p" + EXTENSION[fmt]))
        params = a1111_parse(a1111_read(out))
        assert params["Prompt"] == prompt
        assert params["Negative prompt"] == ""
        assert (params["Steps"], params["Sampler"], params["Seed"]) == ("20", "Euler a", "7")
        # Without width/height in the settings the size is the image's.
        assert (params["Size-1"], params["Size-2"]) == ("48", "32")


def test_non_latin1_parameters_go_in_an_itxt_chunk(tmp_path):
    out = raiiaf.open(make_artifact(tmp_path, "png", "猫")).export(tmp_path / "out.png")
    data = out.read_bytes()
    assert b"iTXtparameters\0" in data and b"tEXtparameters\0" not in data
    latin = raiiaf.open(make_artifact(tmp_path, "png", "café")).export(tmp_path / "latin.png")
    assert b"tEXtparameters\0" in latin.read_bytes()
    assert Image.open(latin).info["parameters"].startswith("café\n")


exiftool = shutil.which("exiftool")


def exif_tags(path: pathlib.Path) -> dict:
    result = subprocess.run([exiftool, "-j", "-G1", "-struct", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)[0]


@pytest.mark.skipif(exiftool is None, reason="exiftool (libimage-exiftool-perl) is required: scripts/install-deps.sh")
def test_exiftool_reports_the_iptc_ai_properties(tmp_path, fmt):
    out = raiiaf.open(make_artifact(tmp_path, fmt)).export(tmp_path / ("out" + EXTENSION[fmt]), embed=True)
    tags = exif_tags(out)
    assert "Warning" not in tags and "Error" not in tags, tags
    assert tags["XMP-iptcExt:DigitalSourceType"] == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    assert tags["XMP-iptcExt:AISystemUsed"] == "Stable Diffusion XL"
    assert str(tags["XMP-iptcExt:AISystemVersionUsed"]) == "1.0"
    assert tags["XMP-iptcExt:AIPromptInformation"] == PROMPT
    text = tags["PNG:Parameters"] if fmt == "png" else tags["ExifIFD:UserComment"]
    assert text.startswith("a cat, in")
    # Leaving the parts out leaves them out.
    bare = raiiaf.open(make_artifact(tmp_path, fmt)).export(tmp_path / ("bare" + EXTENSION[fmt]), xmp=False,
                                                             parameters=False)
    assert not any(key.startswith(("XMP", "ExifIFD", "PNG:Parameters")) for key in exif_tags(bare))


def test_embedded_artifact_round_trips_bit_exactly(tmp_path, fmt):
    art = make_artifact(tmp_path, fmt)
    out = raiiaf.open(art).export(tmp_path / ("out" + EXTENSION[fmt]), embed=True)
    with raiiaf.open(art) as original, raiiaf.open(out) as embedded:
        assert embedded.verify()
        assert embedded.metadata == original.metadata
        for name in original.latents:
            a, b = original.latents[name], embedded.latents[name]
            assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
        assert embedded.image_bytes == original.image_bytes
    assert raiiaf.check(out) == []
    assert raiiaf.check(out.read_bytes()) == []
    # Opened from bytes and exported again (re-export replaces the embedded copy).
    again = raiiaf.open(out.read_bytes()).export(tmp_path / ("again" + EXTENSION[fmt]), embed=True)
    assert raiiaf.open(again).latents["x0"].tobytes() == raiiaf.open(art).latents["x0"].tobytes()
    assert again.read_bytes() == out.read_bytes()


def test_a_plain_image_has_no_embedded_artifact(tmp_path, fmt):
    out = raiiaf.open(make_artifact(tmp_path, fmt)).export(tmp_path / ("plain" + EXTENSION[fmt]))
    with pytest.raises(raiiaf.raiiafCorruptHeader, match="no embedded artifact"):
        raiiaf.open(out)
    problems = raiiaf.check(out)
    assert len(problems) == 1 and "no embedded artifact" in str(problems[0])


def test_a_tool_that_strips_ancillary_data_leaves_no_embedded_artifact(tmp_path):
    out = raiiaf.open(make_artifact(tmp_path, "png")).export(tmp_path / "out.png", embed=True)
    stripped = tmp_path / "stripped.png"
    Image.open(out).save(stripped)  # PIL drops chunks it does not know
    with pytest.raises(raiiaf.raiiafCorruptHeader, match="no embedded artifact"):
        raiiaf.open(stripped)


@pytest.mark.skipif(exiftool is None, reason="exiftool (libimage-exiftool-perl) is required: scripts/install-deps.sh")
def test_an_exiftool_edit_keeps_the_artifact_verified(tmp_path, fmt):
    art = make_artifact(tmp_path, fmt)
    out = raiiaf.open(art).export(tmp_path / ("out" + EXTENSION[fmt]), embed=True)
    before = out.read_bytes()
    result = subprocess.run([exiftool, "-overwrite_original", "-XMP-dc:Title=edited by exiftool",
                             "-Artist=someone", str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() != before
    assert exif_tags(out)["XMP-dc:Title"] == "edited by exiftool"
    with raiiaf.open(out) as embedded:
        assert embedded.verify()
        assert embedded.latents["initial_noise"].tobytes() == raiiaf.open(art).latents["initial_noise"].tobytes()


def test_comfyui_prompt_and_workflow_are_written_back(tmp_path):
    """As ComfyUI writes them (nodes.py SaveImage / SaveAnimatedWEBP) and its front end reads
    them on drop: PNG tEXt "prompt"/"workflow"; WebP EXIF Model "prompt:<json>", Make "workflow:<json>"."""
    graph = json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 20}}})
    workflow = json.dumps({"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}]})
    settings = {"seed": 5, "steps": 20, "sampler": "euler", "imported_metadata": [
        {"source": "png:tEXt", "key": "prompt", "text": graph},
        {"source": "png:tEXt", "key": "workflow", "text": workflow},
    ]}
    png = raiiaf.open(make_artifact(tmp_path, "png", "x", settings)).export(tmp_path / "comfy.png")
    with Image.open(png) as im:
        assert im.info["prompt"] == graph and im.info["workflow"] == workflow
        assert json.loads(im.info["prompt"])["3"]["class_type"] == "KSampler"
    webp = raiiaf.open(make_artifact(tmp_path, "webp", "x", settings)).export(tmp_path / "comfy.webp")
    with Image.open(webp) as im:
        exif = im.getexif()
        assert exif[0x0110] == "prompt:" + graph
        assert exif[0x010F] == "workflow:" + workflow
    # --no-parameters leaves them out.
    bare = raiiaf.open(make_artifact(tmp_path, "png", "x", settings)).export(tmp_path / "bare.png", parameters=False)
    assert "prompt" not in Image.open(bare).info


def test_the_output_must_name_the_stored_format(tmp_path):
    art = raiiaf.open(make_artifact(tmp_path, "jpeg"))
    with pytest.raises(raiiaf.InvalidArgument, match=r"image is jpeg.*\.jpg or \.jpeg"):
        art.export(tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()
    assert art.export(tmp_path / "out.JPEG").exists()


def test_an_artifact_without_image_cannot_be_exported(tmp_path):
    path = tmp_path / "noimage.raiiaf"
    raiiaf.save(path, latents={"a": np.zeros(3, np.float32)}, prompt="p")
    with pytest.raises(raiiaf.raiiafImageError):
        raiiaf.open(path).export(tmp_path / "x.png")


chromium = shutil.which("chromium")


@pytest.mark.skipif(chromium is None, reason="chromium is required: scripts/install-deps.sh")
def test_chromium_shows_the_same_pixels(tmp_path):
    """Chromium decodes each exported image (embedded artifact included) and the stored
    original in the same page and hashes their pixels on a canvas: they must match."""
    pairs = []
    for fmt in FORMATS:
        out = raiiaf.open(make_artifact(tmp_path, fmt)).export(tmp_path / (fmt + EXTENSION[fmt]), embed=True)
        mime = {"png": "image/png", "jpeg": "image/jpeg"}.get(fmt, "image/webp")
        pairs.append((fmt, mime, base64.b64encode(encoded(fmt)).decode(), base64.b64encode(out.read_bytes()).decode()))
    page = tmp_path / "page.html"
    images = ",".join(f'["{f}","data:{m};base64,{a}","data:{m};base64,{b}"]' for f, m, a, b in pairs)
    page.write_text("""<html><body><pre id="result">pending</pre><script>
function pixels(src) {
  return new Promise(done => {
    const img = new Image();
    img.onload = () => {
      const c = document.createElement("canvas"); c.width = img.naturalWidth; c.height = img.naturalHeight;
      const g = c.getContext("2d"); g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let h = 2166136261;
      for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619) >>> 0;
      done(c.width + "x" + c.height + ":" + h);
    };
    img.onerror = () => done("decode-error");
    img.src = src;
  });
}
Promise.all([""" + images + """].map(([f, a, b]) => Promise.all([pixels(a), pixels(b)]).then(([x, y]) => f + "=" + x + "|" + y)))
  .then(r => { document.getElementById("result").textContent = r.join(" "); });
</script></body></html>""")
    result = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                             "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="result">([^<]*)</pre>', result.stdout)
    assert found, result.stdout[-2000:] + result.stderr[-2000:]
    entries = dict(item.split("=", 1) for item in found.group(1).split())
    assert sorted(entries) == sorted(FORMATS), found.group(1)
    for fmt, value in entries.items():
        original, exported = value.split("|")
        assert original.startswith("48x32:"), (fmt, value)
        assert exported == original, (fmt, value)


INTEROP = pathlib.Path(__file__).resolve().parent.parent / "data" / "interop"


@pytest.mark.parametrize("name", ["enslo_comfyui-animated-webp.webp", "enslo_forge-neo.jpeg", "enslo_swarmui.png"])
def test_generator_images_keep_their_own_metadata(tmp_path, name):
    """A real generator's image as the stored image: its pixels and its other metadata (ComfyUI's
    EXIF Make/Model graphs, the camera-less EXIF tags of Forge, SwarmUI's text chunks) survive,
    the parameters become ours, and the artifact still reads back."""
    source = INTEROP / name
    art = tmp_path / "gen.raiiaf"
    raiiaf.save(art, image=source.read_bytes(), latents={"n": np.ones((1, 4, 2, 2), np.float32)},
                prompt="new, prompt", model="m", model_version="1", settings={"seed": 3, "steps": 4, "sampler": "s"})
    out = raiiaf.open(art).export(tmp_path / ("out" + source.suffix), embed=True)
    with Image.open(source) as before, Image.open(out) as after:
        assert after.tobytes() == before.tobytes()
        old_exif, new_exif = before.getexif(), after.getexif()
        for tag in (0x010F, 0x0110):  # Make, Model
            assert new_exif.get(tag) == old_exif.get(tag)
        kept = {k: v for k, v in before.info.items() if isinstance(v, str) and k not in ("parameters",)}
        assert {k: after.info.get(k) for k in kept} == kept
    assert a1111_parse(a1111_read(out))["Prompt"] == "new, prompt"
    assert raiiaf.open(out).latents["n"].tobytes() == np.ones((1, 4, 2, 2), np.float32).tobytes()
