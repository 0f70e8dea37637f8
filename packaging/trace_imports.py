"""Record which torch modules the app really imports, for packaging/hooks/hook-torch.py.

PyInstaller's stock torch hook bundles every torch submodule (collect_submodules), most of
which the app never loads (the compiler stacks, distributed, testing, ONNX...). Our hook bundles
what this script saw imported instead, plus everything those modules import statically. Rerun it
after a torch upgrade or when the app starts using more of torch:

    .venv-build/bin/python packaging/trace_imports.py

It runs the CLI (train VAE and GAN, sample, info) and, when genai_studio/app.py exists, the
window's --self-test offscreen, each in a fresh process whose sys.modules is dumped at exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "packaging" / "torch-modules.txt"
DUMP = """import atexit, os, sys
def _dump():
    with open(os.environ["GENAI_TRACE_OUT"], "a") as f:
        f.write("\\n".join(sys.modules) + "\\n")
atexit.register(_dump)
"""
ENTRY = "import sys; from genai_studio.cli import main; sys.exit(main())"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "sitecustomize.py").write_text(DUMP)
        out = work / "modules.txt"
        env = dict(os.environ, PYTHONPATH=f"{work}{os.pathsep}{ROOT}", GENAI_TRACE_OUT=str(out),
                   HOME=str(work), QT_QPA_PLATFORM="offscreen")
        vae, gan = work / "vae.safetensors", work / "gan.safetensors"
        runs = [
            ["train", "vae", "--limit", "1000", "--epochs", "1", "--out", str(vae)],
            ["train", "gan", "--conditional", "--limit", "1000", "--epochs", "1",
             "--out", str(gan)],
            ["sample", str(vae), "--n", "8", "--out", str(work / "s.png"), "--npy",
             str(work / "s.npy")],
            ["sample", str(gan), "--n", "8", "--label", "3", "--out", str(work / "g.png")],
            ["info", str(gan)],
        ]
        if (ROOT / "genai_studio" / "app.py").exists():
            runs.append(["--self-test"])
        else:
            print("trace_imports: no genai_studio/app.py: the window's imports are NOT traced")
        for args in runs:
            print("trace_imports: genai-studio", " ".join(args), flush=True)
            # main() itself, not the console script: its fast exit would skip the atexit dump.
            subprocess.run([sys.executable, "-c", ENTRY, *args], env=env, cwd=work,
                           check=True, stdout=subprocess.DEVNULL)
        seen = {m for m in out.read_text().split() if m == "torch" or m.startswith("torch.")}
    header = ("# torch modules imported by real runs of the app (packaging/trace_imports.py);\n"
              "# packaging/hooks/hook-torch.py bundles these and their static imports.\n")
    OUT.write_text(header + "\n".join(sorted(seen)) + "\n", encoding="utf-8")
    print(f"trace_imports: {len(seen)} torch modules -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
