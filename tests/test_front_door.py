"""The front door: ``kg.open`` gives one object whose methods are the library; its
docstrings' examples run here, and each verb answers as the module behind it does."""

from __future__ import annotations

import doctest

import pytest

import kg
import kg.api
from kg.ask import ask
from kg.coverage.gaps import from_summary
from kg.explain import explain, resolve_node


@pytest.mark.parametrize("module", [kg, kg.api], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_the_verbs_answer_as_their_modules(store):
    g = kg.api.KG(store)
    q = "which defenses were evaluated on DDPM but not on Stable Diffusion?"
    assert g.ask(q, search=False).as_dict() == ask(store, q).as_dict()
    assert [x.as_dict() for x in g.gaps(evidence=False)] == [
        x.as_dict() for x in from_summary(store)]
    assert g.explain("DP-SGD").as_dict() == explain(store, resolve_node(store, "DP-SGD")).as_dict()
    assert g.stats()["Attacks"] == 16


def test_the_front_door_is_lazy_and_names_its_errors():
    assert kg.KGError.__module__ == "kg.errors"
    with pytest.raises(AttributeError):
        kg.no_such_verb  # noqa: B018
    with pytest.raises(kg.KGError, match="store setting"):
        kg.open("sqlite:nowhere")


def test_no_submodule_shadows_a_front_door_name():
    import kg.build  # noqa: F401  (sets the module kg.build on the package)
    import kg.stores.open  # noqa: F401

    assert kg.open is kg.api.open and kg.rebuild is kg.api.rebuild and kg.KG is kg.api.KG
