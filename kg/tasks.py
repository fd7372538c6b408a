"""Curation tasks: a name the curated vocabulary does not know, where it is written, the
closest known names, and the command that resolves it.

A build or a diff that meets an unknown target model, threat category or attacker-knowledge
label does not stop at the first: it notes a task (:meth:`Tasks.note`) and goes on without
that name, so the rest of the change can be shown. One task per kind and name (compared as
the aliases compare, case and spacing ignored), with every cell that names it. A defense
method is an open vocabulary: a new method is a task only when its name is close to a known
one (:func:`method_tasks`), since it may be another name of it. Tasks are resolved by the
vocabulary commands (``kg add model``, ``kg add alias``; :mod:`kg.vocabulary`).
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import closest

# alias kind (the sections of data/aliases.yaml) -> the task's kind
KINDS = {"models": "model", "threats": "threat", "knowledge": "knowledge", "methods": "method"}
NAMES = {"model": "target model", "threat": "threat category",
         "knowledge": "attacker-knowledge label", "method": "defense method"}


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class Task:
    """One unknown name: its kind (model, threat, knowledge, method), the text as written,
    the cells or entries that name it, the closest known names, and the commands that
    resolve it (``blocking``: the name is left out until it is resolved; a method is not)."""

    kind: str
    label: str
    cells: list[str] = field(default_factory=list)
    closest: list[str] = field(default_factory=list)
    blocking: bool = True
    in_additions_only: bool = True  # named only by additions (held back), not by the survey

    @property
    def commands(self) -> list[str]:
        """The commands that resolve the task: a new model under a family, or the name made
        another name (an alias) of the closest known one."""
        q = shlex.quote
        out = []
        if self.kind == "model":
            out.append(f"kg add model {q(self.label)} --broader FAMILY --source URL")
        for c in self.closest[:1]:
            out.append(f"kg add alias {q(self.label)} --for {q(c)} --kind {self.kind}")
        return out

    @property
    def note(self) -> str:
        """What else resolves it, in words."""
        if self.kind in ("threat", "knowledge"):
            return (f"a new {NAMES[self.kind]} is a change of the ontology (ontology/rdkg.ttl); "
                    "or fix the spelling in the source")
        if self.kind == "method":
            return "a new method needs nothing: this is a task only if it is another name"
        return "or fix the spelling in the source"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "cells": list(self.cells),
                "closest": list(self.closest), "blocking": self.blocking,
                "resolve": self.commands, "note": self.note}

    def __str__(self) -> str:
        did = f"; closest known: {', '.join(self.closest)}" if self.closest else ""
        return (f"unknown {NAMES[self.kind]} {self.label!r} in {'; '.join(self.cells)}{did}; "
                f"resolve: {' | '.join(self.commands) or self.note}")


@dataclass
class Tasks:
    """The tasks met while building, one per kind and name, in the order first met."""

    items: dict[tuple[str, str], Task] = field(default_factory=dict)

    def note(self, alias_kind: str, text: str, where: str, known: Iterable[str],
             blocking: bool = True, addition: bool = False) -> Task:
        """Record that ``where`` (a survey cell, or an addition's field when ``addition``)
        names ``text``, unknown in ``alias_kind`` (a section of the aliases: models,
        threats, knowledge, methods) whose known labels are ``known``."""
        kind = KINDS[alias_kind]
        task = self.items.get((kind, _key(text)))
        if task is None:
            task = Task(kind, text.strip(), [], closest(text, known), blocking)
            self.items[(kind, _key(text))] = task
        if where not in task.cells:
            task.cells.append(where)
        task.in_additions_only = task.in_additions_only and addition
        return task

    def extend(self, other: Tasks) -> None:
        for t in other:
            for where in t.cells:
                self.note({v: k for k, v in KINDS.items()}[t.kind], t.label, where, t.closest,
                          t.blocking, t.in_additions_only)

    def __iter__(self):
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    @property
    def blocking(self) -> list[Task]:
        return [t for t in self if t.blocking]

    @property
    def in_survey(self) -> list[Task]:
        """The blocking tasks a survey cell names (a build refuses them)."""
        return [t for t in self if t.blocking and not t.in_additions_only]

    def as_list(self) -> list[dict]:
        return [t.as_dict() for t in self]


#: how alike a new method's name must be to a known one to be asked about (difflib ratio)
METHOD_LIKENESS = 0.8


def method_tasks(new: dict[str, list[str]], known: Iterable[str], tasks: Tasks) -> None:
    """A task for each new method (``new``: label -> where it is named) whose name is close
    to a known method's (ratio >= METHOD_LIKENESS, case ignored): perhaps another name."""
    known = sorted(set(known))
    lowered = {k.casefold(): k for k in known}
    for label, cells in sorted(new.items()):
        close = difflib.get_close_matches(label.casefold(), list(lowered), n=3,
                                          cutoff=METHOD_LIKENESS)
        if close:
            task = tasks.note("methods", label, cells[0], known, blocking=False)
            task.closest = [lowered[c] for c in close]
            for where in cells[1:]:
                tasks.note("methods", label, where, known, blocking=False)


def render_tasks(tasks: list[Task]) -> list[str]:
    """The curation tasks as lines: the name, where it is written, the closest known names
    and the commands that resolve it."""
    if not tasks:
        return []
    out = [f"Curation tasks: {len(tasks)} (names the vocabulary does not know; left out "
           "until resolved)"]
    for t in tasks:
        held = "" if t.blocking else " (not left out: perhaps another name)"
        out.append(f"  ? {t.kind} {t.label!r}{held}")
        out += [f"      named in {c}" for c in t.cells]
        if t.closest:
            out.append(f"      closest known: {', '.join(t.closest)}")
        out += [f"      resolve: {c}" for c in t.commands]
        out.append(f"      {t.note}")
    return out


__all__ = ["KINDS", "METHOD_LIKENESS", "Task", "Tasks", "method_tasks", "render_tasks"]
