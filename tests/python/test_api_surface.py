"""The names, signatures and module paths of PYTHON_API.md exist as documented, and every public
callable has a docstring."""

from __future__ import annotations

import importlib
import inspect

import pytest

import gen5
import raiiaf

LEGACY_MODULES = {
    "raiiaf": {
        "": ["raiiafFileHandler"],
        ".main": ["raiiafFileHandler"],
        ".handlers.file_handler": ["raiiafFileHandler"],
        ".core.exceptions": ["raiiafDecodeError", "raiiafCorruptHeader", "raiiafMetadataError", "raiiafChunkError",
                             "raiiafLatentError", "raiiafImageError", "raiiafEnvChunkError"],
        ".core.header": ["header_init", "header_parse", "header_validate"],
        ".core.constants": ["HEADER_FORMAT", "HEADER_SIZE", "MAX_FILE_SIZE", "MAX_CHUNK_SIZE", "MAX_CHUNKS",
                            "JSON_SCHEMA"],
        ".chunks.metadata": ["raiiafMetadata"],
        ".chunks.latent": ["raiiafLatent"],
        ".chunks.image": ["raiiafImage"],
        ".chunks.env": ["raiiafEnv"],
    },
    "gen5": {
        "": ["Gen5FileHandler"],
        ".main": ["Gen5FileHandler"],
        ".handlers.file_handler": ["Gen5FileHandler"],
        ".core.exceptions": ["Gen5DecodeError", "Gen5CorruptHeader", "Gen5MetadataError", "Gen5ChunkError",
                             "Gen5LatentError", "Gen5ImageError", "Gen5EnvChunkError"],
        ".core.header": ["header_init", "header_parse", "header_validate"],
        ".core.constants": ["HEADER_FORMAT", "HEADER_SIZE", "MAX_FILE_SIZE", "MAX_CHUNK_SIZE", "MAX_CHUNKS",
                            "JSON_SCHEMA"],
        ".chunks.metadata": ["Gen5Metadata"],
        ".chunks.latent": ["Gen5Latent"],
        ".chunks.image": ["Gen5Image"],
        ".chunks.env": ["Gen5Env"],
    },
}
MODULES = [package + suffix for package, table in LEGACY_MODULES.items() for suffix in table]


@pytest.mark.parametrize("package", sorted(LEGACY_MODULES))
def test_documented_names(package):
    top = importlib.import_module(package)
    for suffix, names in LEGACY_MODULES[package].items():
        module = importlib.import_module(package + suffix)
        for name in names:
            assert hasattr(module, name), f"{package}{suffix}.{name}"
        # As in the existing package, the import of the top-level package makes them reachable.
        node = top
        for part in filter(None, suffix.split(".")):
            node = getattr(node, part)
        assert node is module
    handler_name = LEGACY_MODULES[package][""][0]
    assert getattr(top, handler_name) is getattr(importlib.import_module(package + ".main"), handler_name)


@pytest.mark.parametrize("Handler", [raiiaf.raiiafFileHandler, gen5.Gen5FileHandler])
def test_handler_signatures(Handler):
    assert [(p.name, p.default) for p in inspect.signature(Handler).parameters.values()] == [
        ("max_file_size", None), ("max_chunk_size", None)]
    encoder = inspect.signature(Handler.file_encoder).parameters
    assert [(p.name, p.default) for p in encoder.values()] == [
        ("self", inspect.Parameter.empty), ("filename", inspect.Parameter.empty),
        ("latent", inspect.Parameter.empty), ("chunk_records", inspect.Parameter.empty),
        ("model_name", inspect.Parameter.empty), ("model_version", inspect.Parameter.empty),
        ("prompt", inspect.Parameter.empty), ("tags", inspect.Parameter.empty), ("img_binary", inspect.Parameter.empty),
        ("should_compress", True), ("convert_float16", True), ("generation_settings", None),
        ("hardware_info", None), ("extra_image", None)]
    assert list(inspect.signature(Handler.file_decoder).parameters) == ["self", "filename"]
    h = Handler()
    assert (h.max_file_size, h.max_chunk_size) == (10 * 1024 ** 3, 2 * 1024 ** 3)
    for helper in ("latent", "image", "metadata", "env"):
        assert getattr(h, helper) is not None


@pytest.mark.parametrize("package,size,fmt", [("raiiaf", 33, "<6sBBBIIIQI"), ("gen5", 32, "<4sBBHIIIIQ")])
def test_constants(package, size, fmt):
    constants = importlib.import_module(package + ".core.constants")
    assert (constants.HEADER_SIZE, constants.HEADER_FORMAT, constants.MAX_CHUNKS) == (size, fmt, 1000)
    header = importlib.import_module(package + ".core.header")
    assert list(inspect.signature(header.header_init).parameters) == [
        "version_major", "version_minor", "flags", "chunk_table_offset", "chunk_table_size", "chunk_count",
        "file_size", "reserved"]


def test_pythonic_signatures():
    save = inspect.signature(raiiaf.save).parameters
    assert list(save)[:9] == ["path", "image", "latents", "prompt", "model", "model_version", "settings", "tags",
                              "hardware"]
    assert list(inspect.signature(raiiaf.open).parameters) == ["source", "verify_hashes", "limits", "copy"]
    for attribute in ("metadata", "image_bytes", "image", "latents", "env", "drift", "verify", "__enter__",
                      "__exit__", "close"):
        assert hasattr(raiiaf.Artifact, attribute)


def _public(module):
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        value = getattr(module, name)
        if inspect.isclass(value) or callable(value):
            yield name, value


@pytest.mark.parametrize("module_name", MODULES + ["raiiaf.api", "raiiaf._raiiaf"])
def test_docstrings(module_name):
    module = importlib.import_module(module_name)
    assert inspect.getdoc(module)
    missing = []
    for name, value in _public(module):
        if not inspect.getdoc(value):
            missing.append(name)
        if inspect.isclass(value):
            for attribute, member in vars(value).items():
                if attribute.startswith("_"):
                    continue
                if (callable(member) or isinstance(member, (property, classmethod, staticmethod))) and \
                        not inspect.getdoc(getattr(value, attribute)):
                    missing.append(f"{name}.{attribute}")
    assert missing == []
