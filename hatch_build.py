"""Hatch build hook: force-include the optional resource folders that exist.

`ontology/` and `data/` are force-included statically in pyproject.toml;
`shapes/` and `queries/` are added here only when present, so the wheel
builds at every stage of the project.
"""

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

OPTIONAL = ("shapes", "queries")


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        for name in OPTIONAL:
            if (root / name).is_dir():
                build_data["force_include"][str(root / name)] = f"nlsc/_resources/{name}"
