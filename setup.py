"""Build hook: the package carries compiled catalogues (.mo), made from the .po files as it is built."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    """`pybabel compile` before the files are copied: a wheel or install never lacks a language's .mo."""

    def run(self) -> None:
        from babel.messages.frontend import CommandLineInterface

        locale_dir = Path(__file__).resolve().parent / "bot" / "locale"
        if any(locale_dir.glob("*/LC_MESSAGES/codev.po")):
            CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(locale_dir), "-D", "codev"])
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
