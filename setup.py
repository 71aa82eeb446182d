"""Package discovery plus runner.schemas, whose files live in the top-level schemas/ folder.

pyproject.toml cannot both discover packages and add one from another folder, so this
adds the one package that discovery cannot see; everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    # namespace discovery, so data folders such as templates/generic/versions are packages too
    packages=[*find_namespace_packages(include=["runner", "runner.*"], exclude=["*.__pycache__"]),
              "runner.schemas"],
    package_dir={"runner.schemas": "schemas"},
)
