"""The package's public surface is deliberate: ``conformance.__all__`` is exactly what it exports (no module, no
private name, nothing missing), and every exported exception derives from ``ConformanceError``."""

from __future__ import annotations

import inspect
import types

import conformance
from conformance import errors


def test_all_is_exactly_the_public_surface():
    public = {
        name
        for name, value in vars(conformance).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(conformance.__all__) - {"__version__"} == public
    assert all(hasattr(conformance, name) for name in conformance.__all__)
    assert len(conformance.__all__) == len(set(conformance.__all__))


def test_every_exception_of_the_package_derives_from_one_root_and_says_when_it_is_raised():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__]
    assert {c.__name__ for c in classes} <= set(conformance.__all__)
    for cls in classes:
        assert issubclass(cls, errors.ConformanceError) and cls.__doc__, cls.__name__


def test_no_class_named_error_is_anything_but_an_exception():
    import pkgutil
    from importlib import import_module

    for module_info in pkgutil.walk_packages(conformance.__path__, "conformance."):
        if module_info.name.endswith(("__main__", ".suite.test_reject")):
            continue
        module = import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__ and name.endswith("Error"):
                assert issubclass(value, errors.ConformanceError), f"{module.__name__}.{name}"
