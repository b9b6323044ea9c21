"""What every page shares: who this browser is (`identity`), per-session and URL state
(`session`), the presenter display (`presenter`), server-wide resources (`resources`), per-run
results cached once (`run_cache`) and warming the server up (`warm_up`)."""

from ui.core import identity, presenter, resources, run_cache, session, warm_up

__all__ = ["identity", "presenter", "resources", "run_cache", "session", "warm_up"]
