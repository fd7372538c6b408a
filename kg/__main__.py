"""``python -m kg``: the `kg` command (named ``kg``, so ``--json`` finds its schema)."""

from .cli import main

main(prog_name="kg")
