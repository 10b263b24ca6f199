"""Installs the packages raiiaf and gen5 from python/, with the compiled module raiiaf._raiiaf
built by the project's own CMake build (the metadata is in pyproject.toml). Needs cmake, a C++20
compiler and the libraries of scripts/install-deps.sh; CMAKE_BUILD_PARALLEL_LEVEL sets the
build's parallelism."""

import os
import pathlib
import re
import subprocess
import sys

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent
# setuptools' default build/ is the CMake build folder of the README: use another.
BUILD_BASE = "build-pip"


def project_version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(raiiaf\s+VERSION\s+([0-9.]+)", text).group(1)


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = pathlib.Path(self.build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}",
            "-DRAIIAF_BUILD_TESTS=OFF", "-DRAIIAF_BUILD_TOOLS=ON", "-DRAIIAF_BUILD_BENCH=OFF",
        ]
        if subprocess.run(["ninja", "--version"], capture_output=True).returncode == 0:
            configure += ["-G", "Ninja"]
        subprocess.run(configure, check=True)
        build = ["cmake", "--build", str(build_dir), "--target", "_raiiaf", "raiiaf_cli"]
        if "CMAKE_BUILD_PARALLEL_LEVEL" not in os.environ:
            build += ["--parallel", str(os.cpu_count() or 1)]
        subprocess.run(build, check=True)
        built = build_dir / "python" / self.get_ext_filename(ext.name)
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(built), str(target))
        # The exiv2 plugin, looked for beside the module and beside the CLI
        # (src/image/exiv2_loader.hpp).
        plugin = build_dir / "python" / "raiiaf" / "libraiiaf_exiv2.so"
        self.copy_file(str(plugin), str(target.parent / plugin.name))
        # The `raiiaf` command (pyproject.toml's [project.scripts]) runs this binary.
        cli = target.parent / "_bin" / "raiiaf"
        cli.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(build_dir / "bin" / "raiiaf"), str(cli))
        os.chmod(cli, 0o755)
        self.copy_file(str(plugin), str(cli.parent / plugin.name))


os.makedirs(ROOT / BUILD_BASE, exist_ok=True)
# Configured here rather than in pyproject.toml, where setuptools < 68 calls it beta and warns.
setup(
    version=project_version(),
    package_dir={"": "python"},
    packages=find_packages("python", include=["raiiaf", "raiiaf.*", "gen5", "gen5.*"]),
    package_data={"": ["py.typed", "*.pyi"]},
    zip_safe=False,
    ext_modules=[CMakeExtension("raiiaf._raiiaf")],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": BUILD_BASE}, "egg_info": {"egg_base": BUILD_BASE}},
)
