"""Record what the `kg` command prints, to compare two commits byte for byte.

Runs the README tour, every benchmark question (text and --json) and the other read-only
commands in one process through click's runner, on the in-memory graph and on an embedded
Oxigraph store, and writes each command's exit code, stdout and stderr (and every file it
wrote) under OUT. Which `kg` runs is whatever Python imports, so one script serves both
commits:

    git worktree add /tmp/kg-old 5bb46b6
    PYTHONPATH=/tmp/kg-old .venv/bin/python scripts/behaviour.py /tmp/out-old
    .venv/bin/python scripts/behaviour.py /tmp/out-new
    diff -r /tmp/out-old /tmp/out-new

Each checkout reads its own data/ (the settings resolve paths from the package), the build
date is fixed (SOURCE_DATE_EPOCH) and both runs share one embedding cache (KG_CACHE_DIR),
and string hashing is fixed (PYTHONHASHSEED=0), so the outputs differ only where the code
does.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

TOUR = r"""
build
table attacks --format md
table attacks --canonical
explain DP-SGD
gaps
coverage --by model --level family
ask "what protects Stable Diffusion against membership inference?"
ask "Which attacks target both DDIM and DALL-E 2?"
ask "which gray-box attacks are not membership inference?"
ask "Which defense methods were evaluated on DDPM but not on Stable Diffusion?"
ask "Which model is attacked most often?"
ask "What protects Imagen from data extraction?"
ask "gray-box attacks since 2024"
ask "papers by Kong"
ask "what did ICLR publish on data extraction"
ask "which knowledge does PIA assume"
explain SecMI
export view --author Carlini --year 2023- -f bibtex
export question "which gray-box attacks are not membership inference?" -f all -o related/
sparql 'SELECT ?t WHERE { ?a rd:threat/skos:prefLabel "Gradient inversion"@en ; \
  rd:fromPaper/dcterms:title ?t }'
"""

MORE = r"""
validate
stats
stats --json
explain PIA --json
explain "Stable Diffusion"
explain "Membership inference" --json
table defenses --format md
table attacks --format csv
table defenses --format html
table attacks --json
table defenses --canonical --format csv
sparql 'SELECT ?m (COUNT(?a) AS ?n) WHERE { ?a rd:evaluatedOn ?m } GROUP BY ?m ORDER BY ?m' --format csv
sparql 'SELECT ?s WHERE { ?s a rd:Paper } ORDER BY ?s' --format json --limit 5
sparql 'INSERT DATA { <urn:a> <urn:b> <urn:c> }'
sparql 'SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }'
sparql 'SELECT ?x WHERE {'
coverage --by model
coverage --by knowledge
coverage --by defense
coverage --by model --level family --json
coverage --by knowledge --json --items 3
gaps --json
gaps --type no_code_link --limit 3
gaps --type model_without_defense
consistency
consistency --json
neighbors DP-SGD
neighbors "Membership inference" --depth 2 --type Paper --json
path DDPM "DP-SGD"
path SecMI DDIM --json
centrality --top 5
centrality --json
crosswalk
crosswalk --json
profile --model DDPM --access gradients -f md
profile --model "SD v1.5" --access api --fine-tuned -f md
profile --model "Stable Diffusion" --access weights -f json
profile --model Imagen --access api -f md
profile --model DDPM --access api -f html
export view --threat "membership inference" --knowledge black-box \
  --model "Stable Diffusion" -f all -o related-view
export view --threat MIA --model SD --part attacks -f csv
export view --method DP-SGD -f latex
export view --venue ICLR -f paragraph
export view --year 2024 -f markdown
export view --paper SecMI -f turtle
export view --threat "training data extraction" -f graphml
export view --threat "property inference" -f mermaid
export view --threat "gradient inversion" -f dot
export view --author Kong -f jsonld
export view --threat MIA -f paragraph-md --columns 2
export view --model Imagen -f csv
export construct 'CONSTRUCT { ?a rd:threat ?t } WHERE { ?a rd:threat ?t }' -f turtle
export question "membership inference attacks on Stable Diffusion" -f csv
export question "what protects Imagen from data extraction" -f csv
stores
stores --json
diff data/privacy-taxonomy.md data/privacy-taxonomy.md
explain "no such node"
ask "SELECT ?s WHERE { ?s ?p ?o }"
ask ""
"""

ON_STORE = r"""
stats
table attacks --format md
coverage --by model --level family
coverage --by defense --json --items 2
gaps
gaps --json --evidence 2
ask "which model is attacked most often?"
ask "how many attacks per threat?"
ask "membership inference attacks on DDIM" --json
explain SecMI
profile --model DDPM --access api -f md
sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
summarize
"""


def commands(block: str) -> list[list[str]]:
    """One command per line; a line ending in a backslash goes on on the next."""
    lines = block.strip().replace("\\\n", " ").splitlines()
    return [shlex.split(line) for line in lines if line.strip()]


def questions() -> list[str]:
    import yaml

    out = []
    for f in ("questions.yaml", "compositional.yaml"):
        data = yaml.safe_load((HERE / "benchmarks" / "quality" / f).read_text(encoding="utf-8"))
        out += [q["q"] for q in data["questions"]]
    return out


def record(out: Path, name: str, args: list[str]) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    before = {p: p.stat().st_mtime_ns for p in Path.cwd().rglob("*") if p.is_file()}
    res = CliRunner().invoke(main, args, catch_exceptions=True)
    text = [f"$ kg {shlex.join(args)}", f"exit {res.exit_code}", "--- stdout", res.stdout,
            "--- stderr", res.stderr]
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        text += ["--- exception", f"{type(res.exception).__name__}: {res.exception}"]
    for p in sorted(Path.cwd().rglob("*")):
        if p.is_file() and before.get(p) != p.stat().st_mtime_ns and "build" not in p.parts \
                and "ox" not in p.parts and "data" not in p.parts:
            data = re.sub(rb"/(CreationDate|ModDate) ?\(D:[^)]*\)", rb"/\1 (D:...)",
                          p.read_bytes())  # Graphviz stamps its PDFs with the time
            try:
                body = data.decode("utf-8")
            except UnicodeDecodeError:
                body = f"<{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}>"
            text += [f"--- wrote {p.relative_to(Path.cwd())}", body]
    # durations differ from run to run: "in 0.11 s" -> "in <t> s"
    body = re.sub(r"\b(in|took) \d+(\.\d+)? (s|ms)\b", r"\1 <t> \3", "\n".join(text))
    body = body.replace(str(Path.cwd()), "<work>")
    (out / f"{name}.txt").write_text(body, encoding="utf-8")


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    # a run of its own (two runs may go on at once); outputs name it "<work>"
    work = Path(tempfile.mkdtemp(prefix="kg-behaviour-"))
    out.mkdir(parents=True)
    os.environ.update(SOURCE_DATE_EPOCH="1767225600", HF_HUB_OFFLINE="1",
                      TRANSFORMERS_OFFLINE="1", KG_BUILD_DIR=str(work / "build"),
                      KG_CACHE_DIR=str(HERE / ".cache"), KG_STORE="memory")
    shutil.copytree(HERE / "data", work / "data")  # what `kg diff data/…` reads
    os.chdir(work)
    n = 0
    for args in commands(TOUR) + commands(MORE):
        n += 1
        record(out, f"{n:03d}-cli", args)
    for i, q in enumerate(questions()):
        record(out, f"q{i:03d}-text", ["ask", q])
        record(out, f"q{i:03d}-json", ["ask", q, "--json"])
    store = f"oxigraph:{work / 'ox'}"
    record(out, "store-000-load", ["load", "--store", store])
    for i, args in enumerate(commands(ON_STORE), 1):
        record(out, f"store-{i:03d}", [*args, "--store", store])
    os.chdir(out)
    shutil.rmtree(work, ignore_errors=True)
    print(f"{len(list(out.iterdir()))} outputs in {out} (kg from {sys.modules['kg'].__file__})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if os.environ.get("PYTHONHASHSEED") != "0":  # set and dict orders that follow str hashes
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, "PYTHONHASHSEED": "0"})
    main(Path(sys.argv[1]).resolve())
