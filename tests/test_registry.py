"""The registry drives xlwings registration, the docs and the tests."""
from __future__ import annotations

import importlib
import inspect

import pytest
import xlwings

from addin import udfs
from addin.registry import REGISTRY


def test_every_function_is_registered_upper_case_with_prefix_and_matching_arguments():
    assert len(REGISTRY) >= 13
    for name, spec in REGISTRY.items():
        assert name.startswith("SD_") and name == name.upper()
        func = getattr(udfs, name)
        assert [a.name for a in spec.args] == list(inspect.signature(func).parameters)
        optional = [p.default is not inspect.Parameter.empty for p in inspect.signature(func).parameters.values()]
        assert optional == [a.optional for a in spec.args], name
        assert spec.example.startswith(f"={name}(")


def test_registration_passes_registry_metadata_to_xlwings(monkeypatch):
    calls = {"func": [], "arg": []}

    def fake_func(**kwargs):
        def deco(f):
            calls["func"].append((f.__name__, kwargs))
            f.__xlfunc__ = kwargs
            return f
        return deco

    def fake_arg(name, **options):
        def deco(f):
            calls["arg"].append((f.__name__, name, options))
            return f
        return deco

    monkeypatch.setattr(xlwings, "func", fake_func)
    monkeypatch.setattr(xlwings, "arg", fake_arg)
    module = importlib.reload(udfs)
    try:
        registered = {name for name, _ in calls["func"]}
        assert registered == set(REGISTRY)
        split_args = {a: o for f, a, o in calls["arg"] if f == "SD_SPLIT"}
        assert split_args["weights"]["ndim"] == 2 and "ndim" not in split_args["total"]
        assert all(o["err_to_str"] for _, _, o in calls["arg"])
        assert split_args["weights"]["doc"] == REGISTRY["SD_SPLIT"].args[1].help
        assert module.SD_SPLIT.__xlfunc__["category"].startswith("SalesDesk")
    finally:
        monkeypatch.undo()
        importlib.reload(udfs)


def test_failed_calls_return_a_message_that_names_the_argument():
    from addin.engine.errors import InputError

    for name, spec in REGISTRY.items():
        bad = ["#N/A"] * len(spec.args)
        # the function itself says which argument is wrong (an InputError), not a stray
        # ValueError from deep inside that the wrapper would only pass on
        with pytest.raises(InputError) as raised:
            spec.func.__wrapped__(*bad)
        assert any(a.name in str(raised.value) for a in spec.args), (name, str(raised.value))
        result = spec.func(*bad)
        cell = result[0][0] if isinstance(result, list) else result
        assert cell == f"{name}: {raised.value}", (name, result)


def test_the_raw_function_raises_and_the_registered_one_answers_in_the_cell():
    from addin import udfs  # noqa: F401  (fills the registry)
    from addin.engine.errors import InputError
    from addin.registry import REGISTRY

    spec = REGISTRY["SD_ATTAINMENT"]
    with pytest.raises(InputError, match="target"):
        spec.raw(93000, 0)
    message = spec.func(93000, 0)
    assert isinstance(message, str) and message.startswith("SD_ATTAINMENT: ") and "target" in message
    assert spec.raw(93000, 100000) == spec.func(93000, 100000) == pytest.approx(0.93)
    assert all(f.raw is not None for f in REGISTRY.values())
