"""Knowledge graph of privacy attacks and defenses for diffusion models.

The front door (:mod:`kg.api`): ``kg.open(store)`` gives a :class:`~kg.api.KG` whose
methods are the library (ask, search, coverage, gaps, explain, sparql, table, export,
profile, stats, diff); ``kg.rebuild()`` builds the graph (``kg.build`` is the module).
Every error a user can cause is a :class:`KGError`.

>>> import kg
>>> answer = kg.open().ask("what protects Stable Diffusion against membership inference?")
>>> [x["label"] for x in answer.answers]
['DistillMD', 'DualMD', 'MP-LoRA', 'SMP-LoRA']

The front door is imported on first use, so ``import kg.stores`` (or the ``kg`` command)
does not load the whole library.
"""

from .errors import KGError

__version__ = "0.1.0"
__all__ = ["KG", "KGError", "__version__", "open", "rebuild"]


def __getattr__(name: str):
    if name in ("KG", "open", "rebuild"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
