"""Build step: compile the message catalogs into the package being built.

Everything else is declared in ``pyproject.toml``. The ``.mo`` files are build
output (not in git, see ``portal/catalogs.py``): a wheel gets them compiled
here; an editable install (``pip install -e .``) or a source checkout gets them
compiled by the app when it starts.
"""
import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _catalogs_module():
    # loaded by path: importing the ``portal`` package would need Flask at build time
    spec = importlib.util.spec_from_file_location("_portal_catalogs", ROOT / "portal" / "catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithCatalogs(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return  # the source tree is used as is; the app compiles on start
        built = Path(self.build_lib) / "portal" / "translations"
        _catalogs_module().compile_all(ROOT / "portal" / "translations", built, only_stale=False)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
