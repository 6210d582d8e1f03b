import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_protobuf_modules_match_the_proto_files():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_protos.py"), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_proto_file_has_a_generated_module():
    protos = {p.stem for p in (ROOT / "storage" / "proto").glob("*.proto")}
    generated = {p.name.removesuffix("_pb2.py") for p in (ROOT / "storage" / "proto").glob("*_pb2.py")}
    assert protos and protos == generated
