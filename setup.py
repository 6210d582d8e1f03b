"""Build hooks (everything else is in pyproject.toml): what the wheel carries that git holds once.

- GraphiQL's assets: fetched from the npm registry by tools/fetch_graphiql.py into web/graphiql/
  (not committed). A build that cannot fetch them goes on with a warning: GraphiQL then loads
  them from the CDN and the server says so at startup.
- The sample chain: tests/fixtures/sample-chain.tar.zst is copied into the wheel as
  cometgraph/sample-chain.tar.zst (an editable install reads it where it is).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SAMPLE = ROOT / "tests" / "fixtures" / "sample-chain.tar.zst"


def fetch_graphiql(cmd) -> None:
    script = ROOT / "tools" / "fetch_graphiql.py"
    if not script.is_file():
        cmd.warn(f"{script} is missing: GraphiQL will load its files from the CDN")
        return
    spec = importlib.util.spec_from_file_location("fetch_graphiql", script)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    try:
        fetched = tool.fetch()
    except tool.FetchError as exc:
        cmd.warn(f"GraphiQL's assets could not be fetched ({exc}); GraphiQL will load them from the CDN")
        return
    cmd.announce(f"GraphiQL's assets: {', '.join(fetched) or 'already present'}", level=2)


class BuildPy(build_py):
    """build_py that first fetches GraphiQL's assets and then adds the sample chain."""

    def run(self) -> None:
        fetch_graphiql(self)
        super().run()
        if not self.editable_mode and SAMPLE.is_file():
            target = Path(self.build_lib) / "cometgraph" / SAMPLE.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SAMPLE, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if not self.editable_mode and SAMPLE.is_file():
            outputs.append(str(Path(self.build_lib) / "cometgraph" / SAMPLE.name))
        return outputs


setup(cmdclass={"build_py": BuildPy})
