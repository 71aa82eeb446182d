"""The public spelling of runner.runtime.engine, as the README names it."""

from runner.runtime.engine import begin_on_driver, create_engine, engine_for

__all__ = ["begin_on_driver", "create_engine", "engine_for"]
